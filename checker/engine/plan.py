"""Engine-neutral plan of a measure: criteria as boolean trees over simple atoms.

Arithmetic (ratios, tiers, date shifts) is computed first, in Python, into numbered
operand slots of the fact (layer 1, shared with derived values); every comparison and
every and/or/not over them is then left to the rule engine. A slot's interval is carried
as ``Zn_lo``/``Zn_hi`` (absent when unbounded) and ``Zn_u`` (0 defined, 1 perhaps
undefined, 2 undefined).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Union, cast

from checker.engine import values as v
from checker.engine.scope import Scope
from checker.rules.expr import BoolOp, Compare, Const, InSet, Name, Node, Not, names
from checker.rules.pack import RulePack
from checker.rules.typecheck import DATE, NUMBER, TEXT


@dataclass(frozen=True)
class Slot:
    """A numeric operand computed in layer 1."""

    key: str


Operand = Union[float, Slot]


@dataclass(frozen=True)
class NumAtom:
    op: str
    left: Operand
    right: Operand


@dataclass(frozen=True)
class TextAtom:
    field: str
    values: tuple[str, ...]
    negated: bool


@dataclass(frozen=True)
class BoolAtom:
    key: str


Atom = Union[NumAtom, TextAtom, BoolAtom]
# ("atom", Atom) | ("and", (Tree, ...)) | ("or", (Tree, ...)) | ("not", Tree)
Tree = Union[
    tuple[Literal["atom"], Atom],
    tuple[Literal["and", "or"], tuple["Tree", ...]],
    tuple[Literal["not"], "Tree"],
]


@dataclass
class MeasurePlan:
    """What the engine must decide for one measure, and what layer 1 must compute."""

    measure: str
    criteria: dict[str, Tree] = field(default_factory=dict)
    num_slots: dict[Node, str] = field(default_factory=dict)
    bool_slots: dict[Node, str] = field(default_factory=dict)
    names: set[str] = field(default_factory=set)

    @property
    def width(self) -> int:
        """At most how many fields this measure adds to a fact."""
        return len(self.names) + 3 * len(self.num_slots) + len(self.bool_slots)

    def fill(self, fact: dict[str, Any], scope: Scope) -> None:
        """Layer 1: add to a flat fact what this measure's rules read, for one profile."""
        for name in self.names:
            value = scope.get(name)
            if value is not None:
                fact[name] = value
        for node, key in self.num_slots.items():
            if f"{key}_u" not in fact:
                _put_num(fact, key, cast(v.Num, scope.eval(node)))  # a numeric slot (type checking on load)
        for node, key in self.bool_slots.items():
            if key not in fact:
                value = scope.eval(node)
                if value is not None:
                    fact[key] = value


def _put_num(fact: dict[str, Any], key: str, num: v.Num) -> None:
    fact[f"{key}_u"] = num.undef
    if num.undef < 2 and num.lo != -v.INF:
        fact[f"{key}_lo"] = num.lo
    if num.undef < 2 and num.hi != v.INF:
        fact[f"{key}_hi"] = num.hi


class _Planner:
    """Plans criteria; identical operands share one slot key across the whole pack."""

    def __init__(self, pack: RulePack) -> None:
        self.pack = pack
        self.plan = MeasurePlan("")
        self.num_keys: dict[Node, str] = {}
        self.bool_keys: dict[Node, str] = {}

    def tree(self, node: Node) -> Tree:
        if isinstance(node, BoolOp):
            return (node.op, tuple(self.tree(o) for o in node.operands))
        if isinstance(node, Not):
            return ("not", self.tree(node.operand))
        if isinstance(node, Name):
            self.plan.names.add(node.name)
            return ("atom", BoolAtom(node.name))
        if isinstance(node, Compare) and _typed(node) in (NUMBER, DATE):
            left = self.operand(node.left, force=isinstance(node.right, Const))
            return ("atom", NumAtom(node.op, left, self.operand(node.right)))
        text = self.text_atom(node)
        return ("atom", text) if text else ("atom", BoolAtom(self.bool_slot(node)))

    def operand(self, node: Node, force: bool = False) -> Operand:
        if not force and isinstance(node, Const) and isinstance(node.value, float):
            return node.value
        key = self.num_keys.setdefault(node, f"Z{len(self.num_keys)}")
        self.plan.num_slots[node] = key
        return Slot(key)

    def bool_slot(self, node: Node) -> str:
        key = self.bool_keys.setdefault(node, f"B{len(self.bool_keys)}")
        self.plan.bool_slots[node] = key
        return key

    def text_atom(self, node: Node) -> Union[TextAtom, None]:
        if isinstance(node, InSet) and isinstance(node.operand, Name) and _typed(node) == TEXT:
            self.plan.names.add(node.operand.name)
            return TextAtom(node.operand.name, tuple(str(x) for x in node.values), node.negated)
        if not isinstance(node, Compare) or node.op not in ("==", "!="):
            return None
        name, const = (node.left, node.right) if isinstance(node.left, Name) else (node.right, node.left)
        if isinstance(name, Name) and isinstance(const, Const) and isinstance(const.value, str):
            self.plan.names.add(name.name)
            return TextAtom(name.name, (const.value,), node.op == "!=")
        return None


def _typed(node: Union[Compare, InSet]) -> str:
    """The operands' type the type checker kept on a comparison (every pack expression is checked on load)."""
    if not node.operand_type:
        raise ValueError(f"plan of an expression never type checked: {node!r}")
    return node.operand_type


DERIVED = "@derived"


def derived_layers(pack: RulePack) -> list[list[str]]:
    """Boolean derived values in dependency layers: each layer reads only earlier ones."""
    bools = [d for d, value in pack.derived.items() if value.spec.type == "bool"]
    layer: dict[str, int] = {}
    for name in bools:  # the file lists each after what it uses
        used = [layer[n] for n in names(pack.derived[name].expr) if n in layer]
        layer[name] = 1 + max(used, default=-1)
    depth = max(layer.values(), default=-1) + 1
    return [[n for n in bools if layer[n] == i] for i in range(depth)]


def plan_pack(pack: RulePack) -> list[list[MeasurePlan]]:
    """Stages for the rule engine: boolean derived values layer by layer, then every measure."""
    planner = _Planner(pack)
    stages: list[list[MeasurePlan]] = []
    for i, layer in enumerate(derived_layers(pack)):
        planner.plan = MeasurePlan(f"{DERIVED}{i}")
        for name in layer:
            planner.plan.criteria[name] = planner.tree(pack.derived[name].expr)
        stages.append([planner.plan])
    measures = []
    for measure in pack.measures:
        planner.plan = MeasurePlan(measure.id)
        for criterion in measure.criteria:
            planner.plan.criteria[criterion.id] = planner.tree(criterion.test)
        measures.append(planner.plan)
    return stages + [measures]
