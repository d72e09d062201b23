"""A large CSV file cut in two at a line end, so that a forked process can read and check its second half while this
one reads the first (`checker batch` on two cores).

The cut is found on the bytes: a line end is taken as a record's end when the quotes before it are even in number
(CSV as Excel and WPS write it). A file may break that rule (a stray quote inside an unquoted cell, which Python's csv
reads as a plain character), so the cut is proved where the first half is read: that half is read to the cut and
then a sentinel record; only if the reader gives the sentinel as a record of its own, numbered as the cut said, did
the cut fall between records and were the records before it counted right. Otherwise the second half's work is
thrown away and the file read on from the first half's last record, as if it had never been cut.

UTF-8 and GB18030 (the encodings a batch reads) never use the bytes of a quote or a line end inside a character, so
bytes and text agree on where they are. A file with a lone carriage return (a line end of old Macs) is not cut.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np

SPLIT_BYTES = 1 << 20  # files smaller than this are read in one process: a fork costs more than half of their reading
BLOCK = 1 << 22  # bytes scanned at a time while looking for the cut
QUOTE, LF, CR = 34, 10, 13
SENTINEL = "\u2063checker-cut\u2063"  # the record read after the first half (a text no cell of a real file holds)
ENCODINGS = ("utf-8-sig", "gb18030")


@dataclass(frozen=True)
class Cut:
    """Where a file is cut: the first byte of its second half, the row number of the record starting there (header
    row 1), and the encoding each half is read in."""

    at: int
    number: int
    encoding: str

    @property
    def unmarked(self) -> str:
        """The encoding of text that does not start the file (the second half, the sentinel): a byte-order mark is one
        only at the file's start."""
        return "utf-8" if self.encoding == "utf-8-sig" else self.encoding


def find_cut(path: Path, encoding: str, first_row: int, least: int = SPLIT_BYTES) -> Cut | None:
    """The line end nearest after the middle of the file whose quotes before it are even, as a Cut (first_row: the
    number of the first record after the header); None for a small file, another encoding, a lone carriage return,
    or no such line end in the second half."""
    size = path.stat().st_size
    if size < least or encoding not in ENCODINGS:
        return None
    quotes = ends = 0  # quotes seen so far, records ended so far (the header's among them)
    last = 0  # the byte before the block (a carriage return must be followed by a line feed)
    with path.open("rb") as stream:
        start = 0
        while block := stream.read(BLOCK):
            data = np.frombuffer(block, dtype=np.uint8)
            if _lone_return(data, last):
                return None
            lines, marks = np.flatnonzero(data == LF), np.flatnonzero(data == QUOTE)
            even = (quotes + np.searchsorted(marks, lines)) % 2 == 0
            if start + len(block) > size // 2:
                past = even & (lines + start >= size // 2)
                if past.any():
                    at = int(np.argmax(past))
                    if start + int(lines[at]) + 1 < size:
                        return Cut(start + int(lines[at]) + 1, first_row + ends + int(even[:at].sum()), encoding)
            quotes += len(marks)
            ends += int(even.sum())
            last, start = int(data[-1]), start + len(block)
    return None


def _lone_return(data: np.ndarray, last: int) -> bool:
    """Whether a block holds a carriage return not followed by a line feed (the block before ended with `last`)."""
    if last == CR and data[0] != LF:
        return True
    returns = np.flatnonzero(data[:-1] == CR)
    return bool((data[returns + 1] != LF).any())


class _Span(io.RawIOBase):
    """The bytes [start, stop) of a file (stop None: to its end), then `tail`."""

    def __init__(self, path: Path, start: int, stop: int | None, tail: bytes = b"") -> None:
        super().__init__()
        self.file: io.BufferedReader = path.open("rb")
        self.file.seek(start)
        self.left = -1 if stop is None else stop - start
        self.tail = tail

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self.left:
            got = self.file.readinto(view if self.left < 0 else view[:self.left]) or 0
            if got:
                self.left -= got if self.left > 0 else 0
                return got
            self.left = 0  # the file ended
        taken, self.tail = self.tail[:len(view)], self.tail[len(view):]
        view[:len(taken)] = taken
        return len(taken)

    def close(self) -> None:
        self.file.close()
        super().close()


def first_half(path: Path, cut: Cut) -> TextIO:
    """The file's text to the cut, then the sentinel record (see Proof)."""
    tail = f"{SENTINEL}\r\n".encode(cut.unmarked)
    return io.TextIOWrapper(io.BufferedReader(_Span(path, 0, cut.at, tail)), encoding=cut.encoding, newline="")


def second_half(path: Path, cut: Cut) -> TextIO:
    """The file's text from the cut to its end."""
    return io.TextIOWrapper(io.BufferedReader(_Span(path, cut.at, None)), encoding=cut.unmarked, newline="")


class Proof:
    """The records of a first half read up to its sentinel: proved once the header is the file's and the sentinel
    arrives alone, numbered as the cut said; `last`: the number of the last record given (the file is read on after
    it when the cut was wrong)."""

    def __init__(self, cut: Cut, header: list[str]) -> None:
        self.cut, self.header = cut, header
        self.proved = False
        self.last = 0

    def records(self, items: Iterator[Any]) -> Iterator[Any]:
        """The records of the items (the header, then (number, cells) tuples or Rows), each but the last given as it
        comes: the last is the sentinel (then the cut is proved) or a record the sentinel ran into (held back)."""
        if next(items, None) != self.header:
            return
        held = None
        for item in items:
            if held is not None:
                self.last = number_of(held)
                yield held
            held = item
        self.proved = held == (self.cut.number, [SENTINEL])


def number_of(record: Any) -> int:
    """The row number of a record as the CSV readers give it: (number, cells), or the Row of an unreadable line."""
    return int(record[0]) if isinstance(record, tuple) else int(record.number)
