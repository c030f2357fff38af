// CardDesk application pages: records the interview's video with the
// phone's camera, when the browser can, and puts the recording into the
// form's video file input, to be sent with the form like a chosen file.
// Without this script, or without a camera, the file input works as it is
// (on a phone it opens the camera itself). Served from /apply/static/ and
// allowed by the pages' CSP (script-src 'self'); no inline code anywhere.
(function () {
  'use strict';

  var panel = document.getElementById('recorder');
  var input = document.getElementById('video');
  if (!panel || !input) return;
  // What recording needs: a camera API, MediaRecorder, and a way to put a
  // file into an input (DataTransfer).
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  if (!window.MediaRecorder || !window.DataTransfer) return;

  // The first type this browser records, best first; none: no recorder.
  var TYPES = ['video/webm;codecs=vp9', 'video/webm;codecs=vp8', 'video/webm', 'video/mp4'];
  var type = TYPES.filter(function (t) { return MediaRecorder.isTypeSupported(t); })[0];
  if (!type) return;

  // The server keeps videos to 60 s; stop well before.
  var MAX_SECONDS = 30;
  var preview = document.getElementById('preview');
  var start = document.getElementById('record-start');
  var stop = document.getElementById('record-stop');
  var status = document.getElementById('record-status');
  var recorder = null;
  var timer = null;

  function say(text) { status.textContent = text; }

  function finish(stream, chunks) {
    stream.getTracks().forEach(function (t) { t.stop(); });
    preview.srcObject = null;
    var blob = new Blob(chunks, { type: type.split(';')[0] });
    var name = type.indexOf('mp4') >= 0 ? 'interview.mp4' : 'interview.webm';
    var transfer = new DataTransfer();
    transfer.items.add(new File([blob], name, { type: blob.type }));
    input.files = transfer.files;
    start.hidden = false;
    stop.hidden = true;
    say(panel.dataset.ready);
  }

  start.addEventListener('click', function () {
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: 'user' }, audio: true })
      .then(function (stream) {
        var chunks = [];
        preview.srcObject = stream;
        var playing = preview.play();
        if (playing && playing.catch) playing.catch(function () {});
        recorder = new MediaRecorder(stream, { mimeType: type });
        recorder.ondataavailable = function (e) { if (e.data.size) chunks.push(e.data); };
        recorder.onstop = function () { clearTimeout(timer); finish(stream, chunks); };
        recorder.start(1000);
        timer = setTimeout(function () { recorder.stop(); }, MAX_SECONDS * 1000);
        start.hidden = true;
        stop.hidden = false;
        say('');
      })
      .catch(function () { say(panel.dataset.failed); });
  });

  stop.addEventListener('click', function () {
    if (recorder && recorder.state === 'recording') recorder.stop();
  });

  panel.hidden = false;
})();
