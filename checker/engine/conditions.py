"""Conditions outside the measures' verdicts: asked_when, consistency checks, held tests, amounts shown on forms.

They read the same three-valued answers as the verdicts and are computed by the engine's compiled closures
(the evaluator that computes durable-rules' facts), never by the reference walker, which is the tests' oracle.
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, cast

from checker.engine import values as v
from checker.engine.compiled import Compiled
from checker.engine.scope import Scope
from checker.rules.expr import Node, parse
from checker.rules.pack import RulePack

_COMPILED: dict[int, Compiled] = {}
_LOCK = threading.Lock()


@lru_cache(maxsize=4096)
def parsed(text: str) -> Node:
    """The tree of a condition's text, parsed once (its compiled closure is then reused)."""
    return parse(text)


def _compiled(pack: RulePack) -> Compiled:
    """The closures of this pack's conditions, dropped when the pack is."""
    with _LOCK:
        found = _COMPILED.get(id(pack))
        if found is None:
            found = _COMPILED[id(pack)] = Compiled()
            weakref.finalize(pack, _COMPILED.pop, id(pack), None)
        return found


def scope(pack: RulePack, profile: dict[str, Any], as_of: dt.date) -> Scope:
    """One profile's scope: its derived values computed once for every condition evaluated in it."""
    return Scope(pack, profile, as_of, _compiled(pack))


def values(pack: RulePack, nodes: Iterable[Node], profile: dict[str, Any], as_of: dt.date) -> list[v.Value]:
    """The value of each expression on these parsed answers (derived values computed once for all)."""
    found = scope(pack, profile, as_of)
    return [found.eval(node) for node in nodes]


def holds(pack: RulePack, condition: Node | str, profile: dict[str, Any], as_of: dt.date) -> v.Tri:
    """Whether a condition (a tree, or its text) holds: True, False, or None while answers it needs are missing."""
    node = parsed(condition) if isinstance(condition, str) else condition
    return cast(v.Tri, values(pack, [node], profile, as_of)[0])  # a condition is boolean: checked when the pack loads
