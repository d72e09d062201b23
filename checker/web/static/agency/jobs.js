// Live progress of a batch job: polls the progress endpoint and updates the <progress> bar.
// Without JavaScript the page refreshes itself (a <noscript> meta refresh) instead.
(function () {
  "use strict";
  var box = document.getElementById("job-progress");
  if (!box || box.getAttribute("data-finished") === "true") { return; }
  var url = box.getAttribute("data-progress-url");
  var bar = document.getElementById("job-bar");
  var count = document.getElementById("job-count");
  var errors = document.getElementById("job-errors");
  var status = document.getElementById("job-status");

  function show(p) {
    bar.max = Math.max(p.total, 1);
    bar.value = p.total ? p.done : 1;
    bar.textContent = p.done + " / " + p.total;
    count.textContent = p.done + " / " + p.total;
    errors.textContent = p.errors;
    status.setAttribute("data-status", p.status);
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (p) {
        show(p);
        if (p.finished) { window.location.reload(); } else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 500);
}());
