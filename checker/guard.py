"""The one guard every input file passes before it is parsed (CLI batch and web uploads alike).

It answers fast and in bounded memory: an XLSX's parts are sized from the zip directory and every XML
part is scanned whole, streaming in blocks, for DTDs and entity declarations (a DTD after a long comment
is found too); a CSV's header line is read with a byte cap and its columns counted.
Readers then enforce the per-row limits (columns, cells, line length) while streaming.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TextIO

MIB = 2**20
DIMENSION = re.compile(rb'<dimension ref="([A-Za-z]{1,3})(\d{1,7}):([A-Za-z]{1,3})(\d{1,7})"')
DTD_MARKS = tuple(mark.encode(enc) for mark in ("<!DOCTYPE", "<!ENTITY") for enc in ("utf-8", "utf-16-le", "utf-16-be"))
OVERLAP = max(len(mark) for mark in DTD_MARKS) - 1  # bytes kept between blocks so a mark split across them is found
BLOCK = 256 * 1024
TEXT_BLOCK = 256 * 1024  # characters of CSV text read at a time (bounded_lines)


class InputRefused(ValueError):
    """The file as a whole breaks a limit; nothing of it was parsed."""


@dataclass(frozen=True)
class Limits:
    """What one input file may hold."""

    max_columns: int = 500
    max_cells: int = 200_000_000
    max_line_bytes: int = 1 * MIB
    max_uncompressed: int = 200 * MIB
    max_shared_strings: int = 32 * MIB
    max_part: int = 150 * MIB
    max_parts: int = 1000
    max_ratio: int = 200
    prolog_bytes: int = 64 * 1024


DEFAULT = Limits()


def check_file(path: Path, limits: Limits = DEFAULT) -> None:
    """Refuse a file that breaks a limit before any parser sees it (InputRefused names the limit)."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        check_xlsx(path, limits)
    elif suffix == ".csv":
        check_csv_header(path, limits)


def check_xlsx(path: Path, limits: Limits = DEFAULT) -> None:
    """Sizes of every part from the zip directory (total, each, sharedStrings, ratio) and no DTD in any part."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            _sizes(members, limits)
            for member in members:  # every part, whatever its name: a renamed sheet is parsed as XML all the same
                _no_dtd(archive, member, limits)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, zlib.error):
        raise InputRefused("the file cannot be opened as XLSX (not a valid zip archive)") from None


def _sizes(members: list[zipfile.ZipInfo], limits: Limits) -> None:
    if len(members) > limits.max_parts:
        raise InputRefused(f"the XLSX file has more than {limits.max_parts} parts")
    for member in members:
        cap = limits.max_shared_strings if member.filename.lower().endswith("sharedstrings.xml") else limits.max_part
        if member.file_size > cap:
            raise InputRefused(f"the XLSX part {member.filename} would unpack to {member.file_size // MIB} MiB uncompressed "
                               f"(limit {cap // MIB} MiB)")
    total = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members) or 1
    if total > limits.max_uncompressed or (total / packed > limits.max_ratio and total > 10 * MIB):
        raise InputRefused(f"the XLSX file would unpack to {total // MIB} MiB uncompressed, more than allowed "
                           f"({limits.max_uncompressed // MIB} MiB)")


def _no_dtd(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limits: Limits) -> None:
    """Refuse a part declaring a DTD or entities anywhere in it, and a sheet whose <dimension> claims too many cells."""
    with archive.open(member) as stream:
        head = stream.read(limits.prolog_bytes)
        if _has_dtd(head, stream):
            raise InputRefused(f"the XLSX part {member.filename} declares a DTD or entities, which spreadsheets never need")
    if "worksheets/" in member.filename and _dimension_cells(head) > limits.max_cells:
        raise InputRefused(f"the sheet {member.filename} spans {_dimension_cells(head)} cells (at most {limits.max_cells})")


def _has_dtd(head: bytes, stream: IO[bytes]) -> bool:
    """Whether a DTD mark is in the head or in the rest of the stream, read in blocks (memory stays about one block;
    the part's size is capped by the zip directory check before)."""
    if any(mark in head for mark in DTD_MARKS):
        return True
    tail = head[-OVERLAP:]
    while block := stream.read(BLOCK):
        window = tail + block
        if any(mark in window for mark in DTD_MARKS):
            return True
        tail = window[-OVERLAP:]
    return False


def check_csv_header(path: Path, limits: Limits = DEFAULT) -> None:
    """The header line ends within max_line_bytes and names at most max_columns columns."""
    with path.open("rb") as stream:
        line = stream.readline(limits.max_line_bytes + 1)
    if len(line) > limits.max_line_bytes:
        raise InputRefused(f"the CSV header line is longer than {limits.max_line_bytes // 1024} KiB")
    text = line.decode("utf-8", errors="replace") if line else ""
    try:
        count = len(next(csv.reader([text.rstrip("\r\n")]), []))
    except csv.Error:  # a stray carriage return: count the separators instead (the reader reports the real error)
        count = text.count(",") + 1
    if count > limits.max_columns:
        raise InputRefused(f"the CSV header has {count} columns (at most {limits.max_columns})")


def check_columns(count: int, limits: Limits = DEFAULT) -> None:
    """Refuse a header (of any format) naming more than max_columns columns."""
    if count > limits.max_columns:
        raise InputRefused(f"the header has {count} columns (at most {limits.max_columns})")


def bounded_lines(stream: TextIO, limits: Limits = DEFAULT, drop: str = "") -> Iterator[str]:
    """The lines of a text stream opened with newline="" (each ended by \\n, \\r or \\r\\n, as its readline
    ends them), read a block at a time with a cap: the file is refused when the reader reaches the first line longer
    than max_line_bytes (the lines before it are read). `drop`: a character removed from every line (after the cap
    is measured)."""
    return itertools.chain.from_iterable(_line_blocks(stream, limits, drop))


def _line_blocks(stream: TextIO, limits: Limits, drop: str) -> Iterator[list[str]]:
    """bounded_lines a block of text at a time: a block is completed to its line's end (at most max_line_bytes more),
    split as the stream's readline splits, and its lines measured at once."""
    cap, number, carry = limits.max_line_bytes, 0, ""
    while block := carry + stream.read(TEXT_BLOCK):
        carry = ""
        if block[-1] == "\r":  # \r\n split between two reads is one line end
            carry = stream.read(1)
            if carry == "\n":
                block, carry = block + carry, ""
        elif block[-1] != "\n":
            block += stream.readline(cap + 1)
        lines = io.StringIO(block, newline="").readlines()
        if len(block) > cap and max(map(len, lines)) > cap:
            at = next(at for at, line in enumerate(lines) if len(line) > cap)
            yield _without(lines[:at], drop, block)
            raise InputRefused(f"line {number + at + 1} is longer than {cap // 1024} KiB")
        number += len(lines)
        yield _without(lines, drop, block)


def _without(lines: list[str], drop: str, block: str) -> list[str]:
    """The lines with `drop` removed (looked for once in their block)."""
    return [line.replace(drop, "") for line in lines] if drop and drop in block else lines


def _dimension_cells(head: bytes) -> int:
    """Cells a worksheet claims in its <dimension ref="A1:Z100">, 0 when it does not say."""
    found = DIMENSION.search(head)
    if not found:
        return 0
    first_col, first_row, last_col, last_row = found.groups()
    return (_column(last_col) - _column(first_col) + 1) * (int(last_row) - int(first_row) + 1)


def _column(letters: bytes) -> int:
    """1-based number of a column name (A=1, AA=27)."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number
