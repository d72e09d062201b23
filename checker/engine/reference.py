"""The plain reference evaluator: walks expression trees over three-valued values (the tests' oracle).

It reads the shared semantics only (values.py, the function table) and nothing of the other backends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, cast

from checker.engine import values as v
from checker.rules.expr import BinOp, BoolOp, Call, Compare, Const, InSet, Name, Neg, Node, Not
from checker.rules.functions import FUNCTIONS, literals

if TYPE_CHECKING:
    from checker.engine.scope import Scope

_ARITH: dict[str, Callable[[v.Num, v.Num], v.Num]] = {"+": v.add, "-": v.sub, "*": v.mul, "/": v.div}


def evaluate(node: Node, scope: Scope) -> v.Value:
    """Evaluate an expression tree to a Num, a three-valued bool or a text."""
    if isinstance(node, Const):
        return v.Num.of(node.value) if isinstance(node.value, float) else node.value
    if isinstance(node, Name):
        return scope.get(node.name)
    if isinstance(node, BinOp):
        return _ARITH[node.op](_num(node.left, scope), _num(node.right, scope))
    if isinstance(node, Neg):
        return v.neg(_num(node.operand, scope))
    if isinstance(node, Compare):
        return v.compare_values(node.op, evaluate(node.left, scope), evaluate(node.right, scope))
    if isinstance(node, InSet):
        return v.in_set(evaluate(node.operand, scope), node.values, node.negated)
    if isinstance(node, BoolOp):
        items = [_tri(o, scope) for o in node.operands]
        return v.tri_and(items) if node.op == "and" else v.tri_or(items)
    if isinstance(node, Not):
        return v.tri_not(_tri(node.operand, scope))
    return _call(node, scope)


def _num(node: Node, scope: Scope) -> v.Num:
    """A numeric or date sub-expression's value: type checking on load proved it a Num."""
    return cast(v.Num, evaluate(node, scope))


def _tri(node: Node, scope: Scope) -> v.Tri:
    """A boolean sub-expression's value: type checking on load proved it three-valued."""
    return cast(v.Tri, evaluate(node, scope))


def _call(node: Call, scope: Scope) -> v.Value:
    """The one generic call: the function table's meaning on the evaluated arguments."""
    fn = FUNCTIONS[node.func]
    args = [evaluate(a, scope) for a in node.args[:fn.arity(len(node.args))]]
    return v.call(fn, args, literals(fn, node.args))

