"""Expression trees compiled once into Python closures: the same semantics, no tree walk per check.

Used for layer-1 arithmetic, derived values and explanations on every path, and to decide
criteria on the fast batch path (cross-checked against durable-rules on a sample).
"""

from __future__ import annotations

import datetime as dt
from typing import Callable, Optional, cast

from checker.engine import values as v
from checker.engine.reference import Scope, compare, in_set
from checker.rules.expr import BinOp, BoolOp, Call, Compare, Const, InSet, Name, Neg, Node, Not, literal_number, literal_text

Fn = Callable[[Scope], v.Value]
NumFn = Callable[[Scope], v.Num]  # a closure of a numeric or date expression
TriFn = Callable[[Scope], v.Tri]  # a closure of a boolean expression
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
            op, left_num, right_num = _ARITH[node.op], self._num(node.left), self._num(node.right)
            return lambda scope: op(left_num(scope), right_num(scope))
        if isinstance(node, Neg):
            num = self._num(node.operand)
            return lambda scope: v.neg(num(scope))
        if isinstance(node, Compare):
            cop, left, right = node.op, self.fn(node.left), self.fn(node.right)
            return lambda scope: compare(cop, left(scope), right(scope))
        if isinstance(node, InSet):
            inner, options, negated = self.fn(node.operand), node.values, node.negated
            return lambda scope: in_set(inner(scope), options, negated)
        if isinstance(node, BoolOp):
            return self._boolop(node)
        if isinstance(node, Not):
            tri = self._tri(node.operand)
            return lambda scope: v.tri_not(tri(scope))
        return self._call(node)

    def _num(self, node: Node) -> NumFn:
        """The closure of a numeric or date sub-expression: type checking on load proved it returns a Num."""
        return cast(NumFn, self.fn(node))

    def _tri(self, node: Node) -> TriFn:
        """The closure of a boolean sub-expression: type checking on load proved it three-valued."""
        return cast(TriFn, self.fn(node))

    def _boolop(self, node: BoolOp) -> Fn:
        parts = [self._tri(o) for o in node.operands]
        if node.op == "and":
            return lambda scope: v.tri_and([p(scope) for p in parts])
        return lambda scope: v.tri_or([p(scope) for p in parts])

    def _call(self, node: Call) -> Fn:
        args = node.args
        if node.func == "date":
            value = v.Num.of(v.to_ordinal(dt.date.fromisoformat(literal_text(args[0]))))
            return lambda scope: value
        if node.func == "starts_with":
            text = cast(Callable[[Scope], Optional[str]], self.fn(args[0]))
            prefixes = tuple(literal_text(a) for a in args[1:])
            return lambda scope: _starts(text(scope), prefixes)
        first = self._num(args[0])  # every other function reads a number or a date first
        if node.func in ("min", "max"):
            fns = [first] + [self._num(a) for a in args[1:]]
            pick = v.minimum if node.func == "min" else v.maximum
            return lambda scope: pick([f(scope) for f in fns])
        if node.func in ("tier", "upto"):
            consts = [literal_number(a) for a in args[1:]]
            pairs, default = list(zip(consts[0:-1:2], consts[1:-1:2])), consts[-1]
            band = v.tier if node.func == "tier" else v.upto
            return lambda scope: band(first(scope), pairs, default)
        shift = v.SHIFTS[node.func]
        amount = literal_number(args[1]) if len(args) > 1 else 0
        return lambda scope: shift(first(scope), amount)


def _starts(text: Optional[str], prefixes: tuple[str, ...]) -> v.Tri:
    return None if text is None else text.startswith(prefixes)
