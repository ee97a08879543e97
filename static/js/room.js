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
   - "screen" messages (projectors only) carry the projector's join panel after a room change.
   - The countdown (#timer data-ends: seconds left when the server rendered it) runs on this
     phone's clock from the moment it arrived, so a wrong clock does not matter.
   - The phone (data-participant): a new phase lights up the sticky status bar and is said aloud
     (#room-news, polite), as are a vote (a [data-say] line of its answer) and, in one summary every
     few seconds, the ideas others posted. Vote buttons are disabled, with their reason, when my
     dots are used up or the idea holds the most I may put on it. Focus stays where the action was.
     The theme grid is one Tab stop (arrow keys move in it). */
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
  // Forms a broadcast brings (moderators' rows) get this page's CSRF token.
  var ownToken = document.querySelector('meta[name="csrf-token"]');
  function ownTokens(root) {
    if (!ownToken) { return; }
    root.querySelectorAll('input[name="csrf_token"]').forEach(function (input) {
      input.value = ownToken.getAttribute("content");
    });
  }

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
    card.setAttribute("data-dots", current.getAttribute("data-dots") || "1");
  }

  function markMine() {
    board.querySelectorAll("[data-idea]").forEach(function (card) {
      card.classList.toggle("is-mine", mine.has(card.getAttribute("data-idea")));
    });
  }

  // Said aloud through one polite live region that stays in the page (a replaced one says nothing).
  var news = document.getElementById("room-news");
  function announce(text) {
    if (!news || !text) { return; }
    news.textContent = "";
    setTimeout(function () { news.textContent = text.replace(/\s+/g, " ").trim(); }, 50);
  }
  function textOf(id) {
    var element = document.getElementById(id);
    return element ? element.textContent : "";
  }

  // Ideas others posted: one summary every few seconds, not one announcement per idea. Which ideas
  // are mine is decided when the summary is said: my own post's broadcast may arrive before its
  // answer (which tells me its id).
  var fresh = new Set();
  var freshTimer = null;
  function countFresh(content) {
    content.querySelectorAll(".idea[data-idea]").forEach(function (card) {
      if (!document.getElementById(card.id)) { fresh.add(card.getAttribute("data-idea")); }
    });
    if (!fresh.size || freshTimer) { return; }
    freshTimer = setTimeout(function () {
      var others = 0;
      fresh.forEach(function (id) { if (!mine.has(id)) { others += 1; } });
      fresh.clear();
      freshTimer = null;
      if (!others) { return; }
      var text = board.getAttribute(others === 1 ? "data-news-1" : "data-news-n") || "";
      announce(text.replace("#", String(others)));
    }, 4000);
  }

  // A form being used is never replaced: an open action box (details[data-keep-open], with what is
  // typed in it and the focus) and the ideas ticked for a merge ([data-keep-checked]) survive
  // every swap, a re-fetch or a live update. The box is taken out before the swap (htmx cleans up
  // a copy left in its place) and put back in place of its fresh namesake, if the row still has
  // one (an idea hidden meanwhile has no "Ocultar" any more).
  function setAside(replaced) {
    var focused = document.activeElement;
    var kept = [];
    document.querySelectorAll("details[data-keep-open][open][id]").forEach(function (box) {
      // Only what this message replaces: a timer or a head count leaves the focus alone.
      if (!replaced.some(function (element) { return element.contains(box); })) { return; }
      var selection = focused && box.contains(focused) && "selectionStart" in focused
        ? [focused.selectionStart, focused.selectionEnd] : null;
      kept.push({ box: box, focused: box.contains(focused) ? focused : null, selection: selection });
      box.replaceWith(box.cloneNode(true));
    });
    var checked = [];
    document.querySelectorAll("[data-keep-checked]:checked[id]").forEach(function (box) { checked.push(box.id); });
    return { kept: kept, checked: checked };
  }

  function putBack(aside) {
    aside.kept.forEach(function (item) {
      var fresh = document.getElementById(item.box.id);
      if (!fresh || fresh === item.box) { return; }
      fresh.replaceWith(item.box);
      if (item.focused) {
        item.focused.focus({ preventScroll: true });
        if (item.selection) {
          try { item.focused.setSelectionRange(item.selection[0], item.selection[1]); } catch (e) { /* not text */ }
        }
      }
    });
    aside.checked.forEach(function (id) {
      var box = document.getElementById(id);
      if (box) { box.checked = true; }
    });
  }

  function upsert(html, fromRoom) {
    var template = document.createElement("template");
    template.innerHTML = html;
    var replaced = [];
    Array.prototype.forEach.call(template.content.children, function (element) {
      var current = element.id ? document.getElementById(element.id) : null;
      if (current) { replaced.push(current); }
    });
    var phase = document.getElementById("room-phase");
    var phaseBefore = phase && phase.getAttribute("data-phase");
    var aside = setAside(replaced);
    var said = [];
    try {
      said = swapIn(template, fromRoom);
    } finally {
      putBack(aside);
    }
    markMine();
    startTimer();
    phase = document.getElementById("room-phase");
    if (phase && phaseBefore && phase.getAttribute("data-phase") !== phaseBefore) { newPhase(); }
    else if (said.length) { announce(said.join(" ") + " " + textOf("dots-left")); }
    voteButtons();
    scrollableColumns();
  }

  // Swaps each top-level element of the message in; returns what it asks to be said aloud.
  function swapIn(template, fromRoom) {
    template.content.querySelectorAll(".idea[data-public]").forEach(keepMyDots);
    ownTokens(template.content);
    if (fromRoom && participant) { countFresh(template.content); }
    var said = [];
    Array.prototype.slice.call(template.content.children).forEach(function (element) {
      if (!participant && element.hasAttribute("data-participants-only")) { return; }
      if (element.hasAttribute("data-say")) { said.push(element.textContent); return; }
      if (element.id === "vote-message" && element.textContent.trim()) { said.push(element.textContent); }
      var current = element.id ? document.getElementById(element.id) : null;
      if (element.hasAttribute("data-remove")) {
        if (current) { current.remove(); }
        return;
      }
      if (current) {
        var focused = document.activeElement;
        var had = focused && focused !== document.body && current.contains(focused);
        var withdrawing = had && Boolean(focused.closest(".vote-form--withdraw"));
        htmx.swap(current, element.outerHTML, { swapStyle: "outerHTML" });
        if (had) { keepFocus(document.getElementById(element.id), focused === current, withdrawing); }
        return;
      }
      var into = element.getAttribute("data-into");
      var container = into ? document.querySelector(into) : null;
      if (container) {
        htmx.swap(container, element.outerHTML, { swapStyle: element.getAttribute("data-at") || "beforeend" });
      }
    });
    return said;
  }

  // A live update replaced what had focus (my idea, its button): focus goes to its new version.
  function keepFocus(replaced, itself, withdrawing) {
    if (!replaced) { return; }
    var back = withdrawing && replaced.querySelector(".vote-form--withdraw button");
    if (back) { back.focus(); return; }
    if (!itself && replaced.classList.contains("idea")) { focusIn(replaced); return; }
    replaced.setAttribute("tabindex", "-1");
    replaced.focus();
  }

  // A new phase, seen where the person is looking: the sticky status bar lights up, and says it.
  function newPhase() {
    var bar = document.getElementById("status-bar");
    if (bar) {
      bar.classList.remove("is-new");
      void bar.offsetWidth;  // restart the animation
      bar.classList.add("is-new");
    }
    announce(textOf("room-phase") + " " + textOf("dots-left") + " " + textOf("exit-survey"));
  }

  // My vote buttons say why they cannot be pressed: no dots left, the idea holds the most I may put
  // on it, or it is my own in a room that does not vote for one's own (#dots-left carries the rules).
  function voteButtons() {
    var left = document.getElementById("dots-left");
    if (!participant || !left) { return; }
    var dots = Number(left.getAttribute("data-dots-left"));
    var perIdea = Number(left.getAttribute("data-per-idea")) || 1;
    var noSelf = left.hasAttribute("data-no-self");
    board.querySelectorAll(".idea[data-idea]").forEach(function (card) {
      var form = card.querySelector(".vote-form:not(.vote-form--withdraw)");
      if (!form) { return; }
      var button = form.querySelector("button");
      var why = Number(card.getAttribute("data-dots") || 0) >= perIdea ? "full"
        : dots === 0 ? "none" : noSelf && card.classList.contains("is-mine") ? "own" : "";
      var reason = card.querySelector(".vote-why");
      var hadFocus = button === document.activeElement;
      button.disabled = Boolean(why);
      if (!why) {
        if (reason) { reason.remove(); }
        return;
      }
      if (!reason) {
        reason = document.createElement("span");
        reason.className = "vote-why";
        form.insertAdjacentElement("afterend", reason);
      }
      reason.textContent = board.getAttribute("data-why-" + why);
      if (hadFocus) { focusIn(card); }
    });
  }

  // The columns scroll sideways on a phone: focusable themselves only when nothing in them is.
  function scrollableColumns() {
    var columns = board.querySelector(".columns");
    if (!columns) { return; }
    var inside = Array.prototype.some.call(columns.querySelectorAll("a[href], button:not([disabled]), textarea"),
      function (element) { return element.getClientRects().length > 0; });
    if (inside) { columns.removeAttribute("tabindex"); } else { columns.setAttribute("tabindex", "0"); }
  }

  // After my vote, focus stays on the idea: its button, else the one to take a dot back, else the card.
  function focusIn(card) {
    var target = card.querySelector(".vote-form:not(.vote-form--withdraw) button:not([disabled])")
      || card.querySelector(".vote-form--withdraw button");
    if (!target) {
      target = card;
      card.setAttribute("tabindex", "-1");
    }
    target.focus({ preventScroll: false });
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
    upsert(message.html, true);
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

  // After a lost connection (a process restarted, a phone back in range) try again after 0.5 s, then
  // up to every 2 s (socket.io's default: 5 s), with jitter so a room does not come back at once:
  // a phone is back within ~3 s of its process (docs/benchmarks.md, "Faults").
  var RECONNECT = { reconnectionDelay: 500, reconnectionDelayMax: 2000, randomizationFactor: 0.5 };
  var socket = window.io(Object.assign({ auth: { room: room, screen: board.getAttribute("data-screen") || "board" } },
                                       RECONNECT));
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
  socket.on("screen", function (message) { upsert(message.html); });  // the projector's own part

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
    // 403: a refusal for this phone (muted, card annulled), answered in the form or the board's message;
    // 413: a recording too heavy, answered in its form.
    if ([200, 403, 409, 413, 422].indexOf(xhr.status) < 0) { return; }
    var id = xhr.getResponseHeader("X-Idea-Id");
    if (id) { mine.add(id); }
    form.tries = 0;
    unsent.delete(form);
    // Done: its action box closes (and is no longer kept through the swap that follows).
    var box = xhr.status === 200 && form.closest ? form.closest("details[data-keep-open]") : null;
    if (box) { box.open = false; }
    if (socket.connected && unsent.size === 0) { showBanner(false); }
    var focused = document.activeElement;
    var lost = !focused || focused === document.body || form.contains(focused);
    upsert(xhr.responseText);
    if (xhr.status === 200 && form.hasAttribute("data-reset")) { form.reset(); }
    if (lost) { focusAfter(form, id, xhr.status); }
  }

  // Where focus goes after my action: my new idea, the refused idea box (with its message), or
  // the idea I voted on. Never the top of the page.
  function focusAfter(form, ideaId, status) {
    var card;
    if (form.classList.contains("post-form")) {
      if (status === 200 && ideaId && (card = document.getElementById("idea-" + ideaId))) {
        card.setAttribute("tabindex", "-1");
        card.focus();
        return;
      }
      var box = document.getElementById(form.id + "-text");
      if (box) { box.focus(); }
      return;
    }
    var idea = form.querySelector("[name=idea_id]");
    card = idea && document.getElementById("idea-" + idea.value);
    if (!card) { return; }
    if (form.classList.contains("vote-form--withdraw")) {
      var back = card.querySelector(".vote-form--withdraw button");
      if (back) { back.focus(); return; }
    }
    focusIn(card);
  }

  // The theme grid is one Tab stop: the theme in view; arrow keys move between themes.
  var themes = document.getElementById("themes");
  var tiles = themes ? Array.prototype.slice.call(themes.querySelectorAll("a")) : [];
  function currentTile(index) {
    tiles.forEach(function (tile, i) {
      tile.setAttribute("tabindex", i === index ? "0" : "-1");
      if (i === index) { tile.setAttribute("aria-current", "true"); } else { tile.removeAttribute("aria-current"); }
    });
  }
  if (tiles.length) {
    currentTile(0);
    themes.addEventListener("keydown", function (event) {
      var at = tiles.indexOf(document.activeElement);
      var step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[event.key];
      if (at < 0 || !step) { return; }
      event.preventDefault();
      var next = (at + step + tiles.length) % tiles.length;
      currentTile(next);
      tiles[next].focus();
    });
  }
  if (tiles.length && "IntersectionObserver" in window) {
    // The theme whose column is on screen is the grid's current one.
    var columnsBox = board.querySelector(".columns");
    var seen = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.intersectionRatio < 0.6) { return; }
        var index = tiles.findIndex(function (tile) { return tile.getAttribute("href") === "#" + entry.target.id; });
        if (index >= 0 && tiles[index] !== document.activeElement) { currentTile(index); }
      });
    }, { root: columnsBox, threshold: 0.6 });
    board.querySelectorAll(".column").forEach(function (column) { seen.observe(column); });
    // The status bar offers "Temas" only while the grid is out of view.
    new IntersectionObserver(function (entries) {
      board.classList.toggle("themes-in-view", entries[0].intersectionRatio >= 0.5);
    }, { threshold: [0, 0.5, 1] }).observe(themes);
  }
  document.body.addEventListener("htmx:sendError", function (event) {
    var form = event.detail.elt;
    if (form.hasAttribute && form.hasAttribute("data-upsert")) { keepUnsent(form, backoff(tries(form))); }
  });

  // "Grabar mi idea" (static/js/voice.js) loads the first time a voice form is opened: a phone that
  // never records never downloads it.
  var voiceLoading = false;
  document.addEventListener("toggle", function (event) {
    var box = event.target;
    if (voiceLoading || !box.open || !box.hasAttribute || !box.hasAttribute("data-voice-js")) { return; }
    voiceLoading = true;
    var script = document.createElement("script");
    script.src = box.getAttribute("data-voice-js");
    document.head.appendChild(script);
  }, true);

  startTimer();
  voteButtons();
  scrollableColumns();

  // The visible character count of each idea box.
  document.body.addEventListener("input", function (event) {
    var box = event.target;
    var counter = box.getAttribute && box.getAttribute("data-counter");
    if (!counter) { return; }
    var output = document.getElementById(counter);
    if (output) { output.textContent = box.value.length + " / " + box.getAttribute("maxlength"); }
  });
}());
