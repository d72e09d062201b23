"""A one-page report a client can read (PDF, Noto Sans CJK): its money by type (a table and a bar chart of the same
numbers, the engine's totals of one tax scenario), what it may apply for, what is still open, how to apply."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from checker.agency.windows import window_text
from checker.engine.answer import counts_as_eligible
from checker.i18n import N_, translate
from checker.rules.pack import RulePack
from checker.sheets.verdicts import MONEY, ClientVerdicts, column_label, money, money_text, status_of, titles, word

FONT_FILES = (Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
              Path("/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc"))
SC_INDEX = 2  # Noto Sans CJK SC inside the collection
MAX_ITEMS, MAX_QUESTIONS = 8, 12
# The headings of the report, in the message catalogue as "pdf.<key>".
HEADINGS = (
    N_("pdf.title"), N_("pdf.eligible"), N_("pdf.verify"), N_("pdf.open"), N_("pdf.none"), N_("pdf.materials"),
    N_("pdf.apply"), N_("pdf.amount"), N_("pdf.wan"), N_("pdf.more"), N_("pdf.note"), N_("pdf.measures_n"),
    N_("pdf.money"),
)
CHART_X, CHART_WIDTH, BAR_HEIGHT, BAR_GAP = 105.0, 75.0, 5.0, 2.0  # mm: the bars right of the table
TABLE_WIDTH = 85.0
_HEADING_KEYS = {k.removeprefix("pdf."): k for k in HEADINGS}


class FontMissing(RuntimeError):
    """The Noto CJK font is not installed (Debian package fonts-noto-cjk)."""


def _h(key: str, lang: str, **values: Any) -> str:
    return translate(_HEADING_KEYS[key], lang, **values)


def font_file() -> Path:
    """The installed Noto Sans CJK collection."""
    for path in FONT_FILES:
        if path.exists():
            return path
    raise FontMissing("install fonts-noto-cjk for the PDF reports")


def _text(value: Any, lang: str) -> str:
    """A rule text in the language."""
    return (getattr(value, lang, None) or value.zh) if value is not None else ""


def _eligible(pack: RulePack, item: ClientVerdicts, lang: str) -> list[tuple[str, str, str, str, str]]:
    """(title, estimate, application window, materials, how to apply) of each eligible measure."""
    names = titles(pack, lang)
    dated = pack.dated(item.result.get("as_of"))  # each measure as it stood on the check date
    rows = []
    for r in item.result.get("results", []):
        if not counts_as_eligible(r) or r["measure"] not in dated.index:
            continue
        spec = dated.index[r["measure"]].spec
        estimate = money_text(pack, r, lang) or "—"
        materials = "；".join(_text(m, lang) for m in spec.materials)
        window = window_text(pack, r["measure"], item.result.get("as_of"), lang)
        rows.append((names.get(r["measure"], r["measure"]), estimate, window, materials, _text(spec.apply, lang)))
    return rows


def _to_verify(pack: RulePack, item: ClientVerdicts, lang: str) -> list[str]:
    """Titles of the company measures whose criteria are met but whose force no official document confirms."""
    names = titles(pack, lang)
    return [names.get(r["measure"], r["measure"]) for r in item.result.get("results", [])
            if status_of(r) == "verify" and (r.get("applicant") or "company") == "company"]


def _questions(pack: RulePack, item: ClientVerdicts, lang: str) -> list[str]:
    """The open questions, each once, as the form asks them, with how many measures each would settle."""
    counts: dict[str, int] = {}
    for r in item.result.get("results", []):
        if r.get("status") == "undetermined":
            for field in r.get("missing", []):
                counts[field] = counts.get(field, 0) + 1
    ordered = sorted(counts.items(), key=lambda kv: -kv[1])
    return [column_label(pack, field, lang) + _h("measures_n", lang, n=n) for field, n in ordered]


def _document(lang: str) -> Any:
    """An A4 page with the CJK font loaded."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(15, 14, 15)
    pdf.add_font("noto", fname=str(font_file()), collection_font_number=SC_INDEX)
    pdf.add_page()
    return pdf


def _section(pdf: Any, heading: str) -> None:
    pdf.ln(2)
    pdf.set_font("noto", size=12)
    pdf.set_fill_color(221, 235, 247)
    pdf.cell(0, 7, heading, new_x="LMARGIN", new_y="NEXT", fill=True)
    pdf.set_font("noto", size=9)


def _line(pdf: Any, text: str, size: int = 9) -> None:
    """A wrapped paragraph, kept on the page (one page only: text past the bottom is left out)."""
    if pdf.get_y() > 275 or not text:
        return
    pdf.set_font("noto", size=size)
    pdf.multi_cell(0, 4.6, text, new_x="LMARGIN", new_y="NEXT")


def money_rows(pack: RulePack, item: ClientVerdicts, lang: str) -> list[tuple[str, float | None, str]]:
    """(type label, 万元 or None when unknown, the cell as shown) per money type: export.money, the workbook's figures."""
    _, sums, unknown = money(pack, item.result)
    rows = []
    for kind in MONEY:
        value = sums[kind]
        shown = f"{value:,.2f}" if value is not None else ("—" if unknown[kind] else f"{0:,.2f}")
        rows.append((word(kind, lang), value, shown))
    return rows


def _bar(pdf: Any, kind: int, x: float, y: float, width: float) -> None:
    """One bar, told apart in greyscale by its fill: solid dark, vertical stripes, light grey (each outlined)."""
    pdf.set_draw_color(64, 64, 64)
    pdf.set_line_width(0.2)
    if kind == 0:
        pdf.set_fill_color(60, 60, 60)
        pdf.rect(x, y, width, BAR_HEIGHT, style="DF")
        return
    grey = 200 if kind == 2 else 255
    pdf.set_fill_color(grey, grey, grey)
    pdf.rect(x, y, width, BAR_HEIGHT, style="DF")
    if kind == 1:
        stripe = x + 1.0
        while stripe < x + width:
            pdf.line(stripe, y, stripe, y + BAR_HEIGHT)
            stripe += 1.2


def _money_chart(pdf: Any, rows: list[tuple[str, float | None, str]]) -> None:
    """The money by type as a table (label, 万元) and, beside it, a bar per type labelled with the same value."""
    top = pdf.get_y() + 1
    largest = max((value or 0.0 for _, value, _ in rows), default=0.0)
    pdf.set_font("noto", size=9)
    for i, (label, value, shown) in enumerate(rows):
        y = top + i * (BAR_HEIGHT + BAR_GAP)
        pdf.set_xy(pdf.l_margin, y)
        pdf.cell(TABLE_WIDTH - 25, BAR_HEIGHT, label)
        pdf.cell(25, BAR_HEIGHT, shown, align="R")
        width = CHART_WIDTH * (value or 0.0) / largest if largest > 0 else 0.0
        if width > 0:
            _bar(pdf, i, CHART_X, y, width)
        pdf.set_xy(CHART_X + width + 1, y)
        pdf.cell(20, BAR_HEIGHT, shown)
    pdf.set_draw_color(0, 0, 0)
    pdf.line(CHART_X, top - 0.5, CHART_X, top + len(rows) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP + 0.5)
    pdf.set_xy(pdf.l_margin, top + len(rows) * (BAR_HEIGHT + BAR_GAP))


def client_pdf(pack: RulePack, item: ClientVerdicts, lang: str = "zh") -> bytes:
    """One client's one-page report as PDF bytes."""
    pdf = _document(lang)
    pdf.set_font("noto", size=16)
    pdf.cell(0, 9, _h("title", lang), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("noto", size=11)
    pdf.cell(0, 7, f"{item.name}（{item.key}）" if item.name != item.key else item.key, new_x="LMARGIN", new_y="NEXT")
    _section(pdf, _h("money", lang))
    _money_chart(pdf, money_rows(pack, item, lang))
    eligible = _eligible(pack, item, lang)
    _section(pdf, f"{_h('eligible', lang)}（{len(eligible)}）")
    for title, estimate, window, materials, how in eligible[:MAX_ITEMS]:
        _line(pdf, f"■ {title} · {_h('amount', lang)} {estimate}", 10)
        _line(pdf, f"    {window}" if window else "")
        _line(pdf, f"    {_h('materials', lang)}：{materials}" if materials else "")
        _line(pdf, f"    {_h('apply', lang)}：{how}" if how else "")
    if not eligible:
        _line(pdf, _h("none", lang))
    if len(eligible) > MAX_ITEMS:
        _line(pdf, _h("more", lang, n=len(eligible) - MAX_ITEMS))
    verify = _to_verify(pack, item, lang)
    if verify:
        _section(pdf, f"{_h('verify', lang)}（{len(verify)}）")
        _line(pdf, "；".join(verify))
    questions = _questions(pack, item, lang)
    _section(pdf, _h("open", lang))
    for question in questions[:MAX_QUESTIONS]:
        _line(pdf, f"□ {question}")
    if not questions:
        _line(pdf, _h("none", lang))
    pdf.set_y(282)
    pdf.set_font("noto", size=7)
    pdf.multi_cell(0, 3.5, _h("note", lang, pack=item.result.get("rulepack", ""), date=item.result.get("as_of", "")))
    return bytes(pdf.output())


def reports_zip(pack: RulePack, items: Iterable[ClientVerdicts], target: Any, lang: str = "zh",
                progress: Callable[[int], None] = lambda done: None) -> int:
    """A zip of one PDF per client (named by row and client key) written to target, `progress` told the count after
    each; how many it holds."""
    count = 0
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in items:
            safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in item.key)[:60]
            archive.writestr(f"{item.row or count + 1:05d}-{safe}.pdf", client_pdf(pack, item, lang))
            count += 1
            progress(count)
    return count
