// Live page of a session's theory test: polls the JSON endpoint and redraws the table;
// between polls the "time left" column counts down locally from the server's figures.
(function () {
  "use strict";
  var table = document.getElementById("monitor");
  if (!table) return;
  var body = document.getElementById("monitor-rows");
  var status = document.getElementById("monitor-status");
  var POLL_MS = 5000;
  var fetchedAt = Date.now();

  function time(iso) {
    if (!iso) return "—";
    var d = new Date(iso);
    return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  function clock(seconds) {
    var s = Math.max(0, seconds);
    var m = Math.floor(s / 60);
    s = s % 60;
    return (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
  }

  function cell(row, text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    row.appendChild(td);
    return td;
  }

  function stateLabel(r) {
    if (r.state === "not_started" && !r.admitted) return table.dataset.notAdmitted;
    return table.getAttribute("data-state-" + r.state) || r.state;
  }

  function draw(rows) {
    body.textContent = "";
    rows.forEach(function (r) {
      var tr = document.createElement("tr");
      tr.dataset.enrolment = r.enrolment;
      var who = cell(tr, r.name);
      var number = document.createElement("div");
      number.className = "small text-muted";
      number.textContent = r.number;
      who.appendChild(number);
      cell(tr, stateLabel(r));
      cell(tr, time(r.started_at));
      cell(tr, r.total ? r.answered + " / " + r.total : "—");
      cell(tr, time(r.deadline_at));
      var left = cell(tr, "—", "font-monospace");
      if (r.seconds_left !== null && r.seconds_left !== undefined) left.dataset.secondsLeft = r.seconds_left;
      cell(tr, r.extra_time_percent ? "+" + r.extra_time_percent + "%" : "—");
      body.appendChild(tr);
    });
    tick();
  }

  function tick() {
    var passed = Math.floor((Date.now() - fetchedAt) / 1000);
    body.querySelectorAll("[data-seconds-left]").forEach(function (td) {
      var value = td.dataset.secondsLeft;
      if (value === "") return;
      td.textContent = clock(parseInt(value, 10) - passed);
    });
  }

  function poll() {
    fetch(table.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error(String(r.status));
        return r.json();
      })
      .then(function (data) {
        fetchedAt = Date.now();
        draw(data.rows);
        status.className = "small text-muted";
        setTimeout(poll, POLL_MS);
      })
      .catch(function () {
        status.textContent = table.dataset.msgError;
        status.className = "small text-danger";
        setTimeout(poll, POLL_MS * 2);
      });
  }

  setInterval(tick, 1000);
  tick();
  poll();
})();
