# O lado do cliente em português (norma europeia, legível no Brasil; tratamento
# impessoal): o formulário web público (/portal/new) e o portal de clientes (/portal).
# Ids como em locales/en/portal.ftl.

portal-nav-label = Portal de clientes
portal-nav-requests = Os meus pedidos
portal-nav-new = Novo pedido
portal-nav-profile = Perfil
portal-sign-in = Iniciar sessão
portal-sign-out = Terminar sessão

## Fields
portal-field-name = O seu nome
portal-field-email = E-mail
portal-field-subject = Assunto
portal-field-message = Mensagem
# The honeypot: hidden from sight, read out by screen readers.
portal-field-trap = Deixe este campo vazio

## The web form
portal-new-title = Escrever a { $account }
portal-new-intro = Diga-nos do que precisa. Respondemos por e-mail e pode acompanhar o seu pedido aqui.
portal-new-submit = Enviar
portal-invalid-email = Introduza um endereço de e-mail válido.
portal-invalid-name = O nome pode ter no máximo 200 caracteres.
portal-invalid-subject = Introduza um assunto com no máximo 500 caracteres, numa só linha.
portal-invalid-message = Escreva uma mensagem (no máximo 50.000 caracteres).
portal-invalid-fields = Alguns campos não são válidos. Verifique-os e envie novamente.
portal-thanks-title = Obrigado
portal-thanks-text = Recebemos o seu pedido. A referência do pedido é:
portal-thanks-quote = Indique-a sempre que nos escrever sobre este pedido.
portal-thanks-follow = Ver os seus pedidos
portal-thanks-sign-in = Inicie sessão para acompanhar os seus pedidos

## Refusals
portal-forbidden-title = Formulário expirado
portal-form-expired = Este formulário expirou ou não foi enviado a partir deste site. Abra-o novamente e volte a enviá-lo.
portal-too-many-title = Demasiados pedidos
portal-too-many =
    Enviou demasiados pedidos num curto espaço de tempo. Tente novamente dentro de { $minutes ->
        [one] { $minutes } minuto
       *[other] { $minutes } minutos
    }.

## Signing in
portal-login-title = Iniciar sessão em { $account }
portal-login-intro = Introduza o endereço de e-mail a partir do qual nos escreveu. Enviamos-lhe um link para iniciar sessão; não precisa de palavra-passe.
portal-login-submit = Enviar-me um link de início de sessão
portal-login-sent-title = Verifique o seu e-mail
portal-login-sent = Se { $email } for um endereço conhecido, está a caminho um link para iniciar sessão. Funciona uma única vez, durante 30 minutos.
portal-link-title = Iniciar sessão
portal-link-text = Clique no botão para iniciar sessão em { $account }.
portal-link-submit = Iniciar sessão
portal-link-invalid-title = Este link não funciona
portal-link-invalid = O link de início de sessão já foi utilizado, expirou ou está incompleto.
portal-link-again = Pedir um novo link
portal-link-mail-subject = O seu link de acesso a { $account }
portal-link-mail-intro = Olá, pediu para entrar em { $account }. Abra este link dentro de 30 minutos; funciona uma vez:
portal-link-mail-outro = Se não o pediu, ignore este email: sem o link nada acontece.

## Requests
portal-requests-title = Os meus pedidos
portal-requests-empty = Ainda não tem pedidos.
portal-col-subject = Assunto
portal-col-status = Estado
portal-col-updated = Última alteração
portal-status-new = Recebido
portal-status-open = Aberto
portal-status-pending = A aguardar a sua resposta
portal-status-resolved = Resolvido
portal-status-spam = Fechado
portal-status-trash = Fechado
portal-back = Todos os meus pedidos
portal-opened = aberto em { $when } (UTC)
# The author of the customer's own messages; "Você" is avoided (impersonal address).
portal-you = Eu
portal-reply-label = A sua resposta
portal-reply-submit = Enviar resposta
portal-reply-empty = Escreva algo antes de enviar.
portal-reply-invalid = Não é possível enviar esta resposta; talvez seja demasiado longa.
portal-not-found-title = Pedido não encontrado
portal-not-found = Este pedido não existe entre os seus pedidos.

## Profile
portal-profile-title = O seu perfil
portal-profile-emails = Os seus endereços de e-mail
portal-profile-phones = Números de telefone
portal-profile-phones-hint = Um número por linha.
portal-profile-save = Guardar
portal-profile-saved = Guardado.
portal-profile-invalid = Um nome ou número de telefone é demasiado longo ou contém caracteres de controlo.
portal-profile-data = Os seus dados
portal-profile-data-hint = Descarregue tudo o que este helpdesk guarda sobre si — o seu perfil, de onde nos contactou, os seus consentimentos no chat e os seus pedidos com as respetivas mensagens — num único ficheiro JSON.
portal-profile-download = Descarregar os meus dados
