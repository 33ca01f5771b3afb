# A área de trabalho dos agentes em português (norma europeia, legível no Brasil;
# tratamento impessoal): listas de tickets, um ticket, contactos. Ids como em
# locales/en/panel-desk.ftl.

nav-tickets = Tickets
nav-contacts = Contactos

## Views
desk-views = Vistas
desk-search = Pesquisar tickets
desk-search-placeholder = Pesquisar tickets… (/)
desk-shortcuts = Atalhos de teclado
shortcut-search = pesquisar
shortcut-move = ticket seguinte / anterior
shortcut-open = abrir o ticket selecionado
shortcut-reply = escrever uma resposta
shortcut-back = voltar à lista
desk-empty = Não há tickets aqui.
desk-older = Mais antigos
desk-col-subject = Assunto
desk-col-contact = Contacto
desk-col-status = Estado
desk-col-priority = Prioridade
desk-col-assignee = Responsável
desk-col-updated = Atualizado
view-mine = Os meus tickets abertos
view-unassigned = Sem responsável
view-open = Abertos
view-pending = Pendentes
view-resolved = Resolvidos
view-spam = Spam
view-trash = Lixo
view-all = Todos os tickets

## Values
status-new = Novo
status-open = Aberto
status-pending = Pendente
status-resolved = Resolvido
status-spam = Spam
status-trash = No lixo
priority-low = Baixa
priority-normal = Normal
priority-high = Alta
priority-urgent = Urgente
channel-email = E-mail
channel-chat = Chat
channel-web = Formulário web
channel-api = API
channel-phone = Telefone

## A ticket
ticket-back = Tickets
ticket-not-found = Este ticket não existe ou pertence a um departamento do qual não faz parte.
ticket-opened = aberto em { $when }
ticket-internal-note = Nota interna
ticket-reply-label = Responda ao cliente ou escreva uma nota interna
ticket-send-reply = Enviar resposta
ticket-add-note = Adicionar nota interna
ticket-empty-message = Escreva algo primeiro.
ticket-history = Histórico
ticket-unassigned = Sem responsável
ticket-tags = Etiquetas
ticket-save = Guardar
ticket-other-tickets = Tickets deste contacto

## Contacts
contacts-title = Contactos
contacts-find-email = Procurar por e-mail
contacts-find = Procurar
contacts-none = Ainda não há contactos.
contacts-not-found = Este contacto não existe.
contacts-company = Empresa
contacts-since = Contacto desde
contacts-phones = Telefone
contacts-address = Endereço
contacts-tickets = Tickets

## Editing and merging a contact
contacts-edit = Editar dados
contacts-emails = E-mails
contacts-emails-hint = Um endereço por linha.
contacts-phones-hint = Um número por linha.
contacts-custom = Campos personalizados
contacts-custom-key = Campo
contacts-custom-value = Valor
contacts-custom-hint = Apague um valor para remover o campo. Números, valores sim/não e listas mantêm o seu tipo (escritos em JSON).
contacts-save = Guardar dados
contacts-saved = Guardado.
contacts-merged = Fundido: os e-mails, telefones e tickets do outro contacto estão agora aqui.
contacts-invalid-email = “{ $email }” não é um endereço de e-mail válido. Nada foi guardado.
contacts-email-taken = { $email } já pertence a outro contacto. Nada foi guardado.
contacts-email-taken-merge = Fundir esse contacto neste
contacts-invalid-field = Um campo é demasiado longo (no máximo 1000 caracteres; campos personalizados no máximo 16 KB no total) ou há mais de 20 e-mails ou números de telefone. Nada foi guardado.
contacts-custom-invalid = O campo personalizado “{ $key }” contém um número, um valor sim/não ou uma lista: escreva-o em JSON (por exemplo 42, true ou ["a", "b"]). Nada foi guardado.
contacts-merge-title = Fundir um duplicado neste contacto
contacts-merge-hint = Procure o outro contacto por um endereço de e-mail ou parte do nome.
contacts-merge-find = E-mail ou nome
contacts-merge-none = Nenhum outro contacto corresponde.
contacts-merge-choose = Fundir…
contacts-merge-not-found = Esse contacto não existe (ou já não existe).
contacts-merge-question = Fundir { $other } em { $this }?
contacts-merge-moves = { $tickets ->
        [one] Os seus e-mails ({ $emails }), telefones e o seu ticket passam para aqui.
       *[other] Os seus e-mails ({ $emails }), telefones e { $tickets } tickets passam para aqui.
    }
contacts-merge-fills = Os campos vazios aqui ficam com os valores dele; os campos personalizados são combinados.
contacts-merge-removes = { $other } é depois removido. Esta ação não pode ser anulada.
contacts-merge-understand = Compreendo que esta ação não pode ser anulada.
contacts-merge-button = Fundir contactos
contacts-merge-cancel = Cancelar
contacts-merge-self = Um contacto não pode ser fundido consigo próprio.
contacts-merge-confirm = Marque a caixa para confirmar a fusão. Nada foi fundido.

## Saved views
views-saved = Vistas guardadas
views-none = Ainda nenhuma: guarde uma lista ou uma pesquisa com “Guardar como vista”.
views-save-as = Guardar como vista
views-name = Nome da vista
views-name-placeholder = p. ex. Faturação VIP
views-save = Guardar vista
views-delete = Eliminar vista
views-not-found = Esta vista não existe ou pertence a outro agente.
views-bad-cursor = Esta página da vista já não é válida; abra a vista novamente a partir da primeira página.
views-name-invalid = Dê à vista um nome de 1 a 100 caracteres numa só linha.
views-name-taken = Já tem uma vista chamada “{ $name }”. Escolha outro nome.
views-cannot-save = Não é possível guardar esta vista: já tem 100 vistas guardadas ou a sua pesquisa é demasiado longa.
views-tag-filter = com a etiqueta “{ $tag }”

## Attachments on a ticket
ticket-attachments = Anexos
ticket-files = Ficheiros deste ticket
ticket-download = Transferir { $name }
ticket-attach-files = Anexar ficheiros
ticket-attach-hint = { $count ->
        [one] Até { $count } ficheiro
       *[other] Até { $count } ficheiros
    }, cada um com no máximo { $limit }.
ticket-file-too-large = “{ $name }” é maior do que o limite de { $limit }. Nada foi enviado: escolha um ficheiro mais pequeno e envie novamente. O seu texto foi mantido.
ticket-files-too-large = Os ficheiros em conjunto são maiores do que o limite de { $limit }. Nada foi enviado; o seu texto foi mantido.
ticket-file-empty = “{ $name }” está vazio. Nada foi enviado; o seu texto foi mantido.
ticket-too-many-files = { $count ->
        [one] No máximo um ficheiro por mensagem.
       *[other] No máximo { $count } ficheiros por mensagem.
    } Nada foi enviado; o seu texto foi mantido.
ticket-file-over-limit = “{ $name }” é maior do que o limite de { $limit }: escolha um ficheiro mais pequeno.
ticket-files-over-limit = Estes ficheiros em conjunto são maiores do que { $limit }: escolha menos ficheiros ou ficheiros mais pequenos.
ticket-over-file-count = { $count ->
        [one] Escolha no máximo um ficheiro.
       *[other] Escolha no máximo { $count } ficheiros.
    }
ticket-upload-failed = Não foi possível receber os ficheiros. Nada foi enviado; tente novamente.
size-bytes = { $size } B
size-kb = { $size } KB
size-mb = { $size } MB

# language-name e profile-language* já estão em locales/pt/panel.ftl.
contacts-consents = Consentimento no chat
contacts-consent-given = { $when }: aceitou a versão { $version } ({ $language }) a partir de { $ip }
contacts-export = Exportar dados
contacts-export-hint = Tudo o que está guardado sobre esta pessoa, incluindo notas internas, num único ficheiro JSON (pedido de acesso RGPD). Cada exportação fica registada no registo de auditoria.
