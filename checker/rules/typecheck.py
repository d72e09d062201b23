"""Type checking of parsed expressions against the declared profile fields."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from checker.i18n import N_
from checker.problems import Problem
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
from checker.rules.messages import unknown

NUMBER, BOOL, TEXT, DATE = "number", "bool", "text", "date"
FUNCTIONS = ("min", "max", "tier", "upto", "add_years", "add_days", "year_end", "starts_with", "date")


@dataclass(frozen=True)
class NameType:
    """What the checker knows of a name: its type and, for enums, its allowed values."""

    type: str
    values: tuple[str, ...] = ()


# The words of the four types, as messages name them.
TYPE_WORDS = {BOOL: N_("lint.type.bool"), NUMBER: N_("lint.type.number"), TEXT: N_("lint.type.text"), DATE: N_("lint.type.date")}


def kind(name: str) -> Problem:
    """A type's word ("number" / "数值") for a message."""
    return Problem(TYPE_WORDS[name])


def check(node: Node, env: dict[str, NameType], want: str | None = None) -> str:
    """Return the type of an expression, raising ExprError on any type mistake."""
    found = _type(node, env)
    if want is not None and found != want:
        raise ExprError("lint.expr.wrong_type", want=kind(want), found=kind(found))
    return found


def _type(node: Node, env: dict[str, NameType]) -> str:
    if isinstance(node, Const):
        return _const_type(node.value)
    if isinstance(node, Name):
        if node.name not in env:
            problem = unknown("lint.unknown_field", node.name, env)
            raise ExprError(problem.code, **problem.params)
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
        raise ExprError("lint.expr.operand_type", where=where, want=kind(want), found=kind(found))


def _arith(node: BinOp, env: dict[str, NameType]) -> str:
    left, right = _type(node.left, env), _type(node.right, env)
    if left != NUMBER or right != NUMBER:
        raise ExprError("lint.expr.cannot_apply", op=node.op, left=kind(left), right=kind(right))
    return NUMBER


def _compare(node: Compare, env: dict[str, NameType]) -> str:
    left, right = _type(node.left, env), _type(node.right, env)
    if left != right:
        raise ExprError("lint.expr.cannot_compare", left=kind(left), right=kind(right))
    if left in (BOOL, TEXT) and node.op not in ("==", "!="):
        raise ExprError("lint.expr.equality_only", kind=kind(left))
    for side, other in ((node.left, node.right), (node.right, node.left)):
        _check_enum_literal(side, other, env)
    return BOOL


def _check_enum_literal(name: Node, literal: Node, env: dict[str, NameType]) -> None:
    if not (isinstance(name, Name) and isinstance(literal, Const)):
        return
    allowed = env[name.name].values
    if allowed and literal.value not in allowed:
        raise ExprError("lint.expr.not_a_choice", value=literal.value, name=name.name, choices=", ".join(allowed))


def _in_set(node: InSet, env: dict[str, NameType]) -> str:
    found = _type(node.operand, env)
    if found not in (NUMBER, TEXT):
        raise ExprError("lint.expr.in_type", found=kind(found))
    for value in node.values:
        if _const_type(value) != found:
            raise ExprError("lint.expr.in_value", value=value, kind=kind(found))
        _check_enum_literal(node.operand, Const(value), env)
    return BOOL


def _call(node: Call, env: dict[str, NameType]) -> str:
    if node.func not in FUNCTIONS:
        raise ExprError("lint.expr.unknown_function", name=node.func, known=", ".join(FUNCTIONS))
    return {
        "min": _min_max, "max": _min_max, "tier": _tier, "upto": _upto, "add_years": _shift,
        "add_days": _shift, "year_end": _year_end, "starts_with": _starts_with, "date": _date,
    }[node.func](node, env)


def _min_max(node: Call, env: dict[str, NameType]) -> str:
    if len(node.args) < 2:
        raise ExprError("lint.expr.min_max_args", func=node.func)
    kinds = {_type(arg, env) for arg in node.args}
    if len(kinds) != 1 or not kinds <= {NUMBER, DATE}:
        raise ExprError("lint.expr.min_max_types", func=node.func, found=sorted(kinds))
    return kinds.pop()


def _tier(node: Call, env: dict[str, NameType]) -> str:
    args = node.args
    if len(args) < 4 or len(args) % 2:
        raise ExprError("lint.expr.tier_args")
    _expect(args[0], env, NUMBER, "tier()")
    constants = [_number_const(a, "tier()") for a in args[1:]]
    thresholds, values = constants[0:-1:2], constants[1:-1:2] + [constants[-1]]
    if any(a <= b for a, b in zip(thresholds, thresholds[1:])):
        raise ExprError("lint.expr.tier_thresholds")
    if any(a < b for a, b in zip(values, values[1:])):
        raise ExprError("lint.expr.tier_values")
    return NUMBER


def _upto(node: Call, env: dict[str, NameType]) -> str:
    args = node.args
    if len(args) < 4 or len(args) % 2:
        raise ExprError("lint.expr.upto_args")
    _expect(args[0], env, NUMBER, "upto()")
    constants = [_number_const(a, "upto()") for a in args[1:]]
    limits, values = constants[0:-1:2], constants[1:-1:2] + [constants[-1]]
    if any(a >= b for a, b in zip(limits, limits[1:])):
        raise ExprError("lint.expr.upto_limits")
    if any(a < b for a, b in zip(values, values[1:])):
        raise ExprError("lint.expr.upto_values")
    return NUMBER


def _number_const(node: Node, where: str) -> float:
    if not (isinstance(node, Const) and _const_type(node.value) == NUMBER):
        raise ExprError("lint.expr.number_literal", where=where)
    return float(node.value)


def _shift(node: Call, env: dict[str, NameType]) -> str:
    if len(node.args) != 2:
        raise ExprError("lint.expr.shift_args", func=node.func)
    _expect(node.args[0], env, DATE, f"{node.func}()")
    _number_const(node.args[1], f"{node.func}()")
    return DATE


def _year_end(node: Call, env: dict[str, NameType]) -> str:
    if len(node.args) != 1:
        raise ExprError("lint.expr.year_end_args")
    _expect(node.args[0], env, DATE, "year_end()")
    return DATE


def _starts_with(node: Call, env: dict[str, NameType]) -> str:
    if len(node.args) < 2:
        raise ExprError("lint.expr.starts_with_args")
    _expect(node.args[0], env, TEXT, "starts_with()")
    for arg in node.args[1:]:
        if not (isinstance(arg, Const) and isinstance(arg.value, str)):
            raise ExprError("lint.expr.starts_with_prefixes")
    return BOOL


def _date(node: Call, env: dict[str, NameType]) -> str:
    arg = node.args[0] if len(node.args) == 1 else None
    if not (isinstance(arg, Const) and isinstance(arg.value, str)):
        raise ExprError("lint.expr.date_args")
    try:
        dt.date.fromisoformat(arg.value)
    except ValueError:
        raise ExprError("lint.expr.not_iso_date", value=arg.value) from None
    return DATE
