// Live progress of a session's documents: polls the JSON endpoint until nothing is pending.
(function () {
  "use strict";
  var box = document.getElementById("progress");
  if (!box) return;
  // The width is set here, not in a style="" attribute, which the Content-Security-Policy refuses.
  var initial = document.getElementById("progress-bar");
  initial.style.width = (parseInt(initial.dataset.percent, 10) || 0) + "%";
  function update() {
    fetch(box.dataset.url, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (p) {
        document.getElementById("progress-done").textContent = p.done;
        document.getElementById("progress-total").textContent = p.total;
        document.getElementById("progress-failed").textContent = p.failed;
        var bar = document.getElementById("progress-bar");
        bar.style.width = (p.total ? Math.round(100 * p.done / p.total) : 0) + "%";
        bar.parentNode.setAttribute("aria-valuenow", p.done);
        var list = document.getElementById("progress-failures");
        list.textContent = "";
        p.failures.forEach(function (f) {
          var li = document.createElement("li");
          li.textContent = f.holder_last_name + ": " + f.render_error;
          list.appendChild(li);
        });
        if (p.pending > 0 || p.total === 0) setTimeout(update, 2000);
      })
      .catch(function () { setTimeout(update, 5000); });
  }
  setTimeout(update, 1000);
})();
