"""Expression trees compiled once into Python closures: the same semantics, no tree walk per check.

Used for layer-1 arithmetic, derived values and explanations on every path, and to decide
criteria on the fast batch path (cross-checked against durable-rules on a sample).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable

from checker.engine import values as v
from checker.engine.reference import compare, in_set
from checker.rules.expr import BinOp, BoolOp, Call, Compare, Const, InSet, Name, Neg, Node, Not

Fn = Callable[[Any], v.Value]
_ARITH = {"+": v.add, "-": v.sub, "*": v.mul, "/": v.div}


class Compiled:
    """A cache of compiled closures, keyed by the identity of tree nodes a pack holds."""

    def __init__(self) -> None:
        self._fns: dict[int, tuple[Node, Fn]] = {}

    def fn(self, node: Node) -> Fn:
        """The closure computing a node's value from a scope."""
        found = self._fns.get(id(node))
        if found is None or found[0] is not node:
            found = (node, self._build(node))
            self._fns[id(node)] = found
        return found[1]

    def _build(self, node: Node) -> Fn:
        if isinstance(node, Const):
            value = v.Num.of(node.value) if isinstance(node.value, float) else node.value
            return lambda scope: value
        if isinstance(node, Name):
            name = node.name
            return lambda scope: scope.cache[name] if name in scope.cache else scope.get(name)
        if isinstance(node, BinOp):
            op, left, right = _ARITH[node.op], self.fn(node.left), self.fn(node.right)
            return lambda scope: op(left(scope), right(scope))
        if isinstance(node, Neg):
            inner = self.fn(node.operand)
            return lambda scope: v.neg(inner(scope))
        if isinstance(node, Compare):
            cop, left, right = node.op, self.fn(node.left), self.fn(node.right)
            return lambda scope: compare(cop, left(scope), right(scope))
        if isinstance(node, InSet):
            inner, options, negated = self.fn(node.operand), node.values, node.negated
            return lambda scope: in_set(inner(scope), options, negated)
        if isinstance(node, BoolOp):
            return self._boolop(node)
        if isinstance(node, Not):
            inner = self.fn(node.operand)
            return lambda scope: v.tri_not(inner(scope))
        return self._call(node)

    def _boolop(self, node: BoolOp) -> Fn:
        parts = [self.fn(o) for o in node.operands]
        if node.op == "and":
            return lambda scope: v.tri_and([p(scope) for p in parts])
        return lambda scope: v.tri_or([p(scope) for p in parts])

    def _call(self, node: Call) -> Fn:
        args = node.args
        if node.func == "date":
            value = v.Num.of(v.to_ordinal(dt.date.fromisoformat(args[0].value)))  # type: ignore[union-attr, arg-type]
            return lambda scope: value
        first = self.fn(args[0])
        if node.func == "starts_with":
            prefixes = tuple(a.value for a in args[1:])  # type: ignore[union-attr]
            return lambda scope: _starts(first(scope), prefixes)
        if node.func in ("min", "max"):
            fns = [first] + [self.fn(a) for a in args[1:]]
            pick = v.minimum if node.func == "min" else v.maximum
            return lambda scope: pick([f(scope) for f in fns])
        if node.func in ("tier", "upto"):
            consts = [a.value for a in args[1:]]  # type: ignore[union-attr]
            pairs, default = list(zip(consts[0:-1:2], consts[1:-1:2])), consts[-1]
            band = v.tier if node.func == "tier" else v.upto
            return lambda scope: band(first(scope), pairs, default)  # type: ignore[arg-type]
        shift = v.SHIFTS[node.func]
        amount = args[1].value if len(args) > 1 else 0  # type: ignore[union-attr]
        return lambda scope: shift(first(scope), amount)  # type: ignore[arg-type]


def _starts(text: Any, prefixes: tuple) -> v.Tri:
    return None if text is None else text.startswith(prefixes)
