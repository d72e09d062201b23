"""The rows of an XLSX's first worksheet exactly as openpyxl's read-only `iter_rows(values_only=True)` yields them,
several times faster, in bounded memory.

openpyxl still opens the workbook, so the shared strings, the date styles, the 1904 flag and the sheet's
<dimension> are its own, and its parser reads what precedes and follows the sheet's rows. The rows are read here,
a block of XML at a time (memory stays about two blocks), by regular expressions that know the plain forms Excel,
WPS, XlsxWriter and openpyxl write, once the block is checked for what an XML parser refuses there (bad UTF-8,
control characters, a bare &, ]]>, an undeclared prefix, a repeated attribute). Anything else in a block (a
comment, a rich-text inline string, single-quoted attributes, another encoding, a value openpyxl would refuse or
warn about ...) hands the sheet to openpyxl, which reads it again from the start and gives the rows not yet given:
no cell is read otherwise than openpyxl reads it (tests/test_xlsx_read.py; every XLSX the tests read is read both
ways and compared, tests/conftest.py).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from itertools import islice
from typing import IO, Any

from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.workbook import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import WorkSheetParser

Values = tuple[Any, ...] | list[Any]  # openpyxl yields a list ([]) for a missing row when the sheet has no dimension
BLOCK = 1 << 20  # bytes of sheet XML read at a time
MAX_PENDING = 32 << 20  # a prolog or a row longer than this is left to openpyxl
MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
WS = rb"[ \t\r\n]"
SPACE = b" \t\r\n"
PROLOG = re.compile(rb"(?:\xef\xbb\xbf)?(?:<\?xml" + WS + rb"+version=([\"'])1\.[0-9]\1(?:" + WS
                    + rb"+encoding=([\"'])(?i:utf-8)\2)?(?:" + WS + rb"+standalone=([\"'])(?:yes|no)\3)?" + WS
                    + rb"*\?>)?" + WS + rb"*<worksheet(" + WS + rb"[^<>]*)>")  # the declaration, the root's start tag
SHEET_DATA = re.compile(rb"<sheetData(/?)>")
NAME = rb"[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?"  # an attribute's name, with a prefix or not
ATTRS = rb"((?:" + WS + rb"+" + NAME + rb"=\"[^\"<]*\")*)" + WS + rb"*"
ATTR = re.compile(WS + rb"+(" + NAME + rb")=\"([^\"<]*)\"")
ROW = re.compile(WS + rb"*<row" + ATTRS + rb"(/?)>")
INNER = (rb"(?:<f(?:" + WS + rb"[^<>]*)?(?:/>|>[^<]*</f>)" + WS + rb"*)?"
         rb"(?:<v>([^<]*)</v>" + WS + rb"*|<v/>" + WS + rb"*)?"
         rb"(?:(<is>)(?:<t(?: xml:space=\"preserve\")?>([^<]*)</t>|<t/>)?</is>" + WS + rb"*)?")
JUNK = rb"|([^<]+|<)"  # whatever no cell pattern matches: blank between cells, else the row is not accounted for
# a cell as writers write it (attributes r, s, t, cm, vm, ph in this order): (letters, s, t, v, <is>, its text, junk)
CELL = re.compile(rb"<c r=\"([A-Z]{1,3})[0-9]+\"(?: s=\"(0|[1-9][0-9]*)\")?(?: t=\"([A-Za-z]+)\")?(?: cm=\"[0-9]+\")?"
                  rb"(?: vm=\"[0-9]+\")?(?: ph=\"[0-9]+\")?(?:/>|>" + INNER + rb"</c>)" + WS + rb"*" + JUNK)
# the commonest cells, tried first as the engine is quicker on them: the same tuples (no <is> nor its text)
PLAIN_CELL = re.compile(rb"<c r=\"([A-Z]{1,3})[0-9]+\"(?: s=\"(0|[1-9][0-9]*)\")?(?: t=\"([A-Za-z]+)\")?"
                        rb"(?:/>|>(?:<v>([^<]*)</v>)?</c>)()()" + JUNK)
# a cell with any attributes: (attributes, v, <is>, its text, junk)
ANY_CELL = re.compile(rb"<c" + ATTRS + rb"(?:/>|>" + INNER + rb"</c>)" + WS + rb"*" + JUNK)
COORDINATE = re.compile(rb"([A-Z]{1,3})[0-9]+")
CONTROL = bytes(range(9)) + b"\x0b\x0c" + bytes(range(14, 32))  # characters XML never allows
BARE = re.compile(rb"&(?!(?:lt|gt|amp|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);)|\xef\xbf[\xbe\xbf]")  # nor these
REFERENCE = re.compile(rb"&(?:(lt|gt|amp|quot|apos)|#([0-9]+)|#x([0-9A-Fa-f]+));")
NAMED = {b"lt": "<", b"gt": ">", b"amp": "&", b"quot": '"', b"apos": "'"}
TYPES = {b"b", b"e", b"str", b"inlineStr", b"d"}  # besides n and s
COLUMNS: dict[bytes, int] = {}


class Unaccounted(Exception):
    """Something in the sheet this reader does not decode as openpyxl would: openpyxl reads it."""


def sheet_rows(book: Workbook) -> Iterator[Values]:
    """The first worksheet's rows as `book.worksheets[0].iter_rows(values_only=True)` yields them."""
    sheet = book.worksheets[0]
    given = 0
    if isinstance(sheet, ReadOnlyWorksheet):
        fast = None
        try:
            fast = _FastSheet(book, sheet)
            for block in fast.blocks():
                yield from block
                given += len(block)
            return
        except Exception:  # Unaccounted, or an error openpyxl meets again (a bad CRC ...) and reports as its own
            pass
        finally:
            if fast is not None:
                fast.close()
    yield from islice(sheet.iter_rows(values_only=True), given, None)


class _FastSheet:
    """One pass over a sheet's XML, giving its rows a block at a time (Unaccounted when openpyxl must take over)."""

    def __init__(self, book: Workbook, sheet: ReadOnlyWorksheet) -> None:
        # openpyxl's own reading of the workbook, from its private attributes (AttributeError: openpyxl reads)
        self.archive: zipfile.ZipFile = book._archive  # type: ignore[attr-defined]
        self.part: str = sheet._worksheet_path  # type: ignore[attr-defined]
        self.strings: list[str] = sheet._shared_strings  # type: ignore[attr-defined]
        self.epoch: dt.datetime = book.epoch
        self.date_styles = {str(style).encode() for style in book._date_formats}  # type: ignore[attr-defined]
        self.durations: set[int] = book._timedelta_formats  # type: ignore[attr-defined]
        self.rows = _Rows(sheet.max_column, sheet.max_row)
        self.source: IO[bytes] | None = None
        self.prefixes = {b"xml"}  # namespace prefixes the root declares, for the rows' attributes
        self.row_number = 0
        self.plain = self.simple = True

    def close(self) -> None:
        """Close the sheet's stream."""
        if self.source is not None:
            self.source.close()

    def blocks(self) -> Iterator[list[Values]]:
        """Lists of rows as openpyxl yields them, a block of XML at a time."""
        self.source = self.archive.open(self.part)
        start, pending, empty = self._prolog()
        end = 0 if empty else pending.find(b"</sheetData>")
        while end < 0:
            cut = pending.rfind(b"</row>") + 6
            if cut > 5:
                yield self._decode(pending[:cut])
                pending = pending[cut:]
                if self.rows.done:
                    yield self.rows.finish()
                    return
            chunk = self.source.read(BLOCK)
            if not chunk or len(pending) > MAX_PENDING:
                raise Unaccounted("a row without end, or no end of sheetData")
            pending += chunk
            end = pending.find(b"</sheetData>")
        rows = self._decode(pending[:end])
        if not self.rows.done:  # openpyxl reads what follows the rows unless it stopped at the dimension's last row
            _no_rows(_Chain(start + (pending if empty else pending[end + len(b"</sheetData>"):]), self.source))
        yield rows + self.rows.finish()

    def _prolog(self) -> tuple[bytes, bytes, bool]:
        """The root's start tag, what follows <sheetData>, whether it is <sheetData/>; what precedes it is read by
        openpyxl's parser for what it would refuse."""
        assert self.source is not None
        head = b""
        while not (found := SHEET_DATA.search(head)):
            chunk = self.source.read(BLOCK)
            if not chunk or len(head) > MAX_PENDING:
                raise Unaccounted("no sheetData")
            head += chunk
        prolog = PROLOG.match(head)
        if not prolog or not re.fullmatch(ATTRS, prolog.group(4)):
            raise Unaccounted("another encoding, or single quotes")
        declared = dict(ATTR.findall(prolog.group(4)))
        if declared.get(b"xmlns") != MAIN:
            raise Unaccounted("another namespace")
        self.prefixes |= {name[6:] for name in declared if name.startswith(b"xmlns:")}
        _no_rows(head[: found.start()] + b"</worksheet>")
        return b"<worksheet" + prolog.group(4) + b">", head[found.end():], bool(found.group(1))

    def _decode(self, xml: bytes) -> list[Values]:
        """The rows of a run of <row> elements, as openpyxl yields them."""
        if not xml.isascii():
            xml.decode("utf-8")  # UnicodeDecodeError: openpyxl's parser refuses the file
        if len(xml.translate(None, CONTROL)) < len(xml) or b"]]>" in xml or not _references(xml):
            raise Unaccounted("not XML")
        self.plain = b"&" not in xml and b"\r" not in xml  # text is its bytes decoded
        self.simple = b"<is>" not in xml and b"<f" not in xml  # PLAIN_CELL may read every cell
        out: list[Values] = []
        position, end = 0, len(xml)
        while position < end and not self.rows.done:
            found = ROW.match(xml, position)
            if not found:
                if xml[position:].strip(SPACE):
                    raise Unaccounted("not a row")
                break
            self.row_number = _row_number(self._attributes(found.group(1)), self.row_number)
            cells: Values | None = None if self.rows.width else ()
            if found.group(2):
                position = found.end()
            else:
                position = xml.find(b"</row>", found.end())
                if position < 0:
                    raise Unaccounted("a row without end")
                cells = self._cells(xml[found.end():position])
                position += 6
            self.rows.add(self.row_number, cells, out)
        return out

    def _cells(self, xml: bytes) -> Values:
        """A row's values as openpyxl gives them, from the XML of its cells."""
        found = self._written(PLAIN_CELL, xml) if self.simple else None
        if found is None:
            found = self._written(CELL, xml)
        return self.rows.values(self._any_cells(xml)) if found is None else found

    def _written(self, pattern: re.Pattern[bytes], xml: bytes) -> tuple[Any, ...] | None:
        """The row's values when every cell is in the pattern's form (PLAIN_CELL or CELL), else None: as wide as the
        dimension, else (no dimension, or reset_dimensions) up to the row's last cell, as openpyxl gives them."""
        pairs: list[tuple[int, Any]] = []
        strings, dates, plain = self.strings, self.date_styles, self.plain
        value: Any
        for letters, style, kind, text, opened, inline, junk in pattern.findall(xml):
            if junk:
                if junk.strip(SPACE):
                    return None
                continue
            index = COLUMNS.get(letters)
            if index is None:
                index = _column(letters) - 1
            if kind == b"s":
                value = strings[int(text)] if text else None
            elif kind == b"inlineStr" and plain:
                value = inline.decode() if opened else None
            elif kind and kind != b"n":
                value = self._typed(kind, text, opened, inline)
            elif not text:
                value = None
            elif style in dates:
                value = self._date(text, style)
            else:
                value = float(text) if b"." in text or b"E" in text or b"e" in text else int(text)
            pairs.append((index, value))
        width = self.rows.width if self.rows.width is not None else pairs[-1][0] + 1 if pairs else 0
        values: list[Any] = [None] * width
        for index, value in pairs:
            if index < width:  # a cell past the dimension is read all the same: openpyxl would raise on it
                values[index] = value
        return tuple(values)

    def _any_cells(self, xml: bytes) -> list[tuple[int, Any]]:
        """The cells of a row whose attributes are not in the writers' order, read as openpyxl reads each."""
        cells, column = [], 0
        for attributes, value, opened, inline, junk in ANY_CELL.findall(xml):
            if junk:
                if junk.strip(SPACE):
                    raise Unaccounted("a cell in another form")
                continue
            attrs = self._attributes(attributes)
            reference, style, kind = attrs.get(b"r", b""), attrs.get(b"s", b""), attrs.get(b"t", b"n")
            letters = COORDINATE.fullmatch(reference)
            if reference and not letters or style and not style.isdigit():
                raise Unaccounted("a cell reference or style")
            column = _column(letters.group(1)) if letters else column + 1
            style = str(int(style)).encode() if style else b""
            cells.append((column, self._value(kind, style, value, opened, inline)))
        return cells

    def _value(self, kind: bytes, style: bytes, value: bytes, opened: bytes, inline: bytes) -> Any:
        """A cell's value from its type, style and text, as openpyxl's WorkSheetParser.parse_cell gives it."""
        if kind == b"s":
            return self.strings[int(value)] if value else None
        if kind != b"n":
            return self._typed(kind, value, opened, inline)
        if not value:
            return None
        if style in self.date_styles:
            return self._date(value, style)
        return float(value) if b"." in value or b"E" in value or b"e" in value else int(value)

    def _date(self, value: bytes, style: bytes) -> Any:
        """A number in a date style: a datetime, time or timedelta (1900 or 1904 dates, as the workbook says)."""
        number = float(value) if b"." in value or b"E" in value or b"e" in value else int(value)
        try:
            return from_excel(number, self.epoch, timedelta=int(style) in self.durations)
        except (OverflowError, ValueError):  # openpyxl warns and gives '#VALUE!'
            raise Unaccounted("a date out of range") from None

    def _typed(self, kind: bytes, value: bytes, opened: bytes, inline: bytes) -> Any:
        """A cell of another type: boolean, error, formula string, inline string, ISO date."""
        if kind not in TYPES:
            raise Unaccounted("a cell type")
        if kind == b"inlineStr":
            return _text(inline) if opened else None
        if not value:
            return None
        if kind == b"b":
            return bool(int(value))
        return from_ISO8601(_text(value)) if kind == b"d" else _text(value)

    def _attributes(self, xml: bytes) -> dict[bytes, bytes]:
        """The attributes of a row's or cell's start tag, when an XML parser would take them as written."""
        found = ATTR.findall(xml)
        attributes = dict(found)
        prefixes = {name.split(b":")[0] for name in attributes if b":" in name}
        if len(attributes) < len(found) or b"xmlns" in xml or not prefixes <= self.prefixes:
            raise Unaccounted("a repeated attribute, a namespace declared or not declared")
        return attributes


class _Rows:
    """openpyxl's ReadOnlyWorksheet._cells_by_row from column 1 and row 1: missing rows filled, rows cut or padded
    to the <dimension>'s width, nothing after its last row."""

    def __init__(self, max_column: int | None, max_row: int | None) -> None:
        self.width, self.last = max_column, max_row
        self.empty: Values = (None,) * max_column if max_column is not None else []
        self.counter, self.index, self.done = 1, 1, False

    def add(self, index: int, values: Values | None, out: list[Values]) -> None:
        """Append to out the rows openpyxl yields for the row numbered index."""
        self.index = index
        if self.last is not None and index > self.last:
            self.done = True
            return
        if self.counter < index:
            out.extend([self.empty] * (index - self.counter))
            self.counter = index
        if self.counter <= index:
            out.append(self.empty if values is None else values)
            self.counter += 1

    def finish(self) -> list[Values]:
        """The empty rows openpyxl gives after stopping at the <dimension>'s last row."""
        if self.last is not None and self.last < self.index:
            return [self.empty] * max(0, self.last + 1 - self.counter)
        return []

    def values(self, cells: list[tuple[int, Any]]) -> tuple[Any, ...]:
        """A row's values from (column, value) pairs: as wide as the dimension, else up to its last cell."""
        if not cells and not self.width:
            return ()
        width = self.width or cells[-1][0]
        values: list[Any] = [None] * width
        for column, value in cells:
            if 1 <= column <= width:
                values[column - 1] = value
        return tuple(values)


class _Chain(io.RawIOBase):
    """A head of bytes, then the rest of a stream: the root's start tag before what follows the rows."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self.head, self.rest = head, rest

    def readable(self) -> bool:
        """It is."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Bytes of the head, then of the rest."""
        data = self.head[: len(buffer)] or self.rest.read(len(buffer))
        self.head = self.head[len(data):]
        buffer[: len(data)] = data
        return len(data)


def _no_rows(source: bytes | _Chain) -> None:
    """Run openpyxl's sheet parser over XML that holds no rows: any error or row is left to openpyxl."""
    stream = io.BytesIO(source) if isinstance(source, bytes) else io.BufferedReader(source)
    try:
        found = next(iter(WorkSheetParser(stream, []).parse()), None)
    except Exception:  # whatever openpyxl raises here, it raises again reading the sheet itself
        raise Unaccounted("openpyxl refuses what surrounds the rows") from None
    if found is not None:
        raise Unaccounted("a row outside sheetData")


def _row_number(attributes: dict[bytes, bytes], previous: int) -> int:
    """A row's number: its r attribute, else the one after the previous row (as openpyxl counts)."""
    number = attributes.get(b"r")
    if number is None:
        return previous + 1
    if not number.isdigit():
        raise Unaccounted("a row number")
    return int(number)


def _column(letters: bytes) -> int:
    """1-based column of a reference's letters (A=1, AA=27), remembered 0-based."""
    column = column_index_from_string(letters.decode())
    COLUMNS[letters] = column - 1
    return column


def _references(xml: bytes) -> bool:
    """Whether every & starts an entity or character reference an XML parser takes without a DTD (and no U+FFFE/F)."""
    if b"&" not in xml and b"\xef\xbf" not in xml:
        return True
    return not BARE.search(xml) and all(map(_legal, REFERENCE.findall(xml)))


def _legal(reference: tuple[bytes, bytes, bytes]) -> bool:
    """Whether a character reference names a character XML allows."""
    named, decimal, hexadecimal = reference
    if named:
        return True
    code = int(decimal or hexadecimal, 10 if decimal else 16)
    return code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF


def _text(raw: bytes) -> str:
    """Character data as an XML parser gives it: line ends made \\n, the five entities and character references."""
    if b"\r" in raw:
        raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if b"&" not in raw:
        return raw.decode("utf-8")
    parts, position = [], 0
    for found in REFERENCE.finditer(raw):
        parts.append(raw[position:found.start()].decode("utf-8"))
        named, decimal, hexadecimal = found.groups()
        parts.append(NAMED[named] if named else chr(int(decimal or hexadecimal, 10 if decimal else 16)))
        position = found.end()
    parts.append(raw[position:].decode("utf-8"))
    return "".join(parts)
