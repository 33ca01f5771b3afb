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
