# The agents' chat console (src/chat/console.rs, assets/console.js). %n is the agent's name, put in by the script.

nav-chat = Tērzēšana
chat-title = Tiešsaistes tērzēšana
chat-waiting = Gaida
chat-mine = Manas tērzēšanas
chat-none = Nav tērzēšanu.
chat-accept = Pieņemt
chat-open = Atvērt
chat-reply = Atbilde
chat-send = Sūtīt
chat-close = Beigt tērzēšanu
chat-typing = Apmeklētājs raksta…
chat-joined = %n pievienojās
chat-closed = Tērzēšana ir beigusies.
chat-connecting = Savienojas…
chat-lost = Savienojums zaudēts, atjaunojam…
chat-choose = Izvēlieties tērzēšanu kreisajā pusē.
chat-visitor = Apmeklētājs
chat-new = Jauna gaidoša tērzēšana
chat-presence = Statuss
chat-online = Tiešsaistē
chat-away = Prom
chat-offline = Bezsaistē
chat-decline = Noraidīt
chat-join = Pievienoties
chat-leave = Iziet
chat-invited = Jūs esat uzaicināts
chat-offered = Piedāvāts jums · %s s
chat-left = %n izgāja
chat-transferred = Nodots: %n
chat-offline-hint = Jūs neesat tiešsaistē: jums netiek piedāvātas tērzēšanas.
chat-transfer = Nodot…
chat-invite = Uzaicināt…
chat-agents = Aģenti
chat-departments = Nodaļas
chat-canned = Sagatavota atbilde…
chat-others = Citi pieteikumi
chat-open-ticket = Pieteikums
chat-no-others = Citu pieteikumu nav.
chat-ban = Bloķēt apmeklētāju
chat-ban-confirm = Bloķēt šo apmeklētāju un viņa adresi uz 30 dienām un beigt tērzēšanu?

# The transcript a visitor asks for by email at the end of a chat (src/chat/transcript.rs).
chat-transcript-subject = Jūsu tērzēšanas ar { $account } atšifrējums [{ $code }]
chat-transcript-intro = Šis ir jūsu tērzēšanas ar { $account } (pieteikums { $code }) atšifrējums, kā jūs lūdzāt.
chat-transcript-outro = Lai turpinātu, atbildiet uz šo e-pastu.
chat-transcript-you = Jūs
