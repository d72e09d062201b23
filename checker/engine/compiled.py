"""Expression trees compiled once into Python closures: the same semantics, no tree walk per check.

Used for layer-1 arithmetic, derived values and explanations on every path, and to decide
criteria on the fast batch path (cross-checked against durable-rules on a sample).
"""

from __future__ import annotations

from typing import Callable, cast

from checker.engine import values as v
from checker.engine.scope import Scope
from checker.rules.expr import BinOp, BoolOp, Call, Compare, Const, InSet, Name, Neg, Node, Not
from checker.rules.functions import FUNCTIONS, literals

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
            return lambda scope: v.compare_values(cop, left(scope), right(scope))
        if isinstance(node, InSet):
            inner, options, negated = self.fn(node.operand), node.values, node.negated
            return lambda scope: v.in_set(inner(scope), options, negated)
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
        """The one generic call: the function table's meaning over the compiled arguments."""
        fn = FUNCTIONS[node.func]
        args = [self.fn(a) for a in node.args[:fn.arity(len(node.args))]]
        consts = literals(fn, node.args)
        if not args:  # a call of literals only (date('...')): computed once
            value = v.call(fn, [], consts)
            return lambda scope: value
        return lambda scope: v.call(fn, [a(scope) for a in args], consts)
