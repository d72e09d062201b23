"""What an expression can read: a profile's answers, derived values (computed once), parameters and as_of.

Shared by every per-profile evaluator: the compiled closures (the product's), the reference walker (the tests'
oracle) and the durable-rules layer 1.
"""

from __future__ import annotations

import datetime as dt
import weakref
from typing import Any, Callable, Optional, Protocol

from checker.engine import values as v
from checker.rules.expr import Node
from checker.rules.pack import RulePack

_DATED: dict[tuple[int, dt.date], tuple[weakref.ref[RulePack], dict[str, v.Value]]] = {}


class Evaluator(Protocol):
    """What evaluates trees in a scope: the compiled closures' cache, or the reference walker."""

    def fn(self, node: Node) -> Callable[[Scope], v.Value]:
        """The function computing a node's value from a scope."""


class Scope:
    """The values an expression can read: profile answers, derived values and as_of."""

    def __init__(self, pack: RulePack, profile: dict[str, Any], as_of: dt.date, compiled: Optional[Evaluator] = None
                 ) -> None:
        self.pack = pack
        self.profile = profile
        self.as_of = as_of
        self.compiled = compiled
        self.cache: dict[str, v.Value] = dict(_dated(pack, as_of))

    def eval(self, node: Node) -> v.Value:
        """Evaluate a tree in this scope: with the evaluator given, else the reference walk."""
        if self.compiled is not None:
            return self.compiled.fn(node)(self)
        from checker.engine.reference import evaluate  # the oracle, only when no evaluator was given

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
