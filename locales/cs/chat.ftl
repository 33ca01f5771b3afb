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
chat-presence = Stav
chat-online = Online
chat-away = Nepřítomen
chat-offline = Offline
chat-decline = Odmítnout
chat-join = Připojit se
chat-leave = Odejít
chat-invited = Jste pozváni
chat-offered = Nabídnuto vám · %s s
chat-left = %n odešel
chat-transferred = Předáno: %n
chat-offline-hint = Nejste online: nejsou vám nabízeny žádné chaty.
chat-transfer = Předat…
chat-invite = Pozvat…
chat-agents = Agenti
chat-departments = Oddělení
chat-canned = Připravená odpověď…
chat-others = Další tikety
chat-open-ticket = Tiket
chat-no-others = Žádné další tikety.
chat-ban = Zablokovat návštěvníka
chat-ban-confirm = Zablokovat tohoto návštěvníka a jeho adresu na 30 dní a ukončit chat?

# The transcript a visitor asks for by email at the end of a chat (src/chat/transcript.rs).
chat-transcript-subject = Přepis vašeho chatu s { $account } [{ $code }]
chat-transcript-intro = Zde je přepis vašeho chatu s { $account } (požadavek { $code }), jak jste si přáli.
chat-transcript-outro = Chcete-li pokračovat, odpovězte na tento e-mail.
chat-transcript-you = Vy
