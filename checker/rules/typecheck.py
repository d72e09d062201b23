"""Type checking of parsed expressions against the declared profile fields."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from checker.rules.expr import (
    BinOp,
    BoolOp,
    Call,
    Compare,
    Const,
    ExprError,
    InSet,
    Name,
    Neg,
    Node,
    Not,
)
from checker.rules.messages import did_you_mean

NUMBER, BOOL, TEXT, DATE = "number", "bool", "text", "date"
FUNCTIONS = ("min", "max", "tier", "upto", "add_years", "add_days", "year_end", "starts_with", "date")


@dataclass(frozen=True)
class NameType:
    """What the checker knows of a name: its type and, for enums, its allowed values."""

    type: str
    values: tuple[str, ...] = ()


def check(node: Node, env: dict[str, NameType], want: str | None = None) -> str:
    """Return the type of an expression, raising ExprError on any type mistake."""
    found = _type(node, env)
    if want is not None and found != want:
        raise ExprError(f"expected a {want} expression, found a {found} one")
    return found


def _type(node: Node, env: dict[str, NameType]) -> str:
    if isinstance(node, Const):
        return _const_type(node.value)
    if isinstance(node, Name):
        if node.name not in env:
            raise ExprError(f"unknown field {node.name!r}{did_you_mean(node.name, env)}")
        return env[node.name].type
    if isinstance(node, BinOp):
        return _arith(node, env)
    if isinstance(node, Neg):
        _expect(node.operand, env, NUMBER, "'-'")
        return NUMBER
    if isinstance(node, Compare):
        return _compare(node, env)
    if isinstance(node, InSet):
        return _in_set(node, env)
    if isinstance(node, BoolOp):
        for operand in node.operands:
            _expect(operand, env, BOOL, f"'{node.op}'")
        return BOOL
    if isinstance(node, Not):
        _expect(node.operand, env, BOOL, "'not'")
        return BOOL
    return _call(node, env)


def _const_type(value: object) -> str:
    if isinstance(value, bool):
        return BOOL
    return TEXT if isinstance(value, str) else NUMBER


def _expect(node: Node, env: dict[str, NameType], want: str, where: str) -> None:
    found = _type(node, env)
    if found != want:
        raise ExprError(f"{where} needs a {want}, found a {found}")


def _arith(node: BinOp, env: dict[str, NameType]) -> str:
    left, right = _type(node.left, env), _type(node.right, env)
    if left != NUMBER or right != NUMBER:
        raise ExprError(f"cannot apply {node.op!r} to a {left} and a {right}")
    return NUMBER


def _compare(node: Compare, env: dict[str, NameType]) -> str:
    left, right = _type(node.left, env), _type(node.right, env)
    if left != right:
        raise ExprError(f"cannot compare a {left} with a {right}")
    if left in (BOOL, TEXT) and node.op not in ("==", "!="):
        raise ExprError(f"a {left} can only be compared with == or !=")
    for side, other in ((node.left, node.right), (node.right, node.left)):
        _check_enum_literal(side, other, env)
    return BOOL


def _check_enum_literal(name: Node, literal: Node, env: dict[str, NameType]) -> None:
    if not (isinstance(name, Name) and isinstance(literal, Const)):
        return
    allowed = env[name.name].values
    if allowed and literal.value not in allowed:
        raise ExprError(f"{literal.value!r} is not a value of {name.name!r} ({', '.join(allowed)})")


def _in_set(node: InSet, env: dict[str, NameType]) -> str:
    kind = _type(node.operand, env)
    if kind not in (NUMBER, TEXT):
        raise ExprError(f"'in' needs a number or text, found a {kind}")
    for value in node.values:
        if _const_type(value) != kind:
            raise ExprError(f"{value!r} in the list is not a {kind}")
        _check_enum_literal(node.operand, Const(value), env)
    return BOOL


def _call(node: Call, env: dict[str, NameType]) -> str:
    if node.func not in FUNCTIONS:
        raise ExprError(f"unknown function {node.func!r} (known: {', '.join(FUNCTIONS)})")
    return {
        "min": _min_max, "max": _min_max, "tier": _tier, "upto": _upto, "add_years": _shift,
        "add_days": _shift, "year_end": _year_end, "starts_with": _starts_with, "date": _date,
    }[node.func](node, env)


def _min_max(node: Call, env: dict[str, NameType]) -> str:
    if len(node.args) < 2:
        raise ExprError(f"{node.func}() needs at least two arguments")
    kinds = {_type(arg, env) for arg in node.args}
    if len(kinds) != 1 or not kinds <= {NUMBER, DATE}:
        raise ExprError(f"{node.func}() needs numbers or dates of one type, found {sorted(kinds)}")
    return kinds.pop()


def _tier(node: Call, env: dict[str, NameType]) -> str:
    args = node.args
    if len(args) < 4 or len(args) % 2:
        raise ExprError("tier(x, threshold, value, ..., default) needs x, pairs and a default")
    _expect(args[0], env, NUMBER, "tier()")
    constants = [_number_const(a, "tier()") for a in args[1:]]
    thresholds, values = constants[0:-1:2], constants[1:-1:2] + [constants[-1]]
    if any(a <= b for a, b in zip(thresholds, thresholds[1:])):
        raise ExprError("tier() thresholds must be strictly descending")
    if any(a < b for a, b in zip(values, values[1:])):
        raise ExprError("tier() values must not increase as thresholds fall")
    return NUMBER


def _upto(node: Call, env: dict[str, NameType]) -> str:
    args = node.args
    if len(args) < 4 or len(args) % 2:
        raise ExprError("upto(x, limit, value, ..., default) needs x, pairs and a default")
    _expect(args[0], env, NUMBER, "upto()")
    constants = [_number_const(a, "upto()") for a in args[1:]]
    limits, values = constants[0:-1:2], constants[1:-1:2] + [constants[-1]]
    if any(a >= b for a, b in zip(limits, limits[1:])):
        raise ExprError("upto() limits must be strictly ascending")
    if any(a < b for a, b in zip(values, values[1:])):
        raise ExprError("upto() values must not increase as limits rise")
    return NUMBER


def _number_const(node: Node, where: str) -> float:
    if not (isinstance(node, Const) and _const_type(node.value) == NUMBER):
        raise ExprError(f"{where} needs a number literal here")
    return float(node.value)


def _shift(node: Call, env: dict[str, NameType]) -> str:
    if len(node.args) != 2:
        raise ExprError(f"{node.func}(date, n) needs two arguments")
    _expect(node.args[0], env, DATE, f"{node.func}()")
    _number_const(node.args[1], f"{node.func}()")
    return DATE


def _year_end(node: Call, env: dict[str, NameType]) -> str:
    if len(node.args) != 1:
        raise ExprError("year_end(date) needs one argument")
    _expect(node.args[0], env, DATE, "year_end()")
    return DATE


def _starts_with(node: Call, env: dict[str, NameType]) -> str:
    if len(node.args) < 2:
        raise ExprError("starts_with(text, 'prefix', ...) needs a text and a prefix")
    _expect(node.args[0], env, TEXT, "starts_with()")
    for arg in node.args[1:]:
        if not (isinstance(arg, Const) and isinstance(arg.value, str)):
            raise ExprError("starts_with() prefixes must be quoted texts")
    return BOOL


def _date(node: Call, env: dict[str, NameType]) -> str:
    arg = node.args[0] if len(node.args) == 1 else None
    if not (isinstance(arg, Const) and isinstance(arg.value, str)):
        raise ExprError("date() needs one quoted ISO date, e.g. date('2027-12-31')")
    try:
        dt.date.fromisoformat(arg.value)
    except ValueError:
        raise ExprError(f"{arg.value!r} is not an ISO date YYYY-MM-DD") from None
    return DATE
