"""Results of many clients: company × measure matrix, detail sheet, summary, and CSV/XLSX files."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from checker.batch import neutralise
from checker.rules.pack import RulePack

STATUSES = ("eligible", "undetermined", "ineligible")
XLSX_ROWS = 1_048_576  # Excel's limit per sheet, header included
Table = tuple[list[str], Iterable[list[Any]]]


@dataclass
class ClientVerdicts:
    """One client's stored result, as the exports read it."""

    key: str
    name: str
    result: dict[str, Any]
    row: int | None = None


@dataclass
class MeasureSummary:
    """How many clients fall in each status for one measure, and the eligible amounts."""

    measure: str
    title: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    amount_wan: float = 0.0


@dataclass
class Summary:
    """Totals over a set of client results."""

    clients: int
    measures: list[MeasureSummary]
    amount_wan: float


def titles(pack: RulePack, lang: str) -> dict[str, str]:
    """Each measure's title in the language."""
    return {m.id: getattr(m.spec.title, lang, None) or m.spec.title.zh for m in pack.measures}


def column_label(pack: RulePack, column: str, lang: str) -> str:
    """A problem's column as the user knows it: the field's label in the language, else the header as written."""
    decl = pack.fields.get(column)
    return (getattr(decl.label, lang, None) or decl.label.zh) if decl else column


def eligible_amount(result: dict[str, Any]) -> float:
    """The sum of estimated amounts of the eligible measures of one result."""
    return round(sum(r["amount_wan"] or 0 for r in result["results"] if r["status"] == "eligible"), 4)


def summarise(items: Iterable[ClientVerdicts], names: dict[str, str]) -> Summary:
    """Per measure: clients eligible, undetermined, ineligible; the eligible amounts and their total."""
    per = {mid: MeasureSummary(mid, title) for mid, title in names.items()}
    clients = 0
    for item in items:
        clients += 1
        for r in item.result["results"]:
            entry = per.setdefault(r["measure"], MeasureSummary(r["measure"], r["measure"]))
            entry.counts[r["status"]] = entry.counts.get(r["status"], 0) + 1
            if r["status"] == "eligible":
                entry.amount_wan = round(entry.amount_wan + (r["amount_wan"] or 0), 4)
    measures = list(per.values())
    return Summary(clients, measures, round(sum(m.amount_wan for m in measures), 4))


def matrix(items: Iterable[ClientVerdicts], names: dict[str, str]) -> Table:
    """One row per client: each measure's status and amount, then the eligible total."""
    header = ["row", "client", "name", "rulepack", "as_of"]
    for mid, title in names.items():
        header += [f"{mid} {title}", f"{mid} amount_wan"]
    header.append("eligible_total_wan")

    def rows() -> Iterator[list[Any]]:
        for item in items:
            by_id = {r["measure"]: r for r in item.result["results"]}
            line = [item.row, item.key, item.name, item.result["rulepack"], item.result["as_of"]]
            for mid in names:
                r = by_id.get(mid)
                line += [r["status"], r["amount_wan"]] if r else ["", None]
            yield line + [eligible_amount(item.result)]

    return header, rows()


def worth_detail(r: dict[str, Any]) -> bool:
    """Eligible and undetermined measures, and near misses (ineligible on exactly one criterion, in force)."""
    failed = r.get("failed", [])
    return r["status"] != "ineligible" or (len(failed) == 1 and failed[0] != "in_force")


def detail(items: Iterable[ClientVerdicts], names: dict[str, str]) -> Table:
    """One row per client and measure worth a look (see worth_detail): status, amount, failed criteria, open questions."""
    header = ["row", "client", "name", "measure", "title", "status", "amount_wan", "criteria_failed", "open_questions"]

    def rows() -> Iterator[list[Any]]:
        for item in items:
            for r in item.result["results"]:
                if worth_detail(r):
                    yield [item.row, item.key, item.name, r["measure"], names.get(r["measure"], r["measure"]), r["status"],
                           r["amount_wan"], " ".join(r.get("failed", [])), " ".join(r.get("missing", []))]

    return header, rows()


def problems_table(problems: Iterable[tuple[int, str, str]]) -> Table:
    """The rejected rows: row, column, reason."""
    return ["row", "column", "reason"], ([row, col, msg] for row, col, msg in problems)


def iter_csv(table: Table, rows_per_chunk: int = 1000) -> Iterator[bytes]:
    """A CSV file in chunks (UTF-8 with BOM so Excel reads Chinese), every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    header, rows = table
    out.write("\ufeff")
    writer.writerow([neutralise(h) for h in header])
    for count, row in enumerate(rows, 1):
        writer.writerow([neutralise(c) for c in row])
        if count % rows_per_chunk == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


def to_csv(table: Table) -> bytes:
    """The whole CSV file of iter_csv."""
    return b"".join(iter_csv(table))


def write_xlsx(sheets: dict[str, Table], target: Any, limit: int = XLSX_ROWS) -> None:
    """Write an XLSX workbook to a path or binary file: a sheet per table (continued on 'name-2'… past
    Excel's row limit), streamed row by row, every cell neutralised."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for title, (header, rows) in sheets.items():
        part, sheet, count = 1, book.create_sheet(title[:31]), 1
        sheet.append([neutralise(h) for h in header])
        for row in rows:
            if count >= limit:
                part += 1
                sheet, count = book.create_sheet(f"{title[:27]}-{part}"), 1
                sheet.append([neutralise(h) for h in header])
            sheet.append([neutralise(c) for c in row])
            count += 1
    book.save(target)


def to_xlsx(sheets: dict[str, Table], limit: int = XLSX_ROWS) -> bytes:
    """The XLSX workbook of write_xlsx as bytes (small exports and tests)."""
    out = io.BytesIO()
    write_xlsx(sheets, out, limit)
    return out.getvalue()
