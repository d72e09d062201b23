"""Plain numbers (cells.PLAIN_NUMBER: 12, -3.5, +7, 12.) of a column of text cells, read at once from the column's bytes.

A column's cells are joined into one byte array and checked, counted and summed with numpy over its bytes (a cell's
sums by np.add.reduceat from its first byte), so a file's column of 20,000 amounts costs a few array passes instead
of a Python call or a fixed-width string per cell. A value is its digits as one whole number divided by a power of
ten: with at most 15 digits both are exact doubles and the one division is correctly rounded, so the value is
float(text) to the bit; a longer cell is read by float() itself.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

EXACT_DIGITS = 15  # digits whose whole number is an exact double (< 2**53): read by one correctly rounded division
POWERS = np.array([float(10**k) for k in range(EXACT_DIGITS + 1)])  # exact doubles, each
BREAK, PLUS, MINUS, DOT, ZERO, NINE = (ord(c) for c in "\n+-.09")


def plain_cells(texts: Sequence[str], width: int, whole: bool) -> tuple[np.ndarray, np.ndarray]:
    """Which cells are plain numbers of 1..width characters (an optional sign, ASCII digits, the first a digit, at most
    one dot after it, none if whole) and their values, float(text) (NaN elsewhere)."""
    data, starts = _bytes(texts)
    size = len(data) - 1  # the last byte is a break closing the last cell
    digit = (data >= ZERO) & (data <= NINE)
    dot = data == DOT
    first = data[starts]
    signed = (first == PLUS) | (first == MINUS)
    after_sign = starts + signed
    other = ~(digit | dot | (data == BREAK))
    other[starts[signed]] = False  # a sign is a cell's first character or else stray
    lengths = np.diff(starts, append=size + 1) - 1
    dots = np.add.reduceat(dot, starts, dtype=np.int32)
    ok = ((lengths > 0) & (lengths <= width) & ~np.logical_or.reduceat(other, starts) & digit[after_sign]
          & (dots <= (0 if whole else 1)))
    return ok, _values(texts, data, starts, ok, digit, dot, first == MINUS)


def _bytes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The cells as one array of bytes, each closed by a line break, each character past ASCII one '?' (so a cell keeps
    its length and is no plain number); where each cell starts."""
    joined = "\n".join(texts)
    if joined.count("\n") != len(texts) - 1:  # a cell holds a line break: never a plain number
        joined = "\n".join(text.replace("\n", "?") for text in texts)
    data = np.frombuffer((joined + "\n").encode("ascii", "replace"), dtype=np.uint8)
    return data, np.append(0, np.flatnonzero(data[:-1] == BREAK) + 1)


def _values(texts: Sequence[str], data: np.ndarray, starts: np.ndarray, ok: np.ndarray, digit: np.ndarray,
            dot: np.ndarray, negative: np.ndarray) -> np.ndarray:
    """float(text) of the plain cells, NaN elsewhere: the digits as a whole number over the power of ten of the digits
    after the dot (exact, then one rounding) where there are at most EXACT_DIGITS of them, float() otherwise."""
    seen = np.cumsum(digit, dtype=np.int64 if len(data) >= 2**31 else np.int32)  # digits up to each byte
    spans = np.diff(starts, append=len(data))
    after = np.repeat(seen[starts + spans - 1], spans) - seen  # digits after each byte in its cell
    count = np.add.reduceat(digit, starts, dtype=np.int32)
    place = np.minimum(after, EXACT_DIGITS)  # a longer cell's digits are read by float()
    whole = np.add.reduceat(np.where(digit, (data - ZERO) * POWERS[place], 0.0), starts)
    scale = np.add.reduceat(np.where(dot, place, 0), starts)
    quick = ok & (count <= EXACT_DIGITS)
    values = np.full(len(ok), np.nan)
    values[quick] = whole[quick] / POWERS[scale[quick]]
    values[quick & negative] *= -1.0  # -0 is -0.0, as float("-0")
    for row in np.flatnonzero(ok & ~quick).tolist():
        values[row] = float(texts[row])
    return values
