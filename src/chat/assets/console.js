/* The agents' chat console (/agent/chat): the agent protocol of /agent/chat/ws (see
   ARCHITECTURE.md, "The chat protocol"). Words come from the page's data-words (JSON), the
   departments for transfers from data-departments. Nothing from a visitor is ever put in
   as HTML: every text goes through textContent. */
(function () {
  "use strict";
  var root = document.getElementById("chat-console");
  if (!root) return;
  var w = JSON.parse(root.dataset.words || "{}");
  var departments = JSON.parse(root.dataset.departments || "[]");
  var me = Number(root.dataset.me);
  var $ = function (id) { return document.getElementById(id); };
  var waitingList = $("chat-waiting"), mineList = $("chat-mine"), log = $("chat-log");
  var heading = $("chat-heading"), typingLine = $("chat-typing"), reply = $("chat-reply");
  var text = $("chat-text"), statusLine = $("chat-status"), presence = $("chat-presence");
  var tools = $("chat-tools"), transfer = $("chat-transfer"), invite = $("chat-invite");
  var leave = $("chat-leave"), canned = $("chat-canned"), context = $("chat-context");
  var ws = null, retry = 0, current = null, lastSeq = 0, seenWaiting = null, typingTimer = null;
  var chats = [], offers = {}, roster = [], cannedList = [];
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
  function button(label, action, chat, cls) {
    var b = el("button", cls || "", label);
    b.type = "button";
    b.dataset.chat = chat;
    b.dataset.action = action;
    return b;
  }
  function find(chatId) {
    for (var i = 0; i < chats.length; i++) if (chats[i].id === chatId) return chats[i];
    return null;
  }

  /* A short tone for a new offer or waiting chat (no sound file to load). */
  function chime() {
    try {
      var audio = new (window.AudioContext || window.webkitAudioContext)();
      var tone = audio.createOscillator(), gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.15, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
      tone.connect(gain).connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.4);
    } catch (x) { /* no audio: the title and the notification still tell */ }
  }
  function notify(words) {
    chime();
    if (document.hidden && window.Notification && Notification.permission === "granted") new Notification(words);
  }

  function item(chat) {
    var li = el("li", chat.id === current ? "current" : "");
    var who = el("span", "", chat.visitor_name || w.visitor);
    who.appendChild(el("small", "", (chat.visitor_email || "") + (chat.ticket_code ? " · " + chat.ticket_code : "")));
    li.appendChild(who);
    var actions = el("span", "chat-item-actions");
    if (chat.status === "waiting") {
      if (offers[chat.id]) {
        li.className += " offered";
        var countdown = el("small", "offer", offerText(chat.id));
        countdown.dataset.offer = chat.id;
        who.appendChild(countdown);
        actions.appendChild(button(w.decline, "decline", chat.id, "secondary"));
      }
      actions.appendChild(button(w.accept, "accept", chat.id));
    } else if (chat.involvement === "invited") {
      who.appendChild(el("small", "", w.invited));
      actions.appendChild(button(w.leave, "leave", chat.id, "secondary"));
      actions.appendChild(button(w.join, "join", chat.id));
    } else {
      actions.appendChild(button(w.open, "open", chat.id));
    }
    li.appendChild(actions);
    return li;
  }
  function renderLists() {
    var waiting = chats.filter(function (c) { return c.status === "waiting"; });
    waiting.sort(function (a, b) { return (offers[b.id] ? 1 : 0) - (offers[a.id] ? 1 : 0); });
    var mine = chats.filter(function (c) { return c.status === "active"; });
    waitingList.replaceChildren.apply(waitingList, waiting.length ? waiting.map(item) : [el("li", "", w.none)]);
    mineList.replaceChildren.apply(mineList, mine.length ? mine.map(item) : [el("li", "", w.none)]);
    var ids = waiting.map(function (c) { return c.id; });
    var invitations = mine.filter(function (c) { return c.involvement === "invited"; }).map(function (c) { return -c.id; });
    var all = ids.concat(invitations);
    var fresh = seenWaiting ? all.filter(function (i) { return seenWaiting.indexOf(i) < 0; }) : [];
    seenWaiting = all;
    document.title = (ids.length ? "(" + ids.length + ") " : "") + title;
    if (fresh.length) notify(w.new);
    renderTools();
  }
  function offerText(chatId) {
    return w.offered.replace("%s", Math.max(0, Math.round((offers[chatId] - Date.now()) / 1000)));
  }
  /* The countdowns tick in place: the list itself is not rebuilt under the agent's pointer. */
  setInterval(function () {
    waitingList.querySelectorAll("small[data-offer]").forEach(function (s) {
      if (offers[s.dataset.offer]) s.textContent = offerText(s.dataset.offer);
    });
  }, 1000);

  function option(value, label) { var o = el("option", "", label); o.value = value; return o; }
  function renderTools() {
    var chat = current != null ? find(current) : null;
    var answering = chat && chat.status === "active" && chat.involvement === "answering";
    var joined = chat && chat.status === "active" && chat.involvement === "joined";
    tools.hidden = !(answering || joined);
    transfer.hidden = !answering;
    leave.hidden = !joined;
    var others = roster.filter(function (a) { return a.id !== me && a.presence !== "offline"; });
    var agentGroup = el("optgroup"); agentGroup.label = w.agents;
    others.forEach(function (a) { agentGroup.appendChild(option("agent:" + a.id, a.name + " (" + a.active + "/" + a.limit + ")")); });
    var departmentGroup = el("optgroup"); departmentGroup.label = w.departments;
    departments.forEach(function (d) { departmentGroup.appendChild(option("department:" + d.id, d.name)); });
    transfer.replaceChildren(option("", w.transferTo), agentGroup, departmentGroup);
    var inviteGroup = agentGroup.cloneNode(true);
    invite.replaceChildren(option("", w.inviteWho), inviteGroup);
  }

  function loadContext(chatId) {
    context.hidden = true;
    fetch("/agent/chat/context/" + chatId, { credentials: "same-origin" }).then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (c) {
      if (!c || chatId !== current) return;
      var h = el("h2"), link = el("a", "", c.contact.name);
      link.href = "/agent/contacts/" + c.contact.id;
      h.appendChild(link);
      var parts = [h];
      if (c.contact.email) parts.push(el("p", "muted", c.contact.email));
      var ticket = el("a", "", w.openTicket + " " + c.ticket.code);
      ticket.href = "/agent/tickets/" + c.ticket.id;
      parts.push(el("p")); parts[parts.length - 1].appendChild(ticket);
      parts.push(el("h3", "", w.others));
      var list = el("ul", "chat-others");
      c.others.forEach(function (o) {
        var li = el("li"), a = el("a", "", o.subject);
        a.href = "/agent/tickets/" + o.id;
        li.appendChild(a);
        li.appendChild(el("small", "", " " + o.code + " · " + o.status));
        list.appendChild(li);
      });
      if (!c.others.length) list.appendChild(el("li", "muted", w.noOthers));
      parts.push(list);
      context.replaceChildren.apply(context, parts);
      context.hidden = false;
    });
  }

  function show(chat, headingText) {
    current = chat;
    lastSeq = 0;
    log.replaceChildren();
    typingLine.textContent = "";
    heading.textContent = headingText;
    reply.hidden = false;
    renderTools();
    loadContext(chat);
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
      var li = el("li", ev.from === "visitor" ? "visitor" : "agent");
      if (ev.from === "agent" && ev.name) li.appendChild(el("small", "", ev.name));
      li.appendChild(document.createTextNode(ev.body));
      log.appendChild(li);
      log.scrollTop = log.scrollHeight;
      if (ev.from === "visitor") {
        typingLine.textContent = "";
        send({ type: "read", chat: ev.chat, seq: ev.seq });
      }
    } else if (ev.type === "agent_joined") {
      line("note", w.joined.replace("%n", ev.name || ""));
    } else if (ev.type === "agent_left") {
      line("note", w.left.replace("%n", ev.name || ""));
    } else if (ev.type === "transferred") {
      line("note", w.transferred.replace("%n", ev.detail || ""));
    } else if (ev.type === "closed") {
      line("note", w.closed);
      reply.hidden = true;
    }
  }

  root.addEventListener("click", function (e) {
    var b = e.target.closest("button[data-chat]");
    if (!b) return;
    if (window.Notification && Notification.permission === "default") Notification.requestPermission();
    var chat = Number(b.dataset.chat), action = b.dataset.action;
    if (action === "decline" || action === "leave") {
      send({ type: action, chat: chat });
      return;
    }
    var name = b.closest("li").querySelector("span").firstChild.textContent;
    show(chat, name);
    if (action === "open") send({ type: "open", chat: chat, last_seq: 0 });
    else send({ type: action, chat: chat });
  });
  presence.addEventListener("change", function () { send({ type: "presence", status: presence.value }); });
  transfer.addEventListener("change", function () {
    var v = transfer.value.split(":");
    transfer.value = "";
    if (current == null || v.length !== 2) return;
    var frame = { type: "transfer", chat: current };
    frame[v[0]] = Number(v[1]);
    send(frame);
  });
  invite.addEventListener("change", function () {
    var v = invite.value.split(":");
    invite.value = "";
    if (current != null && v.length === 2) send({ type: "invite", chat: current, agent: Number(v[1]) });
  });
  leave.addEventListener("click", function () { if (current != null) send({ type: "leave", chat: current }); });
  $("chat-ban").addEventListener("click", function () {
    if (current != null && window.confirm(w.banConfirm)) send({ type: "ban", chat: current });
  });

  function insert(body) {
    var start = text.selectionStart, end = text.selectionEnd;
    text.value = text.value.slice(0, start) + body + text.value.slice(end);
    text.focus();
    text.selectionStart = text.selectionEnd = start + body.length;
  }
  canned.addEventListener("change", function () {
    var chosen = cannedList[Number(canned.value)];
    canned.value = "";
    if (chosen) insert(chosen.body);
  });
  fetch("/agent/chat/canned", { credentials: "same-origin" }).then(function (r) {
    return r.ok ? r.json() : [];
  }).then(function (list) {
    cannedList = list || [];
    if (!cannedList.length) return;
    canned.appendChild(option("", w.canned));
    cannedList.forEach(function (c, i) { canned.appendChild(option(String(i), c.title + (c.shortcut ? " (" + c.shortcut + ")" : ""))); });
    canned.hidden = false;
  }).catch(function () {});

  reply.addEventListener("submit", function (e) {
    e.preventDefault();
    var body = text.value;
    if (!body.trim() || current == null) return;
    text.value = "";
    send({ type: "message", chat: current, client_id: id(), body: body });
    send({ type: "typing", chat: current, on: false });
  });
  text.addEventListener("keydown", function (e) {
    if (e.key === "Tab" && text.value.charAt(0) === "/") {
      var word = text.value.trim().toLowerCase();
      var hit = cannedList.filter(function (c) { return c.shortcut === word; })[0];
      if (hit) { e.preventDefault(); text.value = ""; insert(hit.body); }
      return;
    }
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); reply.requestSubmit(); }
  });
  text.addEventListener("input", function () {
    if (current == null) return;
    if (!typingTimer) send({ type: "typing", chat: current, on: true });
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { typingTimer = null; send({ type: "typing", chat: current, on: false }); }, 3000);
  });
  $("chat-close").addEventListener("click", function () { if (current != null) send({ type: "close", chat: current }); });

  function setPresence(status) {
    presence.value = status;
    statusLine.textContent = status === "online" ? "" : w.offlineHint;
  }

  function connect() {
    ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/agent/chat/ws");
    ws.onopen = function () {
      retry = 0;
      statusLine.textContent = "";
      offers = {};
      if (current != null) send({ type: "open", chat: current, last_seq: lastSeq });
    };
    ws.onmessage = function (e) {
      var f;
      try { f = JSON.parse(e.data); } catch (x) { return; }
      if (f.type === "chats") { chats = f.chats; renderLists(); }
      else if (f.type === "presence") setPresence(f.status);
      else if (f.type === "offer") { offers[f.chat] = Date.now() + f.seconds * 1000; renderLists(); notify(w.new); }
      else if (f.type === "offer_withdrawn") { delete offers[f.chat]; renderLists(); }
      else if (f.type === "agents") { roster = f.agents; renderTools(); }
      else if (f.type === "typing") { if (f.chat === current && f.from === "visitor") typingLine.textContent = f.on ? w.typing : ""; }
      else if (f.type === "error") statusLine.textContent = f.message;
      else if (typeof f.seq === "number" && f.type !== "ack" && f.type !== "read") render(f);
    };
    ws.onclose = function () {
      statusLine.textContent = w.lost;
      retry = Math.min(retry + 1, 6);
      setTimeout(connect, 500 * Math.pow(2, retry) * (0.5 + Math.random()));
    };
  }
  connect();
})();
