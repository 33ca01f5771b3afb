/* The agents' chat console (/agent/chat): the agent protocol of /agent/chat/ws (see
   ARCHITECTURE.md, "Chat"). Words come from the page's data-t-* attributes. */
(function () {
  "use strict";
  var root = document.getElementById("chat-console");
  if (!root) return;
  var w = root.dataset;
  var $ = function (id) { return document.getElementById(id); };
  var waitingList = $("chat-waiting"), mineList = $("chat-mine"), log = $("chat-log");
  var heading = $("chat-heading"), typingLine = $("chat-typing"), reply = $("chat-reply");
  var text = $("chat-text"), statusLine = $("chat-status");
  var ws = null, retry = 0, current = null, lastSeq = 0, seenWaiting = null, typingTimer = null;
  var title = document.title;

  function send(frame) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(frame)); }
  function id() {
    var a = new Uint8Array(12);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function el(tag, cls, content) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (content != null) e.textContent = content;
    return e;
  }

  function item(chat, action, label) {
    var li = el("li", chat.id === current ? "current" : "");
    var who = el("span", "", chat.visitor_name || w.tVisitor);
    who.appendChild(el("small", "", (chat.visitor_email || "") + (chat.ticket_code ? " · " + chat.ticket_code : "")));
    li.appendChild(who);
    var button = el("button", "", label);
    button.type = "button";
    button.dataset.chat = chat.id;
    button.dataset.action = action;
    li.appendChild(button);
    return li;
  }
  function renderLists(chats) {
    var waiting = chats.filter(function (c) { return c.status === "waiting"; });
    var mine = chats.filter(function (c) { return c.status === "active"; });
    waitingList.replaceChildren.apply(waitingList, waiting.length ? waiting.map(function (c) { return item(c, "accept", w.tAccept); }) : [el("li", "", w.tNone)]);
    mineList.replaceChildren.apply(mineList, mine.length ? mine.map(function (c) { return item(c, "open", w.tOpen); }) : [el("li", "", w.tNone)]);
    var ids = waiting.map(function (c) { return c.id; });
    var fresh = seenWaiting ? ids.filter(function (i) { return seenWaiting.indexOf(i) < 0; }) : [];
    seenWaiting = ids;
    document.title = (ids.length ? "(" + ids.length + ") " : "") + title;
    if (fresh.length && document.hidden && window.Notification && Notification.permission === "granted") {
      new Notification(w.tNew);
    }
  }

  function show(chat, heading_text) {
    current = chat;
    lastSeq = 0;
    log.replaceChildren();
    typingLine.textContent = "";
    heading.textContent = heading_text;
    reply.hidden = false;
  }
  function line(cls, content) {
    var li = el("li", cls, content);
    log.appendChild(li);
    log.scrollTop = log.scrollHeight;
  }
  function render(ev) {
    if (ev.chat !== current || ev.seq <= lastSeq) return;
    lastSeq = ev.seq;
    if (ev.type === "message") {
      line(ev.from === "visitor" ? "visitor" : "agent", ev.body);
      if (ev.from === "visitor") {
        typingLine.textContent = "";
        send({ type: "read", chat: ev.chat, seq: ev.seq });
      }
    } else if (ev.type === "agent_joined") {
      line("note", w.tJoined.replace("%n", ev.name || ""));
    } else if (ev.type === "closed") {
      line("note", w.tClosed);
      reply.hidden = true;
    }
  }

  root.addEventListener("click", function (e) {
    var b = e.target.closest("button[data-chat]");
    if (!b) return;
    if (window.Notification && Notification.permission === "default") Notification.requestPermission();
    var chat = Number(b.dataset.chat);
    var name = b.parentElement.querySelector("span").firstChild.textContent;
    show(chat, name);
    send(b.dataset.action === "accept" ? { type: "accept", chat: chat } : { type: "open", chat: chat, last_seq: 0 });
  });
  reply.addEventListener("submit", function (e) {
    e.preventDefault();
    var body = text.value;
    if (!body.trim() || current == null) return;
    text.value = "";
    send({ type: "message", chat: current, client_id: id(), body: body });
    send({ type: "typing", chat: current, on: false });
  });
  text.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); reply.requestSubmit(); }
  });
  text.addEventListener("input", function () {
    if (current == null) return;
    if (!typingTimer) send({ type: "typing", chat: current, on: true });
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { typingTimer = null; send({ type: "typing", chat: current, on: false }); }, 3000);
  });
  $("chat-close").addEventListener("click", function () { if (current != null) send({ type: "close", chat: current }); });

  function connect() {
    ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/agent/chat/ws");
    ws.onopen = function () {
      retry = 0;
      statusLine.textContent = "";
      if (current != null) send({ type: "open", chat: current, last_seq: lastSeq });
    };
    ws.onmessage = function (e) {
      var f;
      try { f = JSON.parse(e.data); } catch (x) { return; }
      if (f.type === "chats") renderLists(f.chats);
      else if (f.type === "typing") { if (f.chat === current && f.from === "visitor") typingLine.textContent = f.on ? w.tTyping : ""; }
      else if (f.type === "error") statusLine.textContent = f.message;
      else if (typeof f.seq === "number" && f.type !== "ack" && f.type !== "read") render(f);
    };
    ws.onclose = function () {
      statusLine.textContent = w.tLost;
      retry = Math.min(retry + 1, 6);
      setTimeout(connect, 500 * Math.pow(2, retry) * (0.5 + Math.random()));
    };
  }
  connect();
})();
