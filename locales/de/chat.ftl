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
chat-presence = Status
chat-online = Online
chat-away = Abwesend
chat-offline = Offline
chat-decline = Ablehnen
chat-join = Beitreten
chat-leave = Verlassen
chat-invited = Sie sind eingeladen
chat-offered = Ihnen angeboten · %s s
chat-left = %n hat den Chat verlassen
chat-transferred = Weitergeleitet an %n
chat-offline-hint = Sie sind nicht online: Ihnen werden keine Chats angeboten.
chat-transfer = Weiterleiten an…
chat-invite = Einladen…
chat-agents = Agenten
chat-departments = Abteilungen
chat-canned = Textbaustein…
chat-others = Weitere Tickets
chat-open-ticket = Ticket
chat-no-others = Keine weiteren Tickets.
chat-ban = Besucher sperren
chat-ban-confirm = Diesen Besucher und seine Adresse für 30 Tage sperren und den Chat beenden?

# The transcript a visitor asks for by email at the end of a chat (src/chat/transcript.rs).
chat-transcript-subject = Protokoll Ihres Chats mit { $account } [{ $code }]
chat-transcript-intro = Hier ist, wie gewünscht, das Protokoll Ihres Chats mit { $account } (Ticket { $code }).
chat-transcript-outro = Um fortzufahren, antworten Sie auf diese E-Mail.
chat-transcript-you = Sie
