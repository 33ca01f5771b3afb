# The agents' chat console (src/chat/console.rs, assets/console.js). %n is the agent's name, put in by the script.

nav-chat = Chat
chat-title = Chat ao vivo
chat-waiting = À espera
chat-mine = Os meus chats
chat-none = Sem chats.
chat-accept = Aceitar
chat-open = Abrir
chat-reply = Resposta
chat-send = Enviar
chat-close = Terminar chat
chat-typing = O visitante está a escrever…
chat-joined = %n entrou
chat-closed = O chat terminou.
chat-connecting = A ligar…
chat-lost = Ligação perdida, a voltar a ligar…
chat-choose = Escolha um chat à esquerda.
chat-visitor = Visitante
chat-new = Novo chat à espera
chat-presence = Estado
chat-online = Disponível
chat-away = Ausente
chat-offline = Offline
chat-decline = Recusar
chat-join = Entrar
chat-leave = Sair
chat-invited = Foi convidado
chat-offered = Oferecido a si · %s s
chat-left = %n saiu
chat-transferred = Transferido para %n
chat-offline-hint = Não está disponível: não lhe são oferecidos chats.
chat-transfer = Transferir para…
chat-invite = Convidar…
chat-agents = Agentes
chat-departments = Departamentos
chat-canned = Resposta pronta…
chat-others = Outros tickets
chat-open-ticket = Ticket
chat-no-others = Não há outros tickets.
chat-ban = Bloquear visitante
chat-ban-confirm = Bloquear este visitante e o seu endereço durante 30 dias e terminar o chat?

# The transcript a visitor asks for by email at the end of a chat (src/chat/transcript.rs).
chat-transcript-subject = Transcrição do seu chat com { $account } [{ $code }]
chat-transcript-intro = Esta é a transcrição do seu chat com { $account } (pedido { $code }), como pediu.
chat-transcript-outro = Para continuar, responda a este e-mail.
chat-transcript-you = Você
