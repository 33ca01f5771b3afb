# Ferramentas do painel de agentes: tokens de API e registo de auditoria. Ids como em
# locales/en/panel-tools.ftl.

## API tokens (/agent/tokens)
tokens-title = Tokens de API
tokens-intro = Um token permite que um script ou uma integração use a API em seu nome. Envie-o no cabeçalho Authorization: Bearer, seguido do token.
tokens-yours = Os seus tokens
tokens-none = Não tem nenhum token.
tokens-col-name = Nome
tokens-col-scopes = Permissões
tokens-col-created = Criado
tokens-col-expires = Expira
tokens-col-last-used = Última utilização
tokens-col-actions = Ações
tokens-never-expires = nunca
tokens-never-used = nunca
tokens-expired = expirado
tokens-revoke = Revogar
tokens-revoke-label = Revogar { $name }
tokens-create = Criar um token
tokens-field-name = Nome
tokens-name-placeholder = Script de exportação noturna
tokens-field-scopes = Permissões
tokens-scope-read = Leitura: ler tickets, pessoas e definições
tokens-scope-write = Escrita: alterar o mesmo que o titular do token pode alterar
tokens-scope-admin = Administração: gerir pessoas e definições de segurança
tokens-field-expiry = Validade (dias)
tokens-expiry-hint = De 1 a 3650 dias. Deixe em branco para um token que não expira.
tokens-create-submit = Criar token
tokens-created = Token “{ $name }” criado.
tokens-copy-now = Copie-o agora: não voltará a ser mostrado.
tokens-new-token-label = O novo token
tokens-revoked = Token “{ $name }” revogado. Já não funciona.
tokens-not-found = Esse token não existe ou já foi revogado.
tokens-error-name = O nome deve ter entre 1 e 100 caracteres.
tokens-error-expiry = A validade deve ser um número inteiro de dias entre 1 e 3650, ou ficar em branco.
tokens-error-no-scope = Escolha pelo menos uma permissão.
tokens-error-scope = Essa permissão não pode ser concedida.
tokens-error-admin = Só os proprietários e os administradores podem criar tokens com a permissão de administração.

## Audit log (/agent/audit)
audit-title = Registo de auditoria
audit-intro = Quem fez o quê nesta conta, das entradas mais recentes para as mais antigas. As entradas não podem ser alteradas.
audit-filter = Filtrar
audit-field-action = Ação
audit-action-hint = Uma ação, como token.created, ou uma família de ações, como login ou 2fa.
audit-field-actor = Autor (e-mail, cli ou system)
audit-field-from = De
audit-field-to = Até
audit-filter-submit = Mostrar
audit-filter-clear = Mostrar tudo
audit-download-csv = Exportar para CSV
audit-col-time = Data e hora
audit-col-actor = Autor
audit-col-action = Ação
audit-col-target = Alvo
audit-col-ip = Endereço IP
audit-col-detail = Detalhes
audit-none = Sem entradas.
audit-none-filtered = Nenhuma entrada corresponde a este filtro.
audit-older = Entradas mais antigas
audit-newest = Entradas mais recentes
audit-showing-action = Só são mostradas as entradas de { $action }.
tokens-field-skip-spam-check = Os tickets criados com este token não passam pelo filtro de spam (para uma integração de confiança)
tokens-spam-check-off = sem filtro de spam
