"""Type checking of parsed expressions against the declared profile fields."""

from __future__ import annotations

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
    keep_type,
)
from checker.rules.exprtypes import BOOL, DATE, NUMBER, TEXT, TYPE_WORDS, kind
from checker.rules.functions import FUNCTIONS
from checker.rules.messages import unknown

__all__ = ["BOOL", "DATE", "NUMBER", "TEXT", "TYPE_WORDS", "NameType", "check", "kind"]


@dataclass(frozen=True)
class NameType:
    """What the checker knows of a name: its type and, for enums, its allowed values."""

    type: str
    values: tuple[str, ...] = ()


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
    keep_type(node, left)
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
    keep_type(node, found)
    return BOOL


def _call(node: Call, env: dict[str, NameType]) -> str:
    """The one generic call: the function table's signature gives the result type."""
    fn = FUNCTIONS.get(node.func)
    if fn is None:
        raise ExprError("lint.expr.unknown_function", name=node.func, known=", ".join(FUNCTIONS))
    return fn.check(node, lambda arg: _type(arg, env))
