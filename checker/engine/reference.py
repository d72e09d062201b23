"""The plain reference evaluator: walks expression trees over three-valued values."""

from __future__ import annotations

import datetime as dt
import weakref
from typing import TYPE_CHECKING, Any, Callable, Optional, cast

from checker.engine import values as v
from checker.rules.expr import BinOp, BoolOp, Call, Compare, Const, InSet, Name, Neg, Node, Not, literal_number, literal_text
from checker.rules.pack import RulePack

if TYPE_CHECKING:
    from checker.engine.compiled import Compiled

_ARITH: dict[str, Callable[[v.Num, v.Num], v.Num]] = {"+": v.add, "-": v.sub, "*": v.mul, "/": v.div}
_DATED: dict[tuple[int, dt.date], tuple[weakref.ref[RulePack], dict[str, v.Value]]] = {}


class Scope:
    """The values an expression can read: profile answers, derived values and as_of."""

    def __init__(self, pack: RulePack, profile: dict[str, Any], as_of: dt.date, compiled: Compiled | None = None) -> None:
        self.pack = pack
        self.profile = profile
        self.as_of = as_of
        self.compiled = compiled
        self.cache: dict[str, v.Value] = dict(_dated(pack, as_of))

    def eval(self, node: Node) -> v.Value:
        """Evaluate a tree in this scope: compiled closures when given, else the tree walk."""
        if self.compiled is not None:
            return self.compiled.fn(node)(self)
        return evaluate(node, self)

    def get(self, name: str) -> v.Value:
        """The runtime value of a name, computing derived values once."""
        if name not in self.cache:
            self.cache[name] = self._resolve(name)
        return self.cache[name]

    def _resolve(self, name: str) -> v.Value:
        if name in self.pack.derived:
            return self.eval(self.pack.derived[name].expr)
        return runtime_value(self.pack, name, self.profile.get(name))


def _dated(pack: RulePack, as_of: dt.date) -> dict[str, v.Value]:
    """as_of and every parameter's value on that date (frozen Nums, shared by every scope of the pack and date)."""
    found = _DATED.get((id(pack), as_of))
    if found is None or found[0]() is not pack:  # a weak reference: the cache never keeps a replaced pack alive
        if len(_DATED) > 64:
            _DATED.clear()
        values: dict[str, v.Value] = {"as_of": v.Num.of(v.to_ordinal(as_of))}
        values.update((name, v.Num.of(p.value_on(as_of))) for name, p in pack.parameters.items())
        found = _DATED[(id(pack), as_of)] = (weakref.ref(pack), values)
    return found[1]


def runtime_value(pack: RulePack, name: str, raw: Any) -> v.Value:
    """Turn a parsed profile answer (or None) into the evaluators' value."""
    kind = pack.fields[name].type
    if kind in ("bool", "enum", "text"):
        answer: v.Value = raw  # a bool or a text, parsed by the answer layer
        return answer
    if kind == "date":
        return v.Num.of(v.to_ordinal(raw)) if raw is not None else v.Num(-v.INF, v.INF)
    if raw is None:
        return v.Num.span(*pack.domain(name))
    return v.Num.of(float(raw))


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
        return compare(node.op, evaluate(node.left, scope), evaluate(node.right, scope))
    if isinstance(node, InSet):
        return in_set(evaluate(node.operand, scope), node.values, node.negated)
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


def compare(op: str, left: v.Value, right: v.Value) -> v.Tri:
    """Three-valued comparison of any two values of one type."""
    if isinstance(left, v.Num) and isinstance(right, v.Num):
        return v.compare(op, left, right)
    if left is None or right is None:
        return None
    return (left == right) if op == "==" else (left != right)


def in_set(value: v.Value, options: tuple[float | str, ...], negated: bool) -> v.Tri:
    """Three-valued membership of a value in a list of literals."""
    if isinstance(value, v.Num):
        if value.undef == 2:
            return False
        numbers = cast(tuple[float, ...], options)  # a number's list holds numbers (type checking on load)
        inside = any(value.lo <= o <= value.hi for o in numbers)
        member: v.Tri = True if value.exact and inside else (False if not inside else None)
        result = v.tri_not(member) if negated else member
        return None if result is True and value.undef == 1 else result
    if value is None:
        return None
    return (value in options) != negated


def _call(node: Call, scope: Scope) -> v.Value:
    args = node.args
    if node.func == "date":
        return v.Num.of(v.to_ordinal(dt.date.fromisoformat(literal_text(args[0]))))
    if node.func == "starts_with":
        text = cast(Optional[str], evaluate(args[0], scope))
        return None if text is None else any(text.startswith(literal_text(a)) for a in args[1:])
    first = _num(args[0], scope)  # every other function reads a number or a date first
    if node.func in ("min", "max"):
        nums = [first] + [_num(a, scope) for a in args[1:]]
        return v.minimum(nums) if node.func == "min" else v.maximum(nums)
    if node.func in ("tier", "upto"):
        consts = [literal_number(a) for a in args[1:]]
        band = v.tier if node.func == "tier" else v.upto
        return band(first, list(zip(consts[0:-1:2], consts[1:-1:2])), consts[-1])
    amount = literal_number(args[1]) if len(args) > 1 else 0
    return v.SHIFTS[node.func](first, amount)
