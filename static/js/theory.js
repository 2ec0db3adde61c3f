// Theory test: autosave each answer, keep a countdown from the server's deadline,
// and hand over to the server when the time is up. The server enforces the deadline;
// this script only keeps the candidate informed and submits on time.
(function () {
  "use strict";
  var form = document.getElementById("theory-form");
  if (!form) return;
  var url = form.dataset.answerUrl;
  var status = document.getElementById("save-status");
  var timer = document.getElementById("timer");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var deadline = Date.now() + parseInt(timer.dataset.msLeft, 10);
  var pending = {};      // question -> choices not yet confirmed by the server
  var inFlight = 0;      // saves on the wire
  var sequence = {};     // question -> number of the latest save sent
  var closed = false;

  function say(text, cls) {
    status.textContent = text;
    status.className = "small " + (cls || "text-muted");
  }

  function submitNow() {
    document.getElementById("auto-flag").value = "1";
    form.submit();
  }

  function finish() {
    if (closed) return;
    closed = true;
    say(form.dataset.msgClosed, "text-danger");
    form.querySelectorAll("input").forEach(function (i) { if (i.type !== "hidden") i.disabled = true; });
    // Let answers already on the wire arrive first (at most 3 s), then submit.
    var waited = 0;
    (function wait() {
      if (inFlight === 0 || waited >= 3000) { submitNow(); return; }
      waited += 100;
      setTimeout(wait, 100);
    })();
  }

  function save(fieldset) {
    var question = parseInt(fieldset.dataset.question, 10);
    var choices = Array.prototype.map.call(
      fieldset.querySelectorAll("input:checked"), function (i) { return parseInt(i.value, 10); });
    var mine = (sequence[question] || 0) + 1;
    sequence[question] = mine;
    pending[question] = choices;
    inFlight += 1;
    fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ question: question, choices: choices }),
      credentials: "same-origin",
    }).then(function (r) {
      return r.json().then(function (body) { return { status: r.status, body: body }; });
    }).then(function (res) {
      inFlight -= 1;
      if (res.status === 200) {
        // A newer save of this question may still be on its way: it will confirm itself.
        if (sequence[question] === mine) {
          delete pending[question];
          say(form.dataset.msgSaved, "text-success");
        }
        deadline = Date.now() + res.body.ms_left;
      } else if (res.status === 409) {
        finish();
      } else {
        say(res.body.error || form.dataset.msgError, "text-danger");
      }
    }).catch(function () {
      inFlight -= 1;
      say(form.dataset.msgError, "text-danger");
      setTimeout(function () { if (pending[question] && sequence[question] === mine) save(fieldset); }, 3000);
    });
  }

  form.addEventListener("change", function (event) {
    var fieldset = event.target.closest("fieldset[data-question]");
    if (fieldset && !closed) save(fieldset);
  });

  function tick() {
    var leftMs = deadline - Date.now();
    var left = Math.max(0, Math.ceil(leftMs / 1000));
    var m = Math.floor(left / 60), s = left % 60;
    timer.textContent = (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
    if (leftMs <= 0) { finish(); return; }
    setTimeout(tick, Math.min(1000, Math.max(50, leftMs % 1000 || 1000)));
  }
  tick();
})();
