# O painel de agentes em português (norma europeia, legível no Brasil; tratamento
# impessoal). Ids como em locales/en/panel.ftl.

## Shared
form-expired = Este formulário expirou ou tem outra origem. Tente novamente.
back-to-profile = Voltar ao perfil

## Sign in
login-page-title = Iniciar sessão
login-title = Iniciar sessão em { $account }
field-email = E-mail
field-password = Palavra-passe
login-submit = Iniciar sessão
login-with-key = Iniciar sessão com uma chave de segurança
login-wrong = E-mail ou palavra-passe incorretos.
login-throttled =
    Demasiadas tentativas sem sucesso. Tente novamente dentro de { $seconds ->
        [one] { $seconds } segundo
       *[other] { $seconds } segundos
    }.

## The second step of signing in
second-step-title = Verificação em dois passos
second-step-signing-in-as = Início de sessão como { $email }.
second-step-code-label = Código da aplicação de autenticação ou código de recuperação
second-step-verify = Verificar
second-step-use-key = Usar uma chave de segurança
second-step-start-over = Recomeçar
second-step-wrong-code = Esse código está errado, expirou ou já foi utilizado.

## Refused by the account's network allowlist
blocked-title = Indisponível a partir deste local
blocked-text = O painel de agentes de { $account } não está acessível a partir do seu endereço ({ $ip }).
blocked-hint = Peça ao proprietário da conta que autorize a sua rede ou utilize uma rede autorizada.

## Navigation
nav-profile = Perfil
nav-tokens = Tokens de API
nav-agents = Agentes
nav-security = Segurança
nav-audit = Registo de auditoria

## Profile
profile-two-step = Verificação em dois passos
profile-two-step-link = Aplicação de autenticação, códigos de recuperação e chaves de segurança
profile-sessions = Sessões
profile-session-line = { $ip } · { $agent } · última atividade { $seen }
profile-this-session = esta sessão
profile-end-others = Terminar as outras sessões
profile-change-password = Alterar palavra-passe
field-current-password = Palavra-passe atual
field-new-password = Nova palavra-passe
profile-change-password-submit = Alterar palavra-passe
profile-sign-out = Terminar sessão
profile-password-changed = Palavra-passe alterada. As suas outras sessões foram terminadas.
profile-current-wrong = A palavra-passe atual está errada.
# The English message appends an English-only reason ({ $why }); it is left out here.
profile-new-weak = Esta palavra-passe não é aceite: deve ter pelo menos 12 caracteres (no máximo 1024 bytes) e não pode ser uma palavra-passe comum.

## Two-step verification settings
twostep-title = Verificação em dois passos
twostep-must-enrol = Esta conta exige a verificação em dois passos. Para continuar, configure uma aplicação de autenticação ou uma chave de segurança.
twostep-app = Aplicação de autenticação
twostep-app-on =
    Ativada. { $left ->
        [0] Já não resta nenhum código de recuperação não utilizado.
        [one] Resta { $left } código de recuperação não utilizado.
       *[other] Restam { $left } códigos de recuperação não utilizados.
    }
twostep-current-code = Código atual
twostep-new-codes = Gerar novos códigos de recuperação
twostep-code-or-recovery = Código atual ou código de recuperação
twostep-turn-off = Desativar a aplicação de autenticação
twostep-app-off = Desativada. Use o Google Authenticator, o Aegis, o 1Password ou outra aplicação de autenticação.
twostep-set-up = Configurar uma aplicação de autenticação
twostep-app-turned-off = A aplicação de autenticação está desativada.
twostep-wrong-code = O código está errado, expirou ou já foi utilizado.
twostep-required = Esta conta exige a verificação em dois passos: adicione outra chave de segurança ou mantenha a aplicação.
twostep-not-enabled = A aplicação de autenticação não está ativada.
twostep-keys = Chaves de segurança e chaves de acesso
twostep-keys-intro = Uma chave de segurança (como uma YubiKey) ou uma chave de acesso neste dispositivo pode substituir o código ou permitir iniciar sessão sem palavra-passe.
twostep-keys-none = Ainda não há nenhuma.
twostep-key-added = adicionada em { $when }
twostep-key-used = usada pela última vez em { $when }
twostep-key-remove = Remover
twostep-key-name = Nome da nova chave
twostep-key-placeholder = YubiKey do porta-chaves
twostep-add-key = Adicionar uma chave de segurança
enrol-title = Configurar a aplicação de autenticação
enrol-scan = Leia este código QR com a sua aplicação de autenticação.
enrol-type = Ou insira esta chave manualmente:
enrol-enter = Insira o código de 6 dígitos apresentado pela aplicação.
enrol-qr-label = Código QR para a aplicação de autenticação
enrol-code = Código
enrol-turn-on = Ativar
enrol-wrong = Esse código está errado ou expirou. Tente o seguinte.
recovery-title = Os seus códigos de recuperação
recovery-on = A verificação em dois passos está ativada.
recovery-explain = Se perder o telefone, cada código permite iniciar sessão uma vez. Guarde-os num local seguro: só são mostrados agora.
recovery-saved = Já os guardei

## Roles
role-owner = Proprietário
role-admin = Administrador
role-agent = Agente

## Agents
agents-title = Agentes
agents-name = Nome
agents-email = E-mail
agents-role = Função
agents-two-step = Dois passos
agents-actions = Ações
agents-on = ativada
agents-off = desativada
agents-change-role = Alterar função
agents-confirm = Confirmo
agents-confirm-needed = Para eliminar alguém, marque “Confirmo”.
agents-delete = Eliminar
agents-reset-two-step = Redefinir a verificação em dois passos
agents-invitations = Convites
agents-no-invitations = Não há convites pendentes.
agents-expires = expira em { $when }
agents-revoke = Revogar
agents-invite = Convidar alguém
agents-send-invitation = Criar link de convite
agents-invited = Convite para { $email } criado. Envie este link à pessoa convidada; só pode ser usado uma vez, durante sete dias:
agents-role-changed = { $name } tem uma nova função. As sessões desta pessoa foram terminadas.
agents-deleted = A conta de { $name } foi eliminada: perfil, palavra-passe, sessões e tokens foram apagados.
agents-two-step-reset = A verificação em dois passos de { $name } foi redefinida; as sessões desta pessoa foram terminadas.
agents-invitation-revoked = O convite foi revogado; o link do convite já não funciona.

## Accepting an invitation
invite-title = Junte-se a { $account }
invite-as = Recebeu um convite como { $email } ({ $role }).
invite-password-hint = Pelo menos 12 caracteres; palavras-passe comuns são recusadas.
invite-join = Aderir
invite-invalid-title = Este convite não é válido
invite-invalid = O link está errado, já foi utilizado, foi revogado ou expirou. Peça um novo convite.

## Account security
security-title = Segurança
security-two-step = Verificação em dois passos
security-require-two-step = Exigir a verificação em dois passos a todas as pessoas desta conta
security-require-hint = Quem não a tiver será convidado a configurá-la na próxima página que abrir e deixará de poder usar a API com a palavra-passe (os tokens de API continuam a funcionar).
security-save = Guardar
security-two-step-required = A verificação em dois passos passou a ser obrigatória para todos.
security-two-step-optional = A verificação em dois passos passou a ser opcional.
security-networks = Redes autorizadas
security-networks-intro = Um endereço ou rede por linha (IPv4 ou IPv6, por exemplo 192.0.2.0/24). Uma lista vazia autoriza todos os endereços. Os endereços não autorizados são recusados antes de qualquer início de sessão.
security-your-address = O seu endereço atual: { $ip }. Uma lista que o exclua é recusada.
security-panel-networks = Painel de agentes
security-api-networks = API
security-everywhere = de qualquer lugar
security-owner-only = Só o proprietário da conta pode alterar estas listas.
security-networks-saved = As redes autorizadas foram guardadas.
security-lockouts = Inícios de sessão bloqueados
security-no-lockouts = Neste momento, nenhum e-mail está bloqueado.
security-locked-for =
    { $failures ->
        [one] { $failures } tentativa sem sucesso
       *[other] { $failures } tentativas sem sucesso
    }, bloqueado por mais { $minutes ->
        [0] { $minutes } minutos
        [one] { $minutes } minuto
       *[other] { $minutes } minutos
    }
security-would-lock-out = Não guardado: o seu endereço { $ip } não está na nova lista “{ $list }”, pelo que a alteração bloquearia o seu próprio acesso. Adicione primeiro o endereço ou uma rede que o contenha.
security-invalid-network = Não guardado: “{ $entry }” não é um endereço IP nem uma rede (por exemplo 192.0.2.0/24 ou 2001:db8::/32).
security-list-panel = Painel de agentes
security-list-api = API

## The language's own name, in the language chooser
language-name = Português
profile-language = Idioma
profile-language-browser = Conforme o navegador
profile-language-save = Guardar idioma
error-page-home = Voltar à página inicial
