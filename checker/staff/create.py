"""New rule files from the browser's forms: a measure from a template, a field, a dated parameter, a window.

Each returns the changed files ({path: text}) for a draft; texts are YAML with every value JSON-quoted,
so nothing typed into a form can change the file's structure.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from checker.staff.store import Files

STAFF_FIELDS = "fields/staff.yaml"
STAFF_PARAMETERS = "parameters/staff.yaml"
WINDOWS = "windows.yaml"


def q(value: Any) -> str:
    """A YAML scalar that reads back exactly (JSON strings are YAML double-quoted strings)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return format(value, "g") if isinstance(value, float) else str(value)
    return json.dumps(str(value), ensure_ascii=False)


def text(zh: str, en: str) -> str:
    """A bilingual text as a flow mapping."""
    return f"{{zh: {q(zh)}, en: {q(en or zh)}}}"


def append_items(current: str | None, key: str, block: str) -> str:
    """A file whose single top-level list `key` gains the block's items (the file is made when missing)."""
    if current is None or not current.strip():
        return f"{key}:\n{block}"
    body = re.sub(rf"^{key}:\s*\[\s*\]\s*$", f"{key}:", current, flags=re.M)
    return body.rstrip("\n") + "\n" + block


@dataclass
class NewField:
    """What the new-field form asks."""

    id: str
    type: str
    section: str
    label_zh: str
    label_en: str
    unit_zh: str = ""
    unit_en: str = ""
    entities: list[str] = field(default_factory=list)
    minimum: float | None = None
    choices: list[tuple[str, str, str]] = field(default_factory=list)  # value, zh, en


def add_field(files: Files, new: NewField) -> Files:
    """fields/staff.yaml with the field appended."""
    lines = [f"  - id: {new.id}", f"    type: {new.type}", f"    section: {new.section}",
             f"    label: {text(new.label_zh, new.label_en)}"]
    if new.unit_zh:
        lines.append(f"    unit: {text(new.unit_zh, new.unit_en)}")
    if new.minimum is not None:
        lines.append(f"    min: {q(new.minimum)}")
    if new.entities:
        lines.append(f"    entities: [{', '.join(new.entities)}]")
    if new.choices:
        lines.append("    values:")
        lines += [f"      - {{value: {q(v)}, label: {text(zh, en)}}}" for v, zh, en in new.choices]
    return {STAFF_FIELDS: append_items(files.get(STAFF_FIELDS), "fields", "\n".join(lines) + "\n")}


@dataclass
class DatedValue:
    """One value of a parameter and its source."""

    start: str
    value: float
    document: str
    article: str
    quote: str
    url: str = ""


def add_parameter(files: Files, pid: str, label_zh: str, label_en: str, unit_zh: str, unit_en: str,
                  values: list[DatedValue]) -> Files:
    """parameters/staff.yaml with the parameter appended, its values oldest first."""
    lines = [f"  - id: {pid}", f"    label: {text(label_zh, label_en)}"]
    if unit_zh:
        lines.append(f"    unit: {text(unit_zh, unit_en)}")
    lines.append("    values:")
    for item in sorted(values, key=lambda v: v.start):
        source = (f"{{document: {q(item.document)}, article: {q(item.article)}, quote: {q(item.quote)}"
                  + (f", url: {q(item.url)}" if item.url else ""))
        lines += [f"      - from: {item.start}", f"        value: {q(item.value)}", f"        source: {source}}}"]
    return {STAFF_PARAMETERS: append_items(files.get(STAFF_PARAMETERS), "parameters", "\n".join(lines) + "\n")}


def add_window(files: Files, measure: str, opens: str, closes: str, url: str, note_zh: str = "") -> Files:
    """windows.yaml with a call for applications of a measure appended."""
    lines = [f"  - measure: {measure}", f"    opens: {opens}", f"    closes: {closes}"]
    if url:
        lines.append(f"    url: {q(url)}")
    if note_zh:
        lines.append(f"    note: {text(note_zh, note_zh)}")
    return {WINDOWS: append_items(files.get(WINDOWS), "windows", "\n".join(lines) + "\n")}


def or_mark(written: str, mark_zh: str, mark_en: str) -> str:
    """The officer's text, else a to-fill-in mark (which lint refuses to publish)."""
    return text(written, written) if written else text(mark_zh, mark_en)


def new_measure_files(files: Files, folder: str, measure_id: str, body: str) -> Files:
    """A measure's file and its folder's index.yaml listing it."""
    index_path = f"measures/{folder}/index.yaml"
    index = files.get(index_path, "")
    listed = re.sub(r"^measures:\s*\[(.*)\]\s*$",
                    lambda m: f"measures: [{m.group(1).rstrip()}, {measure_id}]" if m.group(1).strip()
                    else f"measures: [{measure_id}]", index, flags=re.M)
    if listed == index:  # a block list
        listed = index.rstrip("\n") + f"\n  - {measure_id}\n"
    return {f"measures/{folder}/{measure_id}.yaml": body, index_path: listed}
