// The agents' workspace: live updates of the ticket list (Server-Sent Events from
// /agent/events) and keyboard shortcuts. No framework; every page works without it.
(function () {
  "use strict";

  function typing(event) {
    var t = event.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }

  // Replaces the live region (#ticket-list) with the same region of a fresh copy of the page.
  async function refreshList() {
    var region = document.getElementById("ticket-list");
    if (!region) return;
    try {
      var response = await fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } });
      if (!response.ok) return;
      var fresh = new DOMParser().parseFromString(await response.text(), "text/html").getElementById("ticket-list");
      if (fresh) {
        // Rows ticked in the quarantine stay ticked when the list refreshes.
        var ticked = Array.prototype.map.call(region.querySelectorAll("input[name=ids]:checked"), function (box) { return box.value; });
        Array.prototype.forEach.call(fresh.querySelectorAll("input[name=ids]"), function (box) { box.checked = ticked.indexOf(box.value) >= 0; });
        region.replaceWith(fresh);
        document.dispatchEvent(new CustomEvent("helpdeskd:list-updated"));
      }
    } catch (e) { /* the next event tries again */ }
  }

  // The quarantine's "select all".
  document.addEventListener("change", function (event) {
    if (event.target.id !== "select-all") return;
    Array.prototype.forEach.call(document.querySelectorAll("#ticket-list input[name=ids]"), function (box) { box.checked = event.target.checked; });
  });

  function listen() {
    if (!window.EventSource || !document.getElementById("ticket-list")) return;
    var source = new EventSource("/agent/events");
    source.addEventListener("tickets", function () { refreshList(); });
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#ticket-list tbody tr[data-href]"));
  }

  function select(index) {
    var all = rows();
    if (!all.length) return;
    index = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (row, i) { row.classList.toggle("selected", i === index); });
    all[index].scrollIntoView({ block: "nearest" });
    var link = all[index].querySelector("a");
    if (link) link.focus();
  }

  function selected() {
    return rows().findIndex(function (row) { return row.classList.contains("selected"); });
  }

  function focus(id) {
    var el = document.getElementById(id);
    if (el) { el.focus(); return true; }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape" && typing(event)) { event.target.blur(); return; }
    if (typing(event)) return;
    var help = document.getElementById("shortcuts");
    switch (event.key) {
      case "/": if (focus("search")) event.preventDefault(); break;
      case "j": select(selected() + 1); break;
      case "k": select(selected() - 1); break;
      case "o": case "Enter": {
        var row = rows()[selected()];
        if (row) { window.location.assign(row.dataset.href); event.preventDefault(); }
        break;
      }
      case "r": if (focus("reply-body")) event.preventDefault(); break;
      case "u": { var back = document.getElementById("back-to-list"); if (back) window.location.assign(back.href); break; }
      case "?": if (help) { help.open = !help.open; event.preventDefault(); } break;
      default: break;
    }
  });

  // The reply box's file picker: files past the limits are named at once, before anything
  // is sent (the server checks again and keeps the text when it refuses).
  function checkFiles(input) {
    var notice = document.getElementById("reply-files-notice");
    var max = Number(input.dataset.maxBytes), total = Number(input.dataset.maxTotal);
    var maxFiles = Number(input.dataset.maxFiles), sum = 0, problem = "";
    var files = Array.prototype.slice.call(input.files || []);
    files.forEach(function (file) {
      sum += file.size;
      if (!problem && max && file.size > max) problem = input.dataset.tooLarge.replace("{name}", file.name);
    });
    if (!problem && maxFiles && files.length > maxFiles) problem = input.dataset.tooMany;
    if (!problem && total && sum > total) problem = input.dataset.totalTooLarge;
    input.setCustomValidity(problem);
    if (notice) { notice.textContent = problem; notice.hidden = !problem; }
  }

  document.addEventListener("DOMContentLoaded", function () {
    listen();
    var picker = document.getElementById("reply-files");
    if (picker) {
      picker.addEventListener("change", function () { checkFiles(picker); });
      checkFiles(picker);
    }
    // Rows open on click anywhere, not only on the subject link.
    document.addEventListener("click", function (event) {
      var row = event.target.closest && event.target.closest("#ticket-list tbody tr[data-href]");
      if (row && !event.target.closest("a, button, input, select")) window.location.assign(row.dataset.href);
    });
  });
})();
