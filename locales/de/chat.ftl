# The agents' chat console (src/chat/console.rs, assets/console.js). %n is the agent's name, put in by the script.

nav-chat = Chat
chat-title = Live-Chat
chat-waiting = Wartend
chat-mine = Meine Chats
chat-none = Keine Chats.
chat-accept = Annehmen
chat-open = Öffnen
chat-reply = Antwort
chat-send = Senden
chat-close = Chat beenden
chat-typing = Der Besucher schreibt…
chat-joined = %n ist beigetreten
chat-closed = Der Chat ist beendet.
chat-connecting = Verbinde…
chat-lost = Verbindung verloren, neuer Versuch…
chat-choose = Wählen Sie links einen Chat.
chat-visitor = Besucher
chat-new = Neuer wartender Chat
