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

// The new-measure form: each criterion row offers only the operators and choices that fit its field's type.
function fitRow(row) {
  const types = JSON.parse(row.dataset.types || "{}");
  const ops = JSON.parse(row.dataset.ops || "{}");
  const field = row.querySelector("select[name$='-field']");
  const op = row.querySelector("select[name$='-op']");
  const type = types[field.value] || "";
  const allowed = ops[type] || [];
  for (const option of op.options) option.disabled = type !== "" && !allowed.includes(option.value);
  if (type && !allowed.includes(op.value)) op.value = allowed[0];
  for (const option of row.querySelectorAll("select[name$='-choices'] option")) {
    option.hidden = option.value.split("=")[0] !== field.value;
  }
  row.querySelector(".value-single").hidden = type === "bool" || type === "enum";
  row.querySelector(".value-high").hidden = op.value !== "between";
  row.querySelector(".value-choices").hidden = type !== "enum";
}
document.addEventListener("change", (event) => {
  const row = event.target.closest(".criterion-row");
  if (row) fitRow(row);
});
document.addEventListener("DOMContentLoaded", () => document.querySelectorAll(".criterion-row").forEach(fitRow));
