"""Read YAML safely into plain Python, remembering the line of every key and item."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.error import MarkedYAMLError, YAMLError

Loc = tuple[Any, ...]
MAX_BYTES = 1_000_000


@dataclass
class RuleError:
    """One problem in a rule file, named by file, line and key path."""

    file: str
    line: int
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


@dataclass
class Document:
    """A parsed YAML file: plain data plus the line of each path in it."""

    file: str
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)

    def line(self, loc: Loc) -> int:
        """The line of the deepest known path on the way to loc."""
        for cut in range(len(loc), -1, -1):
            if tuple(loc[:cut]) in self.lines:
                return self.lines[tuple(loc[:cut])]
        return 1

    def error(self, loc: Loc, message: str, line_offset: int = 0) -> RuleError:
        """A RuleError at loc."""
        return RuleError(self.file, self.line(loc) + line_offset, key_path(loc), message)


def key_path(loc: Loc) -> str:
    """Render a path such as ('criteria', 3, 'test') as criteria[3].test."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class YamlTagError(ValueError):
    """A YAML tag asked to construct an object; rule files hold plain data only."""

    def __init__(self, loc: Loc, message: str) -> None:
        super().__init__(message)
        self.loc = loc


def _plain(node: Any, loc: Loc, lines: dict[Loc, int]) -> Any:
    if isinstance(node, TaggedScalar) or getattr(node, "tag", None) and _custom_tag(node):
        raise YamlTagError(loc, "YAML tags are not allowed: rule files hold plain data")
    if isinstance(node, CommentedMap):
        out = {}
        for key, value in node.items():
            lines[loc + (key,)] = _line(node.lc.key, key, lines, loc)
            out[key] = _plain(value, loc + (key,), lines)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for i, value in enumerate(node):
            lines[loc + (i,)] = _line(node.lc.item, i, lines, loc)
            items.append(_plain(value, loc + (i,), lines))
        return items
    if isinstance(node, (str, bool, int, float, dt.date)) or node is None:
        return node if not isinstance(node, str) else str(node)
    raise YamlTagError(loc, f"unsupported YAML value {type(node).__name__}")


CORE_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")}


def _custom_tag(node: Any) -> bool:
    value = getattr(getattr(node, "tag", None), "value", None)
    return bool(value) and str(value) not in CORE_TAGS


def _line(position: Any, key: Any, lines: dict[Loc, int], loc: Loc) -> int:
    try:
        return position(key)[0] + 1  # type: ignore[no-any-return]
    except (TypeError, KeyError, IndexError):
        return lines.get(loc, 1)


def load_text(text: str, file: str) -> Document | RuleError:
    """Parse YAML text; return a Document or the first error with its line."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        return RuleError(file, 1, "", f"file larger than {MAX_BYTES} bytes")
    try:
        node = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        return RuleError(file, line, "", (exc.problem or str(exc)).strip())
    except YAMLError as exc:
        return RuleError(file, 1, "", str(exc).strip().splitlines()[0])
    lines: dict[Loc, int] = {(): 1}
    try:
        return Document(file, _plain(node, (), lines), lines)
    except YamlTagError as exc:
        return Document(file, None, lines).error(exc.loc, str(exc))


def load_file(path: Path, root: Path) -> Document | RuleError:
    """Read and parse one YAML file, naming it relative to root."""
    name = str(path.relative_to(root.parent)) if root.parent in path.parents else str(path)
    try:
        return load_text(path.read_text(encoding="utf-8"), name)
    except (OSError, UnicodeDecodeError) as exc:
        return RuleError(name, 1, "", f"cannot read: {exc}")
