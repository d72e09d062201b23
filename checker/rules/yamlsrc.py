"""Read YAML safely into plain Python, remembering the line of every key and item."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import yaml

from checker.problems import Problem
from checker.rules.messages import unclosed_flow, yaml_trap

Loc = tuple[Any, ...]
MAX_BYTES = 1_000_000


@dataclass
class RuleError:
    """One problem in a rule file, named by file, line and key path; `problem` says what, in either language."""

    file: str
    line: int
    key: str
    problem: Problem

    @property
    def message(self) -> str:
        """The problem in English, as the CLI prints it."""
        return str(self.problem)

    @property
    def located(self) -> Problem:
        """The problem with its file, line and key, as one Problem (its English is str(self))."""
        where = {"where": f"{self.file}:{self.line}", "reason": self.problem}
        return Problem("lint.at_key", {**where, "key": self.key}) if self.key else Problem("lint.at", where)

    def __str__(self) -> str:
        return str(self.located)


@dataclass
class Document:
    """A parsed YAML file: plain data plus the line of each path in it."""

    file: str
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)
    text: str = ""
    moved: dict[Any, Loc] = field(default_factory=dict)  # top-level keys read from elsewhere, e.g. a version block

    def where(self, loc: Loc) -> Loc:
        """The path of loc in the file as written (a version's key under its `versions[i]` block)."""
        return self.moved.get(loc[0], ()) + tuple(loc) if loc else tuple(loc)

    def line(self, loc: Loc) -> int:
        """The line of the deepest known path on the way to loc."""
        for cut in range(len(loc), -1, -1):
            if tuple(loc[:cut]) in self.lines:
                return self.lines[tuple(loc[:cut])]
        return 1

    def error(self, loc: Loc, problem: Problem, line_offset: int = 0) -> RuleError:
        """A RuleError at loc."""
        return RuleError(self.file, self.line(loc) + line_offset, key_path(self.where(loc)), problem)


def key_path(loc: Loc) -> str:
    """Render a path such as ('criteria', 3, 'test') as criteria[3].test."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class YamlTagError(ValueError):
    """A YAML construct rule files do not allow: tags, duplicate keys, recursive aliases."""

    def __init__(self, loc: Loc, problem: Problem, line: int = 0) -> None:
        super().__init__(str(problem))
        self.problem = problem
        self.loc = loc
        self.line = line


class _Loader(yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader):  # type: ignore[misc]  # base picked at import
    """libyaml's parser with YAML 1.2 booleans: only true/false (no yes/no/on/off)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
CORE_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")}
MAX_NODES = 200_000


class _Builder:
    """Turns a composed node tree into plain data, recording the line of every path."""

    def __init__(self) -> None:
        self.lines: dict[Loc, int] = {(): 1}
        self.constructor = yaml.constructor.SafeConstructor()
        self.visited = 0
        self.path: set[int] = set()

    def build(self, node: yaml.Node, loc: Loc) -> Any:
        self.visited += 1
        if self.visited > MAX_NODES:
            raise YamlTagError(loc, Problem("lint.too_many_nodes", {"limit": MAX_NODES}), node.start_mark.line + 1)
        if node.tag not in CORE_TAGS:
            raise YamlTagError(loc, Problem("lint.yaml_tag"), node.start_mark.line + 1)
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        if id(node) in self.path:
            raise YamlTagError(loc, Problem("lint.recursive_alias"), node.start_mark.line + 1)
        self.path.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, loc)
            return self._sequence(cast(yaml.SequenceNode, node), loc)  # the composer makes only these three kinds
        finally:
            self.path.discard(id(node))

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        value = self.constructor.construct_object(node)
        return value.date() if isinstance(value, dt.datetime) else value

    def _mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlTagError(loc, Problem("lint.key_not_plain"), line)
            key = self._scalar(key_node)
            if key in out:
                raise YamlTagError((), Problem("lint.duplicate_key", {"key": key}), line)
            self.lines[loc + (key,)] = line
            out[key] = self.build(value_node, loc + (key,))
        return out

    def _sequence(self, node: yaml.SequenceNode, loc: Loc) -> list[Any]:
        items = []
        for i, item in enumerate(node.value):
            self.lines[loc + (i,)] = item.start_mark.line + 1
            items.append(self.build(item, loc + (i,)))
        return items


def _trap(text: str, line: int) -> tuple[int, str, Problem]:
    at, problem = yaml_trap(text, line)
    return at, "", problem


def load_text(text: str, file: str) -> Document | RuleError:
    """Parse YAML text; return a Document or the first error with its line."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        return RuleError(file, 1, "", Problem("lint.file_too_large", {"limit": MAX_BYTES}))
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        opened = unclosed_flow(text, exc.context, exc.context_mark.line + 1) if exc.context_mark else None
        if opened is not None:
            return RuleError(file, opened[0], "", opened[1])
        mark = exc.problem_mark or exc.context_mark
        return RuleError(file, *_trap(text, mark.line + 1 if mark else 1))
    except yaml.YAMLError as exc:
        return RuleError(file, 1, "", Problem("lint.yaml_error", {"text": str(exc).strip().splitlines()[0]}))
    builder = _Builder()
    try:
        data = builder.build(node, ()) if node is not None else None
    except YamlTagError as exc:
        key = key_path(exc.loc)
        return RuleError(file, exc.line or 1, key, exc.problem)
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        return RuleError(file, 1, "", Problem("lint.unreadable_value", {"text": str(exc)}))
    return Document(file, data, builder.lines, text)


def load_file(path: Path, root: Path) -> Document | RuleError:
    """Read and parse one YAML file, naming it relative to root."""
    name = str(path.relative_to(root.parent)) if root.parent in path.parents else str(path)
    try:
        return load_text(path.read_text(encoding="utf-8"), name)
    except (OSError, UnicodeDecodeError) as exc:
        return RuleError(name, 1, "", Problem("lint.cannot_read", {"text": str(exc)}))
