// Live progress of a background task (an agency batch, a staff impact preview): polls the box's data-progress-url,
// updates its <progress> bar and its [data-field] elements, and reloads the page once the task has finished.
// Without JavaScript the page refreshes itself (a <noscript> meta refresh) instead.
(function () {
  "use strict";
  var box = document.querySelector("[data-progress-url]");
  if (!box || box.getAttribute("data-finished") === "true") { return; }
  var url = box.getAttribute("data-progress-url");
  var bar = box.querySelector("progress");

  function count(n) { return Number(n).toLocaleString("en-US"); }  // 12,345 as the page's own figures are written

  function show(p) {
    bar.max = Math.max(p.total, 1);
    bar.value = p.total ? p.done : (p.finished ? 1 : 0);
    bar.textContent = count(p.done) + " / " + count(p.total);
    box.querySelectorAll("[data-field]").forEach(function (el) {
      var name = el.getAttribute("data-field");
      if (name === "count") { el.textContent = count(p.done) + " / " + count(p.total); }
      else if (name === "status") { el.setAttribute("data-status", p.status); }
      else if (typeof p[name] === "number") { el.textContent = count(p[name]); }
      else if (p[name] !== undefined) { el.textContent = p[name]; }
    });
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
