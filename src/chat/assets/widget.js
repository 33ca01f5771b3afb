/* helpdeskd chat widget. Plain JavaScript, no framework; everything lives in a
   shadow root so the host page's styles and scripts neither reach it nor are reached.
   HDK_CONFIG (the account's theme, greeting and consent texts) is written in front of this
   script by the server. Protocol: see ARCHITECTURE.md, "Chat". */
"use strict";
var script = document.currentScript;
if (!script || window.__hdkChat) return;
window.__hdkChat = true;
var base = new URL(script.src);
var wsUrl = (base.protocol === "https:" ? "wss://" : "ws://") + base.host + "/chat/ws";
var T = {
  en: { open: "Chat with us", title: "Chat", close: "Close chat window", name: "Name", email: "Email", question: "Your question", start: "Start chat", send: "Send", message: "Type a message", typing: "The agent is typing…", joined: "{n} joined the chat", left: "{n} left the chat", closed: "The chat has ended.", waiting: "Waiting for an agent…", reconnecting: "Connection lost, reconnecting…", consent: "Please agree to start the chat.", end: "End chat", you: "You", queue: "You are number %n in the queue.", transferred: "You are being transferred to {n}…", offline: "No one is available right now. Leave your message and we will answer by email.", leave: "Send message", thanks: "Thank you. We received your message ({c}) and will answer by email.", transcript: "Email me the transcript", transcriptSent: "The transcript is on its way to your email.", transcriptWait: "A transcript was sent a moment ago. Please try again later.", transcriptNoEmail: "We have no email address to send the transcript to." },
  de: { open: "Chatten Sie mit uns", title: "Chat", close: "Chatfenster schließen", name: "Name", email: "E-Mail", question: "Ihre Frage", start: "Chat starten", send: "Senden", message: "Nachricht eingeben", typing: "Der Agent schreibt…", joined: "{n} ist dem Chat beigetreten", left: "{n} hat den Chat verlassen", closed: "Der Chat ist beendet.", waiting: "Warten auf einen Agenten…", reconnecting: "Verbindung verloren, neuer Versuch…", consent: "Bitte stimmen Sie zu, um den Chat zu starten.", end: "Chat beenden", you: "Sie", queue: "Sie sind Nummer %n in der Warteschlange.", transferred: "Sie werden an {n} weitergeleitet…", offline: "Gerade ist niemand erreichbar. Hinterlassen Sie Ihre Nachricht, wir antworten per E-Mail.", leave: "Nachricht senden", thanks: "Danke. Wir haben Ihre Nachricht ({c}) erhalten und antworten per E-Mail.", transcript: "Protokoll per E-Mail senden", transcriptSent: "Das Protokoll ist auf dem Weg in Ihr Postfach.", transcriptWait: "Das Protokoll wurde gerade erst gesendet. Bitte versuchen Sie es später erneut.", transcriptNoEmail: "Wir haben keine E-Mail-Adresse, an die wir das Protokoll senden können." },
  cs: { open: "Napište nám", title: "Chat", close: "Zavřít okno chatu", name: "Jméno", email: "E-mail", question: "Váš dotaz", start: "Zahájit chat", send: "Odeslat", message: "Napište zprávu", typing: "Operátor píše…", joined: "{n} se připojil(a) k chatu", left: "{n} opustil(a) chat", closed: "Chat byl ukončen.", waiting: "Čekáme na operátora…", reconnecting: "Spojení ztraceno, připojuji znovu…", consent: "Pro zahájení chatu prosím udělte souhlas.", end: "Ukončit chat", you: "Vy", queue: "Jste %n. ve frontě.", transferred: "Předáváme vás: {n}…", offline: "Nikdo teď není k dispozici. Zanechte nám zprávu a odpovíme e-mailem.", leave: "Odeslat zprávu", thanks: "Děkujeme. Vaši zprávu ({c}) jsme přijali a odpovíme e-mailem.", transcript: "Poslat přepis e-mailem", transcriptSent: "Přepis je na cestě do vaší e-mailové schránky.", transcriptWait: "Přepis byl právě odeslán. Zkuste to prosím později.", transcriptNoEmail: "Nemáme e-mailovou adresu, na kterou bychom přepis poslali." },
  pt: { open: "Fale connosco", title: "Chat", close: "Fechar a janela do chat", name: "Nome", email: "E-mail", question: "A sua pergunta", start: "Iniciar chat", send: "Enviar", message: "Escreva uma mensagem", typing: "O agente está a escrever…", joined: "{n} entrou no chat", left: "{n} saiu do chat", closed: "O chat terminou.", waiting: "À espera de um agente…", reconnecting: "Ligação perdida, a voltar a ligar…", consent: "Por favor, dê o seu consentimento para iniciar o chat.", end: "Terminar chat", you: "Você", queue: "Está na posição %n da fila.", transferred: "Está a ser transferido para {n}…", offline: "De momento ninguém está disponível. Deixe a sua mensagem e responderemos por e-mail.", leave: "Enviar mensagem", thanks: "Obrigado. Recebemos a sua mensagem ({c}) e responderemos por e-mail.", transcript: "Enviar-me a transcrição por e-mail", transcriptSent: "A transcrição está a caminho do seu e-mail.", transcriptWait: "A transcrição foi enviada há pouco. Tente novamente mais tarde.", transcriptNoEmail: "Não temos um endereço de e-mail para enviar a transcrição." },
  lv: { open: "Tērzējiet ar mums", title: "Tērzēšana", close: "Aizvērt tērzēšanas logu", name: "Vārds", email: "E-pasts", question: "Jūsu jautājums", start: "Sākt tērzēšanu", send: "Sūtīt", message: "Rakstiet ziņu", typing: "Aģents raksta…", joined: "{n} pievienojās tērzēšanai", left: "{n} pameta tērzēšanu", closed: "Tērzēšana ir beigusies.", waiting: "Gaidām aģentu…", reconnecting: "Savienojums zaudēts, atjaunojam…", consent: "Lūdzu, piekrītiet, lai sāktu tērzēšanu.", end: "Beigt tērzēšanu", you: "Jūs", queue: "Jūs esat %n. rindā.", transferred: "Jūs tiekat nodots: {n}…", offline: "Pašlaik neviens nav pieejams. Atstājiet ziņu, un mēs atbildēsim pa e-pastu.", leave: "Sūtīt ziņu", thanks: "Paldies. Mēs saņēmām jūsu ziņu ({c}) un atbildēsim pa e-pastu.", transcript: "Nosūtīt atšifrējumu pa e-pastu", transcriptSent: "Atšifrējums ir ceļā uz jūsu e-pastu.", transcriptWait: "Atšifrējums tikko tika nosūtīts. Lūdzu, mēģiniet vēlāk.", transcriptNoEmail: "Mums nav e-pasta adreses, uz kuru nosūtīt atšifrējumu." }
};
var lang = ((script.getAttribute("data-locale") || navigator.language || "en").toLowerCase().split(/[-_]/)[0]);
if (!T[lang]) lang = "en";
var t = T[lang];
var cfg = HDK_CONFIG;
var consent = cfg.consent[lang] || cfg.consent.en || null;
var consentLocale = cfg.consent[lang] ? lang : "en";
var storeKey = "hdk-chat-" + cfg.account;
var state = load();

function load() {
  try { return JSON.parse(localStorage.getItem(storeKey)) || {}; } catch (e) { return {}; }
}
function save() {
  try { localStorage.setItem(storeKey, JSON.stringify(state)); } catch (e) { /* private mode */ }
}
function id() {
  var a = new Uint8Array(12);
  crypto.getRandomValues(a);
  return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
}
function el(tag, attrs, text) {
  var e = document.createElement(tag);
  for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
  if (text != null) e.textContent = text;
  return e;
}

var host = el("div", { "data-helpdeskd": "chat" });
var root = host.attachShadow({ mode: "open" });
var side = cfg.position === "left" ? "left" : "right";
var style = el("style");
style.textContent =
  ":host{all:initial}*{box-sizing:border-box;font:14px/1.4 system-ui,sans-serif}[hidden]{display:none!important}p:focus{outline:none}" +
  ".btn{position:fixed;bottom:20px;" + side + ":20px;z-index:2147483000;border:0;border-radius:24px;padding:12px 18px;background:" + cfg.color + ";color:#fff;cursor:pointer;box-shadow:0 2px 8px #0004}" +
  ".btn:focus-visible,button:focus-visible,input:focus-visible,textarea:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}" +
  ".panel{position:fixed;bottom:80px;" + side + ":20px;z-index:2147483000;width:340px;max-width:calc(100vw - 40px);height:480px;max-height:calc(100vh - 100px);display:flex;flex-direction:column;background:#fff;color:#111;border-radius:10px;box-shadow:0 4px 24px #0005;overflow:hidden}" +
  ".panel[hidden]{display:none}header{display:flex;justify-content:space-between;align-items:center;padding:10px 14px;background:" + cfg.color + ";color:#fff}" +
  "header h2{margin:0;font-size:16px;font-weight:600}header button{background:none;border:0;color:#fff;font-size:20px;cursor:pointer}" +
  "form{display:flex;flex-direction:column;gap:6px;padding:12px;overflow:auto}label{font-weight:600}" +
  "input,textarea{width:100%;padding:7px;border:1px solid #888;border-radius:5px;color:#111;background:#fff}textarea{resize:vertical;min-height:60px}" +
  ".consent{display:flex;gap:8px;align-items:flex-start;font-weight:400}.consent input{width:auto;margin-top:3px}" +
  ".primary{padding:9px;border:0;border-radius:5px;background:" + cfg.color + ";color:#fff;cursor:pointer}" +
  ".log{flex:1;overflow:auto;padding:10px;display:flex;flex-direction:column;gap:6px}" +
  ".m{max-width:80%;padding:7px 10px;border-radius:10px;white-space:pre-wrap;word-wrap:break-word}" +
  ".visitor{align-self:flex-end;background:" + cfg.color + ";color:#fff}.agent{align-self:flex-start;background:#eee}.pending{opacity:.6}" +
  ".note{align-self:center;color:#555;font-size:12px}.status{min-height:18px;padding:0 10px;color:#555;font-size:12px}" +
  ".primary[disabled]{opacity:.6;cursor:default}.compose{display:flex;gap:6px;padding:8px;border-top:1px solid #ddd}.compose textarea{min-height:38px;height:38px}.err{color:#b00020}";
root.appendChild(style);

var button = el("button", { class: "btn", type: "button", "aria-expanded": "false", "aria-controls": "hdk-panel" }, t.open);
var panel = el("section", { class: "panel", id: "hdk-panel", role: "dialog", "aria-label": t.title, hidden: "" });
var header = el("header");
header.appendChild(el("h2", null, t.title));
var closeBtn = el("button", { type: "button", "aria-label": t.close }, "×");
header.appendChild(closeBtn);
panel.appendChild(header);
root.appendChild(button);
root.appendChild(panel);

/* The pre-chat form. */
var form = el("form", { novalidate: "" });
var greeting = cfg.greeting[lang] || cfg.greeting.en;
if (greeting) form.appendChild(el("p", null, greeting));
function field(name, label, type) {
  var inputId = "hdk-" + name;
  form.appendChild(el("label", { for: inputId }, label));
  var input = el(type === "textarea" ? "textarea" : "input", { id: inputId, name: name, required: "" });
  if (type !== "textarea") input.setAttribute("type", type);
  if (name === "name") input.removeAttribute("required");
  form.appendChild(input);
  return input;
}
var nameIn = field("name", t.name, "text");
var emailIn = field("email", t.email, "email");
var questionIn = field("question", t.question, "textarea");
var consentBox = null;
if (consent) {
  var consentLabel = el("label", { class: "consent" });
  consentBox = el("input", { type: "checkbox", id: "hdk-consent" });
  consentLabel.appendChild(consentBox);
  consentLabel.appendChild(el("span", null, consent.text));
  form.appendChild(consentLabel);
}
var formError = el("p", { class: "err", role: "alert" });
form.appendChild(formError);
var startBtn = el("button", { class: "primary", type: "submit" }, t.start);
form.appendChild(startBtn);
/* With no agent online the same form leaves a message (a ticket answered by email). */
var offlineNote = el("p", { hidden: "" }, t.offline);
form.insertBefore(offlineNote, form.firstChild);
var offlineMode = false;
function setOffline(on) {
  offlineMode = on;
  offlineNote.hidden = !on;
  startBtn.textContent = on ? t.leave : t.start;
}

/* The conversation. */
var convo = el("div", { hidden: "" });
convo.style.cssText = "display:flex;flex-direction:column;flex:1;min-height:0";
var log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": t.title });
var status = el("div", { class: "status", "aria-live": "polite" });
var compose = el("form", { class: "compose" });
var input = el("textarea", { "aria-label": t.message, placeholder: t.message });
compose.appendChild(input);
compose.appendChild(el("button", { class: "primary", type: "submit" }, t.send));
var endBtn = el("button", { type: "button", class: "primary" }, t.end);
endBtn.style.margin = "0 8px 8px";
convo.appendChild(log);
convo.appendChild(status);
convo.appendChild(compose);
convo.appendChild(endBtn);
/* At the end: the conversation by email, once (the server mails at most one per chat
   every few minutes; the button says so by staying disabled). */
var transcriptNote = el("p", { id: "hdk-transcript-note", class: "status", role: "status", tabindex: "-1" });
var transcriptBtn = el("button", { type: "button", class: "primary", "aria-describedby": "hdk-transcript-note" }, t.transcript);
transcriptBtn.style.margin = "0 8px 8px";
transcriptNote.style.margin = "0";
transcriptBtn.hidden = true;
var transcriptPending = false, transcriptQueued = false;
function transcriptDone(text, done) {
  transcriptPending = false;
  transcriptNote.textContent = text;
  /* A disabled button drops the focus: keep a keyboard user where the answer is. */
  if (done && root.activeElement === transcriptBtn) transcriptNote.focus();
  transcriptBtn.disabled = done;
  transcriptBtn.removeAttribute("aria-disabled");
  if (done) { state.transcript = state.chat; save(); }
}
convo.appendChild(transcriptBtn);
convo.appendChild(transcriptNote);
panel.appendChild(form);
panel.appendChild(convo);

function showConversation() {
  form.hidden = true;
  form.style.display = "none";
  convo.hidden = false;
  convo.style.display = "flex";
}
function toggle(open) {
  panel.hidden = !open;
  button.setAttribute("aria-expanded", String(open));
  if (open) {
    (state.token ? input : emailIn).focus();
    connect();
  } else {
    button.focus();
  }
}
button.addEventListener("click", function () { toggle(panel.hidden); });
closeBtn.addEventListener("click", function () { toggle(false); });
panel.addEventListener("keydown", function (e) { if (e.key === "Escape") toggle(false); });

/* The last event this page shows (a reloaded page replays the chat from the start);
   messages not yet acknowledged, by client id. */
var lastSeq = 0;
var pendingEls = {};
function line(cls, text) {
  var e = el("div", { class: cls }, text);
  log.appendChild(e);
  log.scrollTop = log.scrollHeight;
  return e;
}
function render(ev) {
  if (ev.seq <= lastSeq) return;
  lastSeq = ev.seq;
  if (ev.type === "message") {
    var mine = ev.from === "visitor";
    if (mine && pendingEls[ev.client_id]) {
      pendingEls[ev.client_id].classList.remove("pending");
      delete pendingEls[ev.client_id];
    } else {
      line("m " + (mine ? "visitor" : "agent"), ev.body);
    }
  } else if (ev.type === "agent_joined") {
    line("note", t.joined.replace("{n}", ev.name || ""));
    status.textContent = "";
  } else if (ev.type === "agent_left") {
    line("note", t.left.replace("{n}", ev.name || ""));
  } else if (ev.type === "transferred") {
    line("note", t.transferred.replace("{n}", ev.detail || ""));
    status.textContent = t.waiting;
  } else if (ev.type === "closed") {
    line("note", t.closed);
    state.closed = true;
    compose.hidden = true;
    endBtn.hidden = true;
    transcriptBtn.hidden = false;
    if (state.transcript && state.transcript === state.chat) transcriptDone(t.transcriptSent, true);
  }
  save();
}

var ws = null;
var retry = 0;
var startFrame = null;
/* WebSocket first; after two sockets that never opened (a proxy that blocks them), long
   polling over plain HTTPS with the same frames (/chat/poll/send and /chat/poll/events). */
var polling = false, socketFailures = 0, pollRunning = false;
var pollBase = base.protocol + "//" + base.host + "/chat/poll/";
function post(path, body) {
  return fetch(pollBase + path, { method: "POST", body: JSON.stringify(body), credentials: "omit", headers: { "Content-Type": "text/plain" } })
    .then(function (r) { return r.json(); });
}
function send(frame) {
  if (polling) {
    post("send", { token: state.token || null, frame: frame }).then(function (answer) {
      if (answer.error) handle({ type: "error", code: answer.error.code, message: answer.error.message });
      (answer.frames || []).forEach(handle);
      pollEvents();
    }, function () { status.textContent = t.reconnecting; });
  } else if (ws && ws.readyState === 1) {
    ws.send(JSON.stringify(frame));
  }
}
function pollEvents() {
  if (!polling || pollRunning || !state.token || state.closed) return;
  pollRunning = true;
  function again() {
    retry = Math.min(retry + 1, 6);
    setTimeout(pollEvents, 500 * Math.pow(2, retry) * (0.5 + Math.random()));
  }
  post("events", { token: state.token, last_seq: lastSeq }).then(function (answer) {
    pollRunning = false;
    if (answer.error) {
      /* A chat that is gone starts over; a ban ends here; anything else is tried again later. */
      if (answer.error.code === "not_found" || answer.error.code === "banned") handle({ type: "error", code: answer.error.code, message: answer.error.message });
      else again();
      return;
    }
    retry = 0;
    (answer.frames || []).forEach(handle);
    pollEvents();
  }, function () {
    pollRunning = false;
    status.textContent = t.reconnecting;
    again();
  });
}
function opened() {
  retry = 0;
  status.textContent = state.closed ? "" : status.textContent === t.reconnecting ? "" : status.textContent;
  if (state.token) {
    send({ type: "resume", token: state.token, last_seq: lastSeq });
    (state.pending || []).forEach(function (p) { send({ type: "message", client_id: p.client_id, body: p.body }); });
    if (transcriptQueued) { transcriptQueued = false; send({ type: "transcript" }); }
  } else if (startFrame) {
    send(startFrame);
  } else if (polling) {
    send({ type: "ping" });
  }
}
function handle(f) {
  if (f.type === "availability") {
    form.setAttribute("data-availability", f.online ? "online" : "offline");
    if (!state.token) setOffline(!f.online);
  } else if (f.type === "message_left") {
    startFrame = null;
    form.replaceChildren(el("p", { role: "status" }, t.thanks.replace("{c}", f.ticket)));
  } else if (f.type === "started") {
    state.token = f.token; state.visitor = f.visitor; state.chat = f.chat; state.pending = [];
    startFrame = null;
    save();
    showConversation();
    status.textContent = t.waiting;
  } else if (f.type === "ack") {
    state.pending = (state.pending || []).filter(function (p) { return p.client_id !== f.client_id; });
    save();
  } else if (f.type === "resumed") {
    showConversation();
  } else if (f.type === "queue") {
    status.textContent = t.waiting + " " + t.queue.replace("%n", f.position);
  } else if (f.type === "typing") {
    status.textContent = f.on ? t.typing : "";
  } else if (f.type === "transcript_queued") {
    transcriptDone(t.transcriptSent, true);
  } else if (f.type === "error" && transcriptPending) {
    if (f.code === "transcript_too_soon") transcriptDone(t.transcriptWait, true);
    else transcriptDone(f.code === "no_email" ? t.transcriptNoEmail : f.message, false);
  } else if (f.type === "error") {
    if (!state.token) { formError.textContent = f.code === "consent_required" ? t.consent : f.message; startFrame = null; }
    else if (f.code === "not_found") { state = { visitor: state.visitor }; save(); location.reload(); }
    else line("note err", f.message);
  } else if (typeof f.seq === "number") {
    render(f);
    if (f.from === "agent") send({ type: "read", seq: f.seq });
  }
}
function connect() {
  if (polling) { opened(); return; }
  if (ws && ws.readyState <= 1) return;
  var wasOpen = false;
  try { ws = new WebSocket(wsUrl); } catch (x) { polling = true; opened(); return; }
  ws.onopen = function () { wasOpen = true; socketFailures = 0; opened(); };
  ws.onmessage = function (e) {
    var f;
    try { f = JSON.parse(e.data); } catch (x) { return; }
    handle(f);
  };
  ws.onclose = function () {
    if (!wasOpen && ++socketFailures >= 2) { polling = true; opened(); return; }
    if (!state.token && !startFrame) return;
    if (transcriptPending) transcriptDone("", false);
    if (state.closed) return;
    status.textContent = t.reconnecting;
    retry = Math.min(retry + 1, 6);
    setTimeout(connect, 500 * Math.pow(2, retry) * (0.5 + Math.random()));
  };
}

form.addEventListener("submit", function (e) {
  e.preventDefault();
  formError.textContent = "";
  if (!emailIn.value.trim() || !questionIn.value.trim()) { formError.textContent = t.email + ", " + t.question; return; }
  if (cfg.consentRequired && consentBox && !consentBox.checked) { formError.textContent = t.consent; consentBox.focus(); return; }
  var cid = id();
  startFrame = {
    type: "start", name: nameIn.value, email: emailIn.value, message: questionIn.value,
    client_id: cid, consent: !!(consentBox && consentBox.checked), locale: consentLocale
  };
  if (consent && consentBox && consentBox.checked) startFrame.consent_version = consent.version;
  if (state.visitor) startFrame.visitor = state.visitor;
  if (offlineMode) startFrame.offline = true;
  else pendingEls[cid] = line("m visitor pending", questionIn.value);
  if (polling || (ws && ws.readyState === 1)) send(startFrame); else connect();
});

var typingOn = false, typingTimer = null;
input.addEventListener("input", function () {
  if (!typingOn) { typingOn = true; send({ type: "typing", on: true }); }
  clearTimeout(typingTimer);
  typingTimer = setTimeout(function () { typingOn = false; send({ type: "typing", on: false }); }, 3000);
});
input.addEventListener("keydown", function (e) {
  if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); compose.requestSubmit(); }
});
compose.addEventListener("submit", function (e) {
  e.preventDefault();
  var body = input.value;
  if (!body.trim()) return;
  input.value = "";
  var cid = id();
  state.pending = (state.pending || []).concat([{ client_id: cid, body: body }]);
  save();
  pendingEls[cid] = line("m visitor pending", body);
  send({ type: "message", client_id: cid, body: body });
  if (typingOn) { typingOn = false; send({ type: "typing", on: false }); }
});
endBtn.addEventListener("click", function () { send({ type: "close" }); });
transcriptBtn.addEventListener("click", function () {
  if (transcriptPending) return;
  transcriptPending = true;
  /* aria-disabled, not disabled, while it is asked: a disabled button would drop the
     focus before the answer could move it to the confirmation. */
  transcriptBtn.setAttribute("aria-disabled", "true");
  /* The socket may have dropped after the end (nothing reconnects a closed chat): open
     it again; `opened` resumes and the request goes out after it. */
  if (!polling && !(ws && ws.readyState === 1)) { transcriptQueued = true; connect(); return; }
  send({ type: "transcript" });
});

if (state.token && !state.closed) showConversation();
(document.body || document.documentElement).appendChild(host);
