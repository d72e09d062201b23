"""Read the cells people type or Excel/WPS write: dates, numbers with separators and 万, option labels."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation, Overflow
from typing import Any

from checker.problems import ProblemError, shown
from checker.rules.schema import FieldDecl

EXCEL_EPOCH = dt.date(1899, 12, 30)
SERIAL_RANGE = (20000, 80000)  # 1954 .. 2119: a bare number in a date column read as an Excel serial
DATE_PATTERNS = (
    re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)
TIME_TAIL = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
BRACKETS = re.compile(r"[(（\[【].*?[)）\]】]")
PLACE_SUFFIXES = ("市", "区", "省", "县")
YUAN_UNITS = {"万元", "万"}
WAN_SCALES = (("亿", Decimal(10000)), ("万", Decimal(1)))  # multipliers of a money text, in 万元
PLAIN_NUMBER = re.compile(r"[-+]?[0-9]+(\.[0-9]*)?")
_OPTIONS: dict[int, tuple[FieldDecl, dict[str, str]]] = {}


def norm(text: str) -> str:
    """Text folded for comparison: NFKC (full-width to half-width), no spaces, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def date_cell(raw: Any) -> dt.date:
    """A date from a date cell, an Excel serial or text like 2021/11/7, 2021.11.7, 2021年11月7日, 20211107."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return _serial(raw)
    text = norm(TIME_TAIL.sub("", unicodedata.normalize("NFKC", str(raw)).strip()))
    if re.fullmatch(r"\d{5}(\.0+)?", text):
        return _serial(float(text), raw)
    for pattern in DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            try:
                return dt.date(*(int(g) for g in match.groups()))
            except ValueError:  # written as a date, but no such day (2019/13/40, 2019年2月30日)
                raise ProblemError("problem.no_such_date", value=shown(raw)) from None
    raise ProblemError("problem.not_a_date", value=shown(raw))


def _serial(number: float, raw: Any = None) -> dt.date:
    """The date of an Excel date serial (days since 1899-12-30)."""
    if not SERIAL_RANGE[0] <= number <= SERIAL_RANGE[1] or number != int(number):
        raise ProblemError("problem.not_a_date", value=shown(raw if raw is not None else number))
    return EXCEL_EPOCH + dt.timedelta(days=int(number))


def number_text(raw: str, unit: str | None) -> Decimal:
    """A number typed as text: thousands separators (5,000 / 5，000), a trailing unit, 万 where sensible."""
    if PLAIN_NUMBER.fullmatch(raw):  # the common case, as a program or Excel writes it: no folding needed
        try:
            return Decimal(raw)
        except InvalidOperation:
            pass
    text = norm(raw).replace(",", "").replace("_", "")
    unit_text, scale = norm(unit or ""), Decimal(1)
    if unit_text in YUAN_UNITS:
        text, scale = _in_wan(text, raw)
    elif unit_text and text.endswith(unit_text) and text != unit_text:
        text = text[: -len(unit_text)]
    elif text.endswith("万") and len(text) > 1:
        text, scale = text[:-1], Decimal(10000)
    return _times(_decimal(text, raw), scale)


def _decimal(text: str, raw: str) -> Decimal:
    """The number a folded text is, else a not_a_number problem naming the cell as typed."""
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ProblemError("problem.not_a_number", value=shown(raw)) from None


def _times(number: Decimal, scale: Decimal) -> Decimal:
    """number * scale; past Decimal's exponent range (1e990000000) an infinity of its sign, refused as not finite
    by the caller rather than raising decimal.Overflow out of the reader."""
    try:
        return number * scale
    except Overflow:
        return Decimal("Infinity").copy_sign(number)


def _in_wan(text: str, raw: str) -> tuple[str, Decimal]:
    """A money text in 万元 split into its number and scale: 1.2亿(元) is 12000, 3000万(元) 3000, 5000元 0.5;
    3千万 is refused with the number to write instead (3000)."""
    body = text[:-1] if text.endswith("元") and len(text) > 1 else text
    if body.endswith("千万") and len(body) > 2:
        number = _times(_decimal(body[:-2], raw), Decimal(1000))
        if not number.is_finite():
            raise ProblemError("problem.not_finite")
        raise ProblemError("problem.write_in_wan", value=shown(raw), number=f"{number.normalize():f}")
    for suffix, scale in WAN_SCALES:
        if body.endswith(suffix) and len(body) > len(suffix):
            return body[: -len(suffix)], scale
    return (body, Decimal("0.0001")) if body != text else (text, Decimal(1))


def label_key(text: str) -> str:
    """A label folded for matching: no bracketed notes, no trailing 市/区/省/县 (北京市 = 北京, 海淀区 = 海淀)."""
    folded = norm(BRACKETS.sub("", unicodedata.normalize("NFKC", text))) or norm(text)
    for suffix in PLACE_SUFFIXES:
        if folded.endswith(suffix) and len(folded) > 2:
            return folded[: -len(suffix)]
    return folded


def option_index(decl: FieldDecl) -> dict[str, str]:
    """Every accepted spelling of a field's options (code, zh and en labels, short forms) to the code (built once)."""
    found = _OPTIONS.get(id(decl))
    if found is None or found[0] is not decl:
        if len(_OPTIONS) >= 4096:  # decls of packs replaced by staff edits: bounded, never a leak
            _OPTIONS.clear()
        found = _OPTIONS[id(decl)] = (decl, _option_index(decl))
    return found[1]


def _option_index(decl: FieldDecl) -> dict[str, str]:
    index: dict[str, str] = {}
    short: dict[str, set[str]] = {}
    for choice in decl.values or ():
        for spelling in (choice.value, choice.label.zh, choice.label.en):
            index.setdefault(norm(spelling), choice.value)
            short.setdefault(label_key(spelling), set()).add(choice.value)
    for key, codes in short.items():
        if len(codes) == 1:
            index.setdefault(key, next(iter(codes)))
    return index


def option_cell(decl: FieldDecl, text: str) -> str:
    """The code of an option given as its code or its Chinese or English label; the error lists the labels."""
    index = option_index(decl)
    code = index.get(norm(text)) or index.get(label_key(text))
    if code is None:
        accepted = ", ".join(f"{c.label.zh} ({c.value})" for c in decl.values or ())
        raise ProblemError("problem.not_an_option", value=text, accepted=accepted)
    return code
