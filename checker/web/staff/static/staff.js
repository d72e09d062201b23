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
