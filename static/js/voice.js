/* "Grabar mi idea": the page's own recorder in each theme's voice form (ideas/_voice_form.html).

   Only where the browser lets a page record: a secure context (HTTPS, or localhost) with
   MediaRecorder. Elsewhere (a hall laptop on plain HTTP at its LAN address) the form keeps its file
   input, which opens the phone's own recorder, and says why. Up to the form's data-max-seconds
   (60 s) with a visible timer; then listen, record again, or send. The recording (Opus at a low
   bitrate: a minute is about 120 KB) is put into the form's file input, so the form is sent as any
   other of the room's forms: by htmx, with its client_id, and again by room.js after a lost
   connection or a busy server, stored once. This file builds no markup: the form carries it all.
   room.js loads it the first time a voice form is opened. */
(function () {
  "use strict";

  var BITRATE = 16000;  // bits per second: speech stays clear, a minute stays light on 3G
  var TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4", "audio/webm"];
  var canRecord = window.isSecureContext && navigator.mediaDevices && navigator.mediaDevices.getUserMedia
    && typeof window.MediaRecorder !== "undefined";
  var current = null;  // the recording under way: { form, recorder, stream, started, timer }

  function part(form, name) { return form.querySelector("[data-voice-" + name + "]"); }

  function clock(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    return Math.floor(seconds / 60) + ":" + (seconds % 60 < 10 ? "0" : "") + (seconds % 60);
  }

  function prepare(form) {
    if (form.getAttribute("data-voice-ready")) { return; }
    form.setAttribute("data-voice-ready", canRecord ? "recorder" : "file");
    if (!canRecord) {
      part(form, "insecure").hidden = window.isSecureContext !== false;
      return;
    }
    part(form, "recorder").hidden = false;
    part(form, "file").hidden = true;
    part(form, "send").hidden = true;
  }

  function prepareAll(root) {
    (root || document).querySelectorAll("form[data-voice]").forEach(prepare);
  }

  function showTime(form, seconds) {
    var max = Number(form.getAttribute("data-max-seconds")) || 60;
    part(form, "timer").textContent = clock(seconds) + " / " + clock(max);
  }

  function start(form) {
    if (current) { return; }
    var status = part(form, "status");
    status.textContent = "";
    navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
      var type = TYPES.filter(function (t) { return MediaRecorder.isTypeSupported(t); })[0];
      var options = { audioBitsPerSecond: BITRATE };
      if (type) { options.mimeType = type; }
      var recorder = new MediaRecorder(stream, options);
      var chunks = [];
      var max = Number(form.getAttribute("data-max-seconds")) || 60;
      current = { form: form, recorder: recorder, stream: stream, started: Date.now() };
      recorder.addEventListener("dataavailable", function (event) { if (event.data.size) { chunks.push(event.data); } });
      recorder.addEventListener("stop", function () { finished(form, chunks, recorder.mimeType || type || "audio/webm"); });
      recorder.start(1000);
      current.timer = setInterval(function () {
        var seconds = (Date.now() - current.started) / 1000;
        showTime(form, Math.min(seconds, max));
        if (seconds >= max) { stop(); }
      }, 250);
      showTime(form, 0);
      part(form, "start").hidden = true;
      part(form, "again").hidden = true;
      part(form, "preview").hidden = true;
      part(form, "send").hidden = true;
      part(form, "stop").hidden = false;
      part(form, "stop").focus();
      form.setAttribute("data-voice-state", "recording");
      status.textContent = form.getAttribute("data-say-recording") || "";
    }).catch(function () {
      // Refused or no microphone: the phone's own recorder, through the file input, still works.
      form.setAttribute("data-voice-ready", "file");
      part(form, "recorder").hidden = true;
      part(form, "file").hidden = false;
      part(form, "send").hidden = false;
      part(form, "insecure").hidden = true;
    });
  }

  function stop() {
    if (!current) { return; }
    clearInterval(current.timer);
    if (current.recorder.state !== "inactive") { current.recorder.stop(); }
    current.stream.getTracks().forEach(function (track) { track.stop(); });
  }

  function finished(form, chunks, type) {
    current = null;
    var blob = new Blob(chunks, { type: type.split(";")[0] });
    var extension = type.indexOf("ogg") >= 0 ? "ogg" : type.indexOf("mp4") >= 0 ? "m4a" : "webm";
    var file = new File([blob], "grabacion." + extension, { type: blob.type });
    var transfer = new DataTransfer();
    transfer.items.add(file);
    part(form, "file").querySelector("input[type=file]").files = transfer.files;
    var preview = part(form, "preview");
    if (preview.src) { URL.revokeObjectURL(preview.src); }
    preview.src = URL.createObjectURL(blob);
    preview.hidden = false;
    part(form, "stop").hidden = true;
    part(form, "again").hidden = false;
    part(form, "send").hidden = false;
    part(form, "send").focus();
    part(form, "status").textContent = form.getAttribute("data-say-recorded") || "";
    form.setAttribute("data-voice-state", "recorded");
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-voice-start], [data-voice-stop], [data-voice-again]");
    var form = button && button.closest("form[data-voice]");
    if (!form) { return; }
    if (button.hasAttribute("data-voice-stop")) { stop(); } else { start(form); }
  });

  // A fresh form (after sending, or a refusal) arrives from the server: prepared as the first.
  document.addEventListener("htmx:load", function (event) { prepareAll(event.detail.elt.parentNode || document); });
  prepareAll();
}());
