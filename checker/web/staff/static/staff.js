// Staff pages: clicking a lint error's line selects that line in the draft's text.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a.goto-line");
  const area = document.getElementById("text");
  if (!link || !area) return;
  event.preventDefault();
  const lines = area.value.split("\n");
  const line = Math.max(1, Math.min(lines.length, Number(link.dataset.line) || 1));
  const start = lines.slice(0, line - 1).reduce((sum, text) => sum + text.length + 1, 0);
  area.focus();
  area.setSelectionRange(start, start + lines[line - 1].length);
  const height = area.scrollHeight / Math.max(lines.length, 1);
  area.scrollTop = Math.max(0, (line - 5) * height);
});

// Impact previews run in the background: poll their status, update the bar, reload once the report is ready.
// Without JavaScript the page refreshes itself (a <noscript> meta refresh) instead.
(function () {
  "use strict";
  var box = document.getElementById("impact-progress");
  if (!box || box.getAttribute("data-finished") === "true") { return; }
  var url = box.getAttribute("data-progress-url");
  var bar = document.getElementById("impact-bar");
  var count = document.getElementById("impact-count");
  var status = document.getElementById("impact-status");

  function show(p) {
    bar.max = Math.max(p.total, 1);
    bar.value = p.total ? p.done : 0;
    count.textContent = p.done + " / " + p.total;
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
