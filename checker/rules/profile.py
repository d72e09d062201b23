"""Parse and validate company profiles against the field declarations in rules/."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping, Sequence

import numpy as np

from checker.problems import Problem, ProblemError, plain, problem_of, shown
from checker.rules.cells import PLAIN_NUMBER, date_cell, number_text, option_cell
from checker.rules.plain import plain_cells
from checker.rules.schema import FieldDecl

UNKNOWN_WORDS = {"", "不清楚", "不知道", "unknown", "don't know", "dont know", "n/a", "null", "none?"}
TRUE_WORDS = {"true", "是", "1", "yes", "y", "t"}
FALSE_WORDS = {"false", "否", "0", "no", "n", "f"}
META_KEYS = {"id"}
MAX_MAGNITUDE = 1e12
PLAUSIBLE_WAN = 1e7  # 1,000 亿元: past it a money answer in 万元 is most likely typed in 元 (warned, kept)
CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
SCIENTIFIC = re.compile(r"[0-9](\.[0-9]+)?[eE]\+?[0-9]+")  # 9.11101017847025E+17: a number as Excel shows it
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@dataclass
class FieldProblem:
    """One rejected answer: which field, and why (a Problem, put into words where it is shown)."""

    field: str
    problem: Problem

    @property
    def message(self) -> str:
        """Why, in English (the CLI and the API)."""
        return str(self.problem)

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class ProfileError(ValueError):
    """A profile failed validation; `problems` names every bad field."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def credit_code_valid(code: str) -> bool:
    """Whether an 18-character 统一社会信用代码 carries the right GB 32100-2015 check digit."""
    if len(code) != 18 or any(c not in CREDIT_CHARS for c in code):
        return False
    total = sum(CREDIT_CHARS.index(c) * w for c, w in zip(code[:17], CREDIT_WEIGHTS))
    return CREDIT_CHARS[(31 - total % 31) % 31] == code[17]


def _is_unknown(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip().lower() in UNKNOWN_WORDS)


def _number(raw: Any, integer: bool, unit: str | None = None) -> float | int:
    if isinstance(raw, bool):
        raise ProblemError("problem.number_not_bool")
    if isinstance(raw, Decimal):
        raw = str(raw)
    if isinstance(raw, str):
        value = number_text(raw, unit)
        if not value.is_finite():
            raise ProblemError("problem.not_finite")
        if integer and abs(value) > MAX_MAGNITUDE:  # refused below all the same: int(1e999999) takes minutes
            raise ProblemError("problem.too_large", limit=plain(MAX_MAGNITUDE))
        raw = int(value) if integer and value == value.to_integral_value() else float(value)
    if not isinstance(raw, (int, float)) or (isinstance(raw, float) and not math.isfinite(raw)):
        raise ProblemError("problem.not_finite")
    if abs(raw) > MAX_MAGNITUDE:
        raise ProblemError("problem.too_large", limit=plain(MAX_MAGNITUDE))
    if integer:
        if raw != int(raw):
            raise ProblemError("problem.not_whole")
        return int(raw)
    return float(raw)


def plain_number(decl: FieldDecl, text: str) -> float | int | None:
    """parse_value of a number field's text cell written as a plain number (12, -3.5, +7) that is a valid answer,
    else None (the cell goes to parse_value: other spellings, and every problem, are read there): the same value, sooner.
    float(text) is float(Decimal(text)): both round the exact decimal once."""
    if decl.type not in ("int", "decimal") or not PLAIN_NUMBER.fullmatch(text):
        return None
    if decl.type == "int" and "." in text:
        return None  # 12.0 is read (or refused as not whole) by parse_value
    value: float | int = int(text) if decl.type == "int" else float(text)
    if not abs(value) <= MAX_MAGNITUDE or (decl.min is not None and value < decl.min) or (
            decl.max is not None and value > decl.max):
        return None
    return value


PLAIN_WIDTH = 24  # plain_numbers reads cells up to this many characters at once; longer ones go to plain_number


def plain_numbers(decl: FieldDecl, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """plain_number of many text cells at once, as arrays: which cells it reads (a mask) and their values as floats
    (NaN elsewhere). The cells are checked against PLAIN_NUMBER (an optional sign at the start, ASCII digits, at most
    one dot after the first digit) and read to the bit as float() reads them by plain.plain_cells over the column's
    bytes, so a file's column of numbers costs no Python per cell; what it does not read goes to parse_value."""
    n = len(texts)
    if decl.type not in ("int", "decimal") or not n:
        return np.zeros(n, dtype=bool), np.full(n, np.nan)
    ok, values = plain_cells(texts, PLAIN_WIDTH, decl.type == "int")
    found = values[ok]  # an int of at most 24 digits: exact wherever |value| <= MAX_MAGNITUDE
    keep = np.abs(found) <= MAX_MAGNITUDE
    if decl.min is not None:
        keep &= found >= decl.min
    if decl.max is not None:
        keep &= found <= decl.max
    ok[ok] = keep
    values[~ok] = np.nan
    if decl.type == "int":
        values += 0.0  # int("-0") is 0; float("-0") stays -0.0
    return ok, values


def _bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return bool(raw)
    text = str(raw).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ProblemError("problem.not_bool", value=shown(raw))


def parse_value(decl: FieldDecl, raw: Any) -> Any:
    """Convert one raw answer to its typed value, or raise ProblemError (a ValueError) saying why."""
    if decl.type in ("int", "decimal"):
        value = _number(raw, decl.type == "int", decl.unit.zh if decl.unit else None)
        if decl.min is not None and value < decl.min:
            raise ProblemError("problem.below_min", limit=plain(decl.min))
        if decl.max is not None and value > decl.max:
            raise ProblemError("problem.above_max", limit=plain(decl.max))
        return value
    if decl.type == "bool":
        return _bool(raw)
    if decl.type == "date":
        return date_cell(raw)
    if decl.id == "credit_code":
        _code_not_a_number(raw)
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)  # a code typed into a number cell: 110108, not 110108.0
    text = str(raw).strip() if not isinstance(raw, (dict, list)) else None
    if text is None:
        raise ProblemError("problem.not_single")
    return _text(decl, text)


def _code_not_a_number(raw: Any) -> None:
    """Refuse a credit code Excel turned into a number (9.11101017847025e+17: its last digits are lost), unless the
    number still reads as a valid code (a JSON integer of 18 digits keeps them all)."""
    if isinstance(raw, bool):
        return
    if isinstance(raw, (int, float)):
        whole = int(raw) if isinstance(raw, int) or raw.is_integer() else None
        if whole is None or not credit_code_valid(str(whole)):
            raise ProblemError("problem.code_as_number", value=shown(raw))
    elif isinstance(raw, str) and SCIENTIFIC.fullmatch(raw.strip()):
        raise ProblemError("problem.code_as_number", value=raw.strip())


def _text(decl: FieldDecl, text: str) -> str:
    if decl.type == "enum":
        return option_cell(decl, text)
    if len(text) > 200:
        raise ProblemError("problem.too_long")
    if decl.id == "credit_code":
        text = text.upper()
        if not credit_code_valid(text):
            raise ProblemError("problem.bad_credit_code")
    elif decl.pattern and not re.fullmatch(decl.pattern, text):
        raise ProblemError("problem.bad_form", value=text)
    return text


def implausible(decl: FieldDecl, value: Any) -> Problem | None:
    """A warning for a number past its field's plausibility bound (the field's plausible_max, else for money in 万元
    PLAUSIBLE_WAN): the answer is kept, the warning names the field and its unit; None when plausible."""
    bound = plausible_max(decl)
    if bound is None or isinstance(value, bool) or not isinstance(value, (int, float)) or abs(value) <= bound:
        return None
    unit_zh, unit_en = (decl.unit.zh, decl.unit.en) if decl.unit else ("", "")
    return Problem("problem.implausible", {"value": plain(value), "limit": plain(bound), "label": decl.label.zh,
                                           "unit": unit_zh, "label_en": decl.label.en, "unit_en": unit_en})


def plausible_max(decl: FieldDecl) -> float | None:
    """The plausibility bound of a number field: its own, else PLAUSIBLE_WAN for money in 万元, else none."""
    if decl.plausible_max is not None:
        return decl.plausible_max
    money = decl.type in ("int", "decimal") and decl.unit is not None and decl.unit.zh == "万元"
    return PLAUSIBLE_WAN if money else None


def parse_profile(raw: Mapping[str, Any], fields: Mapping[str, FieldDecl]) -> tuple[dict[str, Any], list[FieldProblem]]:
    """Typed answers of a raw profile, and every problem found (unknown fields included)."""
    if not isinstance(raw, Mapping):
        return {}, [FieldProblem("profile", Problem("problem.not_an_object"))]
    values: dict[str, Any] = {}
    problems: list[FieldProblem] = []
    for key, answer in raw.items():
        if key in META_KEYS:
            continue
        decl = fields.get(str(key))
        if decl is None:
            problems.append(FieldProblem(str(key), Problem("problem.unknown_field")))
        elif not _is_unknown(answer):
            try:
                values[decl.id] = parse_value(decl, answer)
            except ValueError as exc:
                problems.append(FieldProblem(decl.id, problem_of(exc)))
    return values, problems
