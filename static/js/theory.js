// Theory test: autosave each answer, keep a countdown from the server's deadline,
// and hand over to the server when the time is up. The server enforces the deadline;
// this script only keeps the candidate informed.
(function () {
  "use strict";
  var form = document.getElementById("theory-form");
  if (!form) return;
  var url = form.dataset.answerUrl;
  var status = document.getElementById("save-status");
  var timer = document.getElementById("timer");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var deadline = Date.now() + parseInt(timer.dataset.secondsLeft, 10) * 1000;
  var pending = {};
  var closed = false;

  function say(text, cls) {
    status.textContent = text;
    status.className = "small " + (cls || "text-muted");
  }

  function finish() {
    if (closed) return;
    closed = true;
    say(form.dataset.msgClosed, "text-danger");
    form.querySelectorAll("input").forEach(function (i) { if (i.type !== "hidden") i.disabled = true; });
    // The server submits on its own at the deadline; posting makes it immediate.
    form.submit();
  }

  function save(fieldset) {
    var question = parseInt(fieldset.dataset.question, 10);
    var choices = Array.prototype.map.call(
      fieldset.querySelectorAll("input:checked"), function (i) { return parseInt(i.value, 10); });
    pending[question] = choices;
    fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ question: question, choices: choices }),
      credentials: "same-origin",
    }).then(function (r) {
      return r.json().then(function (body) { return { status: r.status, body: body }; });
    }).then(function (res) {
      if (res.status === 200) {
        if (JSON.stringify(pending[question]) === JSON.stringify(choices)) delete pending[question];
        deadline = Date.now() + res.body.seconds_left * 1000;
        say(form.dataset.msgSaved, "text-success");
      } else if (res.status === 409) {
        finish();
      } else {
        say(res.body.error || form.dataset.msgError, "text-danger");
      }
    }).catch(function () {
      say(form.dataset.msgError, "text-danger");
      setTimeout(function () { if (pending[question]) save(fieldset); }, 3000);
    });
  }

  form.addEventListener("change", function (event) {
    var fieldset = event.target.closest("fieldset[data-question]");
    if (fieldset && !closed) save(fieldset);
  });

  function tick() {
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    var m = Math.floor(left / 60), s = left % 60;
    timer.textContent = (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
    if (left <= 0) { finish(); return; }
    setTimeout(tick, 1000);
  }
  tick();
})();
