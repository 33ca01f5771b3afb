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
