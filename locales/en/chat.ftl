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
chat-presence = Status
chat-online = Online
chat-away = Away
chat-offline = Offline
chat-decline = Decline
chat-join = Join
chat-leave = Leave
chat-invited = You are invited
chat-offered = Offered to you · %s s
chat-left = %n left
chat-transferred = Transferred to %n
chat-offline-hint = You are not online: no chats are offered to you.
chat-transfer = Transfer to…
chat-invite = Invite…
chat-agents = Agents
chat-departments = Departments
chat-canned = Canned response…
chat-others = Other tickets
chat-open-ticket = Ticket
chat-no-others = No other tickets.
chat-ban = Ban visitor
chat-ban-confirm = Ban this visitor and their address for 30 days and end the chat?

# The transcript a visitor asks for by email at the end of a chat (src/chat/transcript.rs).
chat-transcript-subject = Transcript of your chat with { $account } [{ $code }]
chat-transcript-intro = This is the transcript of your chat with { $account } (ticket { $code }), as you asked.
chat-transcript-outro = To continue, reply to this email.
chat-transcript-you = You
