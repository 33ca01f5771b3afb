# The agents' chat console (src/chat/console.rs, assets/console.js). %n is the agent's name, put in by the script.

nav-chat = Chat
chat-title = Živý chat
chat-waiting = Čekající
chat-mine = Moje chaty
chat-none = Žádné chaty.
chat-accept = Přijmout
chat-open = Otevřít
chat-reply = Odpověď
chat-send = Odeslat
chat-close = Ukončit chat
chat-typing = Návštěvník píše…
chat-joined = %n se připojil(a)
chat-closed = Chat byl ukončen.
chat-connecting = Připojuji…
chat-lost = Spojení ztraceno, připojuji znovu…
chat-choose = Vyberte chat vlevo.
chat-visitor = Návštěvník
chat-new = Nový čekající chat
