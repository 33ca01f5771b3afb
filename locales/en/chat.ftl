# The agents' chat console (src/chat/console.rs, assets/console.js). %n is the agent's name, put in by the script.

nav-chat = Chat
chat-title = Live chat
chat-waiting = Waiting
chat-mine = My chats
chat-none = No chats here.
chat-accept = Accept
chat-open = Open
chat-reply = Reply
chat-send = Send
chat-close = Close chat
chat-typing = The visitor is typing…
chat-joined = %n joined
chat-closed = The chat has ended.
chat-connecting = Connecting…
chat-lost = Connection lost, reconnecting…
chat-choose = Choose a chat on the left.
chat-visitor = Visitor
chat-new = New chat waiting
