"""A streaming XLSX writer for plain tables: rows go straight to sheet XML on disk, then into the zip.

What the exports need and nothing else: inline strings, numbers with a per-column number format, booleans,
a styled, frozen and filtered header row, column widths. Each distinct text is escaped once, so a matrix of
repeated statuses costs a dictionary lookup per cell; memory stays flat whatever the number of rows.
(XlsxWriter's constant-memory mode spends ~20 µs a cell in Python; this writer a tenth of that.)
"""

from __future__ import annotations

import math
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from typing import IO, Any, TypeAlias

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
HEAD, MONEY, COUNT = 1, 2, 3  # cell style ids of styles.xml
STYLES = {"money": MONEY, "count": COUNT}
Front: TypeAlias = "tuple[dict[str, bytes], list[str]]"  # a first sheet's package parts and content-type overrides
NEEDS_ESCAPE = re.compile(r"[&<>\x00-\x08\x0b-\x1f]|_x[0-9a-fA-F]{4}_")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
MEMO_LIMIT = 50_000
TAB_SELECTED = ' tabSelected="1"'
XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
STYLES_XML = (
    f'{XML}<styleSheet xmlns="{MAIN}"><numFmts count="1"><numFmt numFmtId="164" formatCode="#,##0.00"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/><scheme val="minor"/>'
    '</font><font><b/><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/><scheme val="minor"/></font>'
    '</fonts><fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
    '</fill><fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/></patternFill></fill>'
    '</fills><borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border><border>'
    '<left style="thin"><color auto="1"/></left><right style="thin"><color auto="1"/></right><top style="thin">'
    '<color auto="1"/></top><bottom style="thin"><color auto="1"/></bottom><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="4">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" applyBorder="1" '
    'applyAlignment="1"><alignment vertical="center" wrapText="1"/></xf>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="1" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')


def column_letter(index: int) -> str:
    """The letters of a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def escape(text: str) -> str:
    """Text as XML character data, control characters as Excel's _xHHHH_ (literal _xHHHH_ kept literal)."""
    if not NEEDS_ESCAPE.search(text):
        return text
    text = re.sub(r"(_x[0-9a-fA-F]{4}_)", r"_x005F\1", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def _width(width: float) -> float:
    """A width in characters as Excel stores it (Calibri 11: 7 px a digit, 5 px padding)."""
    return int((int(width * 7 + 0.5) + 5) / 7 * 256) / 256


class SplitRow(list[Any]):
    """A row whose columns run[0]:run[1] are text cells many rows share (the matrix's statuses): the writer prepares
    their XML once per distinct run and puts each row's number in (a list to every other reader, the CSV's)."""

    def __init__(self, values: Iterable[Any], start: int, end: int) -> None:
        super().__init__(values)
        self.run = (start, end)


class Page:
    """One worksheet being written: its rows go to a temporary file until the book is closed."""

    def __init__(self, name: str, widths: list[float], styles: list[int], freeze: int, header_height: float) -> None:
        self.name, self.widths, self.styles, self.freeze = name, widths, styles, freeze
        self.letters = [column_letter(c) for c in range(len(widths))]
        self.attrs = [_s(style) for style in styles] + [""] * (len(widths) - len(styles))
        self.header_height = header_height
        self.body: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the book
        self.rows = 0
        self.last_col = 0
        self.filter: str | None = None
        self._texts: dict[str, str] = {}
        self._tails: dict[tuple[int, str], str] = {}
        self._runs: dict[tuple[int, tuple[Any, ...]], tuple[list[bytes], int]] = {}

    def row(self, values: Iterable[Any], style: int = 0) -> None:
        """Append one row: None and "" left empty, numbers as numbers, everything else as inline text (a SplitRow's
        run of shared cells prepared once)."""
        self.rows += 1
        number = str(self.rows)
        height = f' ht="{self.header_height}" customHeight="1"' if style == HEAD else ""
        parts = [f'<row r="{self.rows}"{height}>']
        if values.__class__ is SplitRow and not style:
            assert isinstance(values, SplitRow)
            start, end = values.run
            last = self._cells(parts, values[:start], 0, number, style)
            prepared = self._run(start, tuple(values[start:end]))
            if prepared is not None:  # the shared run as UTF-8 pieces the row number joins: no text to encode
                tail: list[str] = []
                last = max(last, prepared[1], self._cells(tail, values[end:], end, number, style))
                self.last_col = max(self.last_col, last)
                tail.append("</row>")
                run = number.encode("ascii").join(prepared[0])
                self.body.write(b"".join(("".join(parts).encode("utf-8"), run, "".join(tail).encode("utf-8"))))
                return
            last = max(last, self._cells(parts, values[start:end], start, number, style))
            last = max(last, self._cells(parts, values[end:], end, number, style))
        else:
            last = self._cells(parts, values, 0, number, style)
        self.last_col = max(self.last_col, last)
        parts.append("</row>")
        self.body.write("".join(parts).encode("utf-8"))

    def _cells(self, parts: list[str], values: Iterable[Any], first: int, number: str, style: int) -> int:
        """The cells of values from column `first` on, appended to parts; the last column written (else -1)."""
        letters = self.letters
        attrs = self.attrs if not style else [_s(style)] * len(letters)  # as Excel does: the column's style by default
        last = -1
        for col, value in enumerate(values, first):
            if value is None or value == "":
                continue
            last = col
            while col >= len(letters):
                letters.append(column_letter(len(letters)))
                attrs.append("")
            ref, at = letters[col] + number, attrs[col]
            if value.__class__ is str and not style:  # the cell after its reference, built once per column and text
                tail = self._tails.get((col, value))
                if tail is None:
                    if len(self._tails) >= MEMO_LIMIT:
                        self._tails.clear()
                    tail = self._tails[col, value] = f'{at} t="inlineStr">{self._text(value)}</c>'
                parts.append(f'<c r="{ref}"{tail}')
            elif value.__class__ is str or isinstance(value, str):
                parts.append(f'<c r="{ref}"{at} t="inlineStr">{self._text(str(value))}</c>')
            elif isinstance(value, bool):
                parts.append(f'<c r="{ref}"{at} t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, (int, float)):
                parts.append(f'<c r="{ref}"{at}><v>{_number(value)}</v></c>')
            else:  # dates and the like: their text, as it is
                parts.append(f'<c r="{ref}"{at} t="inlineStr">{_inline(str(value))}</c>')
        return last

    def _run(self, start: int, cells: tuple[Any, ...]) -> tuple[list[bytes], int] | None:
        """A run of text cells from column `start` as the pieces the row number joins, and its last column written;
        worked out once per distinct run (None when a cell is not text: written cell by cell)."""
        found = self._runs.get((start, cells))
        if found is not None:
            return found
        pieces, last = [""], -1
        for col, value in enumerate(cells, start):
            if value is None or value == "":
                continue
            if value.__class__ is not str:
                return None
            while col >= len(self.letters):
                self.letters.append(column_letter(len(self.letters)))
                self.attrs.append("")
            pieces[-1] += f'<c r="{self.letters[col]}'
            pieces.append(f'"{self.attrs[col]} t="inlineStr">{self._text(value)}</c>')
            last = col
        if len(self._runs) >= MEMO_LIMIT:
            self._runs.clear()
        found = self._runs[start, cells] = ([piece.encode("utf-8") for piece in pieces], last)
        return found

    def _text(self, text: str) -> str:
        """The <is> element of a text cell as written (an inline string is never evaluated), built once per text."""
        found = self._texts.get(text)
        if found is None:
            if len(self._texts) >= MEMO_LIMIT:
                self._texts.clear()
            found = self._texts[text] = _inline(text)
        return found

    def head_xml(self, selected: bool) -> str:
        """The worksheet XML before its rows: dimension, frozen panes, column widths and styles."""
        last = f"{self.letters[self.last_col] if self.last_col < len(self.letters) else column_letter(self.last_col)}"
        dimension = "A1" if self.rows <= 1 and self.last_col == 0 else f"A1:{last}{max(self.rows, 1)}"
        cols = "".join(f'<col min="{c + 1}" max="{c + 1}" width="{_width(w)}"{_col_style(s)} customWidth="1"/>'
                       for c, (w, s) in enumerate(zip(self.widths, self.styles)))
        return (f'{XML}<worksheet xmlns="{MAIN}" xmlns:r="{RELS}"><dimension ref="{dimension}"/>'
                f'<sheetViews><sheetView{TAB_SELECTED if selected else ""} workbookViewId="0">{self._pane()}'
                f'</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
                f'{f"<cols>{cols}</cols>" if cols else ""}<sheetData>')

    def _pane(self) -> str:
        """The frozen header row and first `freeze` columns."""
        if self.freeze:
            top = f"{column_letter(self.freeze)}2"
            return (f'<pane xSplit="{self.freeze}" ySplit="1" topLeftCell="{top}" activePane="bottomRight" state="frozen"/>'
                    f'<selection pane="topRight"/><selection pane="bottomLeft"/>'
                    f'<selection pane="bottomRight" activeCell="{top}" sqref="{top}"/>')
        return ('<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>')

    def tail_xml(self) -> str:
        """The worksheet XML after its rows: the filter and page margins."""
        autofilter = f'<autoFilter ref="{self.filter}"/>' if self.filter else ""
        return (f'</sheetData>{autofilter}<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
                'footer="0.3"/></worksheet>')


def _inline(text: str) -> str:
    """The <is> element of a text."""
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f"<is><t{space}>{escape(text)}</t></is>"


def _col_style(style: int) -> str:
    return f' style="{style}"' if style else ""


def _s(style: int) -> str:
    return f' s="{style}"' if style else ""


def _number(value: float) -> str:
    """A number as XlsxWriter writes it (%.16G); NaN and infinities have no cell form."""
    if value.__class__ is float and not math.isfinite(value):
        raise TypeError("NAN/INF not supported in an XLSX number cell")
    return f"{value:.16G}"


class Book:
    """A workbook written page by page; close() zips the pages (path or binary file target)."""

    def __init__(self, target: Any, front: Front | Callable[[], Front] | None = None) -> None:
        self.target = target
        self.pages: list[Page] = []
        # A first sheet written elsewhere (summary_sheet: its sheet1, drawing and chart parts, content-type overrides),
        # or what makes it when the book closes
        self.make_front = front if callable(front) else (lambda: front or ({}, []))
        self.front_parts: dict[str, bytes] = {}
        self.front_types: list[str] = []
        self.front = 1 if front else 0
        self.front_name = ""

    def add_page(self, name: str, widths: Sequence[float], styles: list[int], freeze: int,
                 header_height: float = 36) -> Page:
        """A new worksheet (name cut to Excel's 31 characters)."""
        page = Page(name[:31], list(widths), styles, freeze, header_height)
        self.pages.append(page)
        return page

    def close(self) -> None:
        """Write the XLSX package: content types, relationships, workbook, styles, then every page's XML."""
        self.front_parts, self.front_types = self.make_front()
        with zipfile.ZipFile(self.target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as package:
            package.writestr("[Content_Types].xml", self._types())
            package.writestr("_rels/.rels", f'{XML}<Relationships xmlns="{PACKAGE_RELS}"><Relationship Id="rId1" '
                             f'Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
            package.writestr("xl/workbook.xml", self._workbook())
            package.writestr("xl/_rels/workbook.xml.rels", self._workbook_rels())
            package.writestr("xl/styles.xml", STYLES_XML)
            for name, data in self.front_parts.items():
                package.writestr(name, data)
            for number, page in enumerate(self.pages, 1 + self.front):
                with package.open(f"xl/worksheets/sheet{number}.xml", "w", force_zip64=True) as out:
                    out.write(page.head_xml(number == 1).encode("utf-8"))
                    page.body.seek(0)
                    shutil.copyfileobj(page.body, out, 1 << 20)
                    out.write(page.tail_xml().encode("utf-8"))
                page.body.close()

    def _types(self) -> str:
        kind = "application/vnd.openxmlformats-officedocument.spreadsheetml"
        sheets = "".join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{kind}.worksheet+xml"/>'
                         for n in range(1, len(self.pages) + self.front + 1)) + "".join(self.front_types)
        return (f'{XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                f'<Override PartName="/xl/workbook.xml" ContentType="{kind}.sheet.main+xml"/>'
                f'<Override PartName="/xl/styles.xml" ContentType="{kind}.styles+xml"/>{sheets}</Types>')

    def _workbook(self) -> str:
        first = f'<sheet name="{escape(self.front_name)}" sheetId="1" r:id="rId1"/>' if self.front else ""
        sheets = first + "".join(f'<sheet name="{escape(p.name)}" sheetId="{n}" r:id="rId{n}"/>'
                                 for n, p in enumerate(self.pages, 1 + self.front))
        names = "".join(f'<definedName name="_xlnm._FilterDatabase" localSheetId="{n}" hidden="1">'
                        f"{escape(_quoted(p.name))}!{_absolute(p.filter)}</definedName>"
                        for n, p in enumerate(self.pages, self.front) if p.filter)
        return (f'{XML}<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><bookViews><workbookView/></bookViews>'
                f'<sheets>{sheets}</sheets>{f"<definedNames>{names}</definedNames>" if names else ""}</workbook>')

    def _workbook_rels(self) -> str:
        links = "".join(f'<Relationship Id="rId{n}" Type="{RELS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
                        for n in range(1, len(self.pages) + self.front + 1))
        styles = f'<Relationship Id="rId{len(self.pages) + self.front + 1}" Type="{RELS}/styles" Target="styles.xml"/>'
        return f'{XML}<Relationships xmlns="{PACKAGE_RELS}">{links}{styles}</Relationships>'


def _quoted(name: str) -> str:
    """A sheet name as a formula refers to it: in single quotes, quotes doubled."""
    return "'" + name.replace("'", "''") + "'"


def _absolute(ref: str | None) -> str:
    """A1:N5 as $A$1:$N$5."""
    return ":".join(re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", part) for part in (ref or "").split(":"))

