// Escalade's keyboard shortcuts for the agent workspace. Elements declare their key with
// data-shortcut="e" (or a two-key sequence "g m"); "?" lists them. Also the few behaviours htmx
// attributes cannot express without eval (the CSP forbids it): no other JavaScript lives here.
(function () {
  "use strict";
  var QUEUES = { m: "mine", t: "team", u: "unassigned", r: "at_risk", b: "breached", p: "pending" };
  var pending = "";
  var selected = -1;

  function typing(target) {
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }
  function firstField(root) {
    return root.querySelector("textarea, input:not([type=hidden]):not([type=checkbox]), select");
  }
  // A panel whose form comes when it opens (htmx): what is typed meanwhile is kept for its first field,
  // not taken as shortcuts, and Ctrl+Enter sends the form once it is there.
  var loading = null;
  function wait(panel) {
    var state = { panel: panel, typed: "", send: false };
    loading = state;
    window.setTimeout(function () { if (loading === state) { loading = null; } }, 5000);
  }
  function keep(event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      loading.send = true;
    } else if (event.key === "Backspace") {
      loading.typed = loading.typed.slice(0, -1);
    } else if (event.key === "Escape") {
      loading = null;
    } else if (event.key.length === 1 && !event.metaKey && event.ctrlKey === event.altKey) {
      loading.typed += event.key;  // a character (Ctrl+Alt: AltGr on Windows), not a combination
    } else {
      return;
    }
    event.preventDefault();
  }
  function loaded(event) {
    if (!loading || !loading.panel.contains(event.target)) { return; }
    var state = loading;
    loading = null;
    var field = event.detail.successful && firstField(state.panel);
    if (!field) { return; }
    field.focus();
    if (state.typed && field.tagName !== "SELECT") { field.value += state.typed; }
    if (state.send && field.form) { field.form.requestSubmit(); }
  }
  function activate(element) {
    if (element.tagName === "DETAILS") {
      element.open = true;
      var field = firstField(element);
      if (field) { field.focus(); } else if (window.htmx && element.hasAttribute("hx-get")) { wait(element); }
    } else if (typing(element)) {
      element.focus();
      if (element.select) { element.select(); }
    } else if (element.id === "" && element.getAttribute("aria-controls") === "shortcuts") {
      toggleHelp();
    } else {
      element.click();
    }
  }
  function toggleHelp() {
    var dialog = document.getElementById("shortcuts");
    if (!dialog) { return; }
    if (dialog.open) { dialog.close(); } else { dialog.showModal(); }
  }
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr.ticket-row")); }
  function select(index) {
    var all = rows();
    if (!all.length) { return; }
    selected = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (row, i) { row.classList.toggle("selected", i === selected); });
    var link = all[selected].querySelector("a.ticket-link");
    if (link) { link.focus(); }
  }
  function internalNote() {
    var panel = document.getElementById("action-reply");
    if (!panel) { return; }
    panel.open = true;
    var box = document.getElementById("id_reply-internal");
    if (box) { box.checked = true; }
    // The message box has its own id ("reply-body", the KB's "insert into reply" target).
    var body = document.getElementById("reply-body") || document.getElementById("id_reply-body");
    if (body) { body.focus(); }
  }
  function listKeys(key) {
    var all = rows();
    if (key === "j") { select(selected + 1); return true; }
    if (key === "k") { select(selected - 1); return true; }
    if ((key === "o" || key === "Enter") && selected >= 0 && all[selected]) {
      window.location.href = all[selected].getAttribute("data-href"); return true;
    }
    if (key === "x" && selected >= 0 && all[selected]) {
      var box = all[selected].querySelector("input[type=checkbox]");
      if (box) { box.checked = !box.checked; } return true;
    }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    if (loading && !typing(event.target)) { keep(event); return; }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.form) {
      event.preventDefault();
      event.target.form.requestSubmit();
      return;
    }
    if (event.key === "Escape" && typing(event.target)) { event.target.blur(); return; }
    if (typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var key = event.key;
    if (pending === "g") {
      pending = "";
      if (QUEUES[key]) {
        event.preventDefault();
        window.location.href = "/desk/?queue=" + QUEUES[key];
      }
      return;
    }
    if (key === "g") { pending = "g"; return; }
    if (key === "?") { event.preventDefault(); toggleHelp(); return; }
    if (key === "i") { event.preventDefault(); internalNote(); return; }
    if (listKeys(key)) { event.preventDefault(); return; }
    var element = document.querySelector('[data-shortcut="' + (key === '"' ? '\\"' : key) + '"]');
    if (element) {
      event.preventDefault();
      activate(element);
    }
  });

  document.addEventListener("htmx:afterRequest", loaded);

  // The queue refreshes itself every 30 s, except while tickets are ticked for a bulk action (the
  // refresh would untick them). Here rather than in an hx-trigger filter: the CSP forbids eval.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var list = event.detail.elt;
    if (list.id === "queue-list" && list.querySelector("input[name=tickets]:checked")) {
      event.preventDefault();
    }
  });
  // The call screen's timer: minutes and seconds since the caller was chosen, copied into "duration".
  // The start is an instant (seconds since the epoch), whatever the browser's and the server's time zones.
  var timer = document.getElementById("call-timer");
  if (timer && timer.getAttribute("data-started")) {
    var started = Number(timer.getAttribute("data-started")) * 1000;
    var duration = document.querySelector("input[name=duration]");
    var edited = false;
    if (duration) { duration.addEventListener("input", function () { edited = true; }); }
    var tick = function () {
      var seconds = Math.max(0, Math.round((Date.now() - started) / 1000));
      var text = Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
      timer.textContent = text;
      if (duration && !edited) { duration.value = text; }
    };
    tick();
    window.setInterval(tick, 1000);
  }
})();
