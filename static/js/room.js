/* Live room: keeps the board current from Socket.IO messages. It never builds markup: every
   message carries HTML rendered by the server's templates, and htmx swaps it in.

   - "change" messages carry a per-room sequence number; a gap, or any (re)connection, makes the
     page re-fetch the board's changing parts over HTTP (data-sync).
   - Elements are upserted by id: replaced if present, else inserted into data-into at data-at.
     An element with data-remove removes its namesake.
   - Which ideas are mine is per viewer: kept here (data-mine + X-Idea-Id of my posts) and shown by
     toggling .is-mine, since broadcast fragments are the same for everyone.
   - A post that fails for lack of connection keeps its text and is sent again with the same
     client_id, so it is stored once: on reconnect, or after a few seconds if the socket stayed up
     (then no reconnection would come). A 503 (server busy) is sent again after its Retry-After.
   - "votes" messages (coalesced, at most one per room every 250 ms) carry the changed counts.
   - "moderation" messages (moderators only) carry the rows of the console's live list.
   - The countdown (#timer data-ends: seconds left when the server rendered it) runs on this
     phone's clock from the moment it arrived, so a wrong clock does not matter. */
(function () {
  "use strict";

  var board = document.getElementById("board");
  var timerEnd = null;
  if (!board || typeof window.io === "undefined" || typeof window.htmx === "undefined") {
    return;
  }
  var room = Number(board.getAttribute("data-room"));
  var seq = Number(board.getAttribute("data-seq"));
  var mine = new Set((board.getAttribute("data-mine") || "").split(" ").filter(Boolean));
  var banner = document.getElementById("connection-banner");
  var syncing = false;
  var queued = [];
  var unsent = new Set();
  var RETRY_MS = 3000;
  var retryTimer = null;

  function markMine() {
    board.querySelectorAll("[data-idea]").forEach(function (card) {
      card.classList.toggle("is-mine", mine.has(card.getAttribute("data-idea")));
    });
  }

  function upsert(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    Array.prototype.slice.call(template.content.children).forEach(function (element) {
      var current = element.id ? document.getElementById(element.id) : null;
      if (element.hasAttribute("data-remove")) {
        if (current) { current.remove(); }
        return;
      }
      if (current) {
        htmx.swap(current, element.outerHTML, { swapStyle: "outerHTML" });
        return;
      }
      var into = element.getAttribute("data-into");
      var container = into ? document.querySelector(into) : null;
      if (container) {
        htmx.swap(container, element.outerHTML, { swapStyle: element.getAttribute("data-at") || "beforeend" });
      }
    });
    markMine();
    startTimer();
  }

  function startTimer() {
    var timer = document.getElementById("timer");
    if (!timer || timer.getAttribute("data-started")) { return; }
    timer.setAttribute("data-started", "1");
    var left = timer.getAttribute("data-ends");
    timerEnd = left === null ? null : Date.now() + Number(left) * 1000;
    tick();
  }

  function tick() {
    var output = document.querySelector("#timer .timer__left");
    if (!output || timerEnd === null) { return; }
    var seconds = Math.max(0, Math.round((timerEnd - Date.now()) / 1000));
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    output.textContent = minutes + ":" + (rest < 10 ? "0" : "") + rest;
    document.getElementById("timer").classList.toggle("timer--over", seconds === 0);
  }
  setInterval(tick, 1000);

  function apply(message) {
    if (message.seq <= seq) { return; }
    if (message.seq !== seq + 1) { resync(); return; }
    seq = message.seq;
    upsert(message.html);
    if (message.resync) { resync(); }
  }

  function resync() {
    if (syncing) { return; }
    syncing = true;
    fetch(board.getAttribute("data-sync"), { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("sync " + response.status); }
        return response.text();
      })
      .then(function (html) {
        upsert(html);
        var marker = document.getElementById("board-seq");
        if (marker) { seq = Number(marker.getAttribute("data-seq")); }
      })
      .catch(function () { /* the next reconnection tries again */ })
      .then(function () {
        syncing = false;
        var pending = queued;
        queued = [];
        pending.forEach(apply);
      });
  }

  function showBanner(show) {
    if (banner) { banner.hidden = !show; }
  }

  function sendUnsent() {
    clearTimeout(retryTimer);
    retryTimer = null;
    var forms = Array.from(unsent);
    unsent.clear();
    forms.forEach(function (form) { htmx.trigger(form, "submit"); });
  }

  var socket = window.io({ auth: { room: room, screen: board.getAttribute("data-screen") || "board" } });
  socket.on("connect", function () {
    showBanner(false);
    resync();
    sendUnsent();
  });
  socket.on("disconnect", function () { showBanner(true); });
  socket.on("connect_error", function () { showBanner(true); });
  socket.on("change", function (message) {
    if (syncing) { queued.push(message); } else { apply(message); }
  });
  socket.on("presence", function (message) { upsert(message.html); });
  socket.on("votes", function (message) { upsert(message.html); });
  socket.on("moderation", function (message) { upsert(message.html); });

  function keepUnsent(form, delay) {
    unsent.add(form);
    showBanner(true);
    // Connected: no "connect" will come to send it, so try again shortly (and again if it fails).
    if (socket.connected && !retryTimer) { retryTimer = setTimeout(sendUnsent, delay || RETRY_MS); }
  }

  // A busy server (503) asks to be asked again: the form goes back in the queue, untouched.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var form = event.detail.elt;
    var xhr = event.detail.xhr;
    if (!xhr || xhr.status !== 503 || !form.hasAttribute || !form.hasAttribute("data-upsert")) { return; }
    event.detail.shouldSwap = false;
    keepUnsent(form, 1000 * (Number(xhr.getResponseHeader("Retry-After")) || RETRY_MS / 1000));
  });

  // The answer to one of my forms, heard on its request: the form may have left the page by the
  // time the answer comes (the room's broadcast of the same action replaced its row), and htmx's
  // events on a detached form never reach document.body.
  document.body.addEventListener("htmx:beforeSend", function (event) {
    var form = event.detail.elt;
    var xhr = event.detail.xhr;
    if (!xhr || !form.hasAttribute || !form.hasAttribute("data-upsert")) { return; }
    xhr.addEventListener("load", function () { answered(form, xhr); });
  });

  function answered(form, xhr) {
    if (xhr.status !== 200 && xhr.status !== 422 && xhr.status !== 409) { return; }
    var id = xhr.getResponseHeader("X-Idea-Id");
    if (id) { mine.add(id); }
    unsent.delete(form);
    if (socket.connected && unsent.size === 0) { showBanner(false); }
    upsert(xhr.responseText);
    if (xhr.status === 200 && form.hasAttribute("data-reset")) { form.reset(); }
  }
  document.body.addEventListener("htmx:sendError", function (event) {
    var form = event.detail.elt;
    if (form.hasAttribute && form.hasAttribute("data-upsert")) { keepUnsent(form); }
  });

  startTimer();

  // The visible character count of each idea box.
  document.body.addEventListener("input", function (event) {
    var box = event.target;
    var counter = box.getAttribute && box.getAttribute("data-counter");
    if (!counter) { return; }
    var output = document.getElementById(counter);
    if (output) { output.textContent = box.value.length + " / " + box.getAttribute("maxlength"); }
  });
}());
