/* Live room: keeps the board current from Socket.IO messages. It never builds markup: every
   message carries HTML rendered by the server's templates, and htmx swaps it in.

   - "change" messages carry a per-room sequence number; a gap makes the page re-fetch the
     board's changing parts over HTTP (data-sync). On (re)connecting, the page asks the room's
     number ("seq") and re-fetches only if it missed something. A failed re-fetch is tried again
     with backoff and jitter, honouring Retry-After, until it succeeds: no phone stays on a stale
     phase.
   - A change of the whole room (phase, timer, settings) is one message for everyone, never a
     re-fetch; what is mine stays here: which ideas are mine (data-mine + X-Idea-Id of my posts,
     shown by toggling .is-mine) and my dots on a card a broadcast replaces (data-public).
     [data-participants-only] parts (the dots each participant has) skip screens of no participant.
   - Elements are upserted by id: replaced if present, else inserted into data-into at data-at.
     An element with data-remove removes its namesake.
   - A post or vote that fails for lack of connection, or that the server could not take (429,
     5xx), keeps its text and is sent again with the same client_id, so it is stored once: on
     reconnect, or after a backoff with jitter (at least its Retry-After) if the socket stayed up.
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
  var participant = board.hasAttribute("data-participant");
  var retryTimer = null;
  var syncAttempts = 0;
  var AGAIN = [429, 500, 502, 503, 504];

  // How long to wait before trying again: at least the server's Retry-After, else 1, 2, 4 ... 30 s;
  // with jitter, so that a room of phones does not come back all at the same moment.
  function backoff(attempt, retryAfter) {
    var seconds = Number(retryAfter) || Math.min(30, Math.pow(2, attempt));
    return 1000 * seconds * (1 + Math.random() * 0.5);
  }

  // A card the room's broadcast sends (data-public) does not know my dots: keep them from the card
  // it replaces, with the form to take one back, while voting goes on.
  function keepMyDots(card) {
    var current = document.getElementById(card.id);
    var votes = card.querySelector(".idea__votes");
    var castForm = votes && votes.querySelector(".vote-form");
    if (!current || !current.classList.contains("has-my-dots") || !castForm) { return; }
    var dots = current.querySelector(".my-dots");
    var withdraw = current.querySelector(".vote-form--withdraw");
    if (dots) { votes.insertBefore(dots.cloneNode(true), castForm); }
    if (withdraw) { votes.appendChild(withdraw.cloneNode(true)); }
    card.classList.add("has-my-dots");
  }

  function markMine() {
    board.querySelectorAll("[data-idea]").forEach(function (card) {
      card.classList.toggle("is-mine", mine.has(card.getAttribute("data-idea")));
    });
  }

  function upsert(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    template.content.querySelectorAll(".idea[data-public]").forEach(keepMyDots);
    Array.prototype.slice.call(template.content.children).forEach(function (element) {
      if (!participant && element.hasAttribute("data-participants-only")) { return; }
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
        if (!response.ok) {
          var error = new Error("sync " + response.status);
          error.retryAfter = response.headers.get("Retry-After");
          throw error;
        }
        return response.text();
      })
      .then(function (html) {
        upsert(html);
        var marker = document.getElementById("board-seq");
        if (marker) { seq = Number(marker.getAttribute("data-seq")); }
        syncAttempts = 0;
        syncing = false;
        var pending = queued;
        queued = [];
        pending.forEach(apply);
      })
      .catch(function (error) {
        // Still behind: the messages that come meanwhile wait in the queue for the next try.
        syncAttempts += 1;
        setTimeout(function () { syncing = false; resync(); }, backoff(syncAttempts - 1, error.retryAfter));
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
    // Re-fetch only if a change came while this page was not listening.
    socket.emit("seq", function (current) {
      board.setAttribute("data-live", "");  // listening to the room (tests wait for it)
      if (current !== seq) { resync(); }
    });
    sendUnsent();
  });
  socket.on("disconnect", function () {
    board.removeAttribute("data-live");
    showBanner(true);
  });
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
    if (socket.connected && !retryTimer) { retryTimer = setTimeout(sendUnsent, delay); }
  }

  function tries(form) {
    form.tries = (form.tries || 0) + 1;
    return form.tries - 1;
  }

  // A busy server (503, 429) or a failure it may not have again (500, 502, 504) is asked again:
  // the form goes back in the queue, untouched; its client_id makes the retry safe.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var form = event.detail.elt;
    var xhr = event.detail.xhr;
    if (!xhr || AGAIN.indexOf(xhr.status) < 0 || !form.hasAttribute || !form.hasAttribute("data-upsert")) { return; }
    event.detail.shouldSwap = false;
    event.detail.isError = false;
    keepUnsent(form, backoff(tries(form), xhr.getResponseHeader("Retry-After")));
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
    // 403: a refusal for this phone (muted, card annulled), answered in the form or the board's message.
    if (xhr.status !== 200 && xhr.status !== 422 && xhr.status !== 409 && xhr.status !== 403) { return; }
    var id = xhr.getResponseHeader("X-Idea-Id");
    if (id) { mine.add(id); }
    form.tries = 0;
    unsent.delete(form);
    if (socket.connected && unsent.size === 0) { showBanner(false); }
    upsert(xhr.responseText);
    if (xhr.status === 200 && form.hasAttribute("data-reset")) { form.reset(); }
  }
  document.body.addEventListener("htmx:sendError", function (event) {
    var form = event.detail.elt;
    if (form.hasAttribute && form.hasAttribute("data-upsert")) { keepUnsent(form, backoff(tries(form))); }
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
