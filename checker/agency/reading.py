"""How a job row's lenient reading is stored: the result with the row's extra columns, and its cell problems."""

from __future__ import annotations

from typing import Any

from checker.columns import Reading, read_answers

__all__ = ["read_answers", "with_extras"]


def with_extras(result: dict[str, Any], reading: Reading) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A row's stored verdict: its result (carrying the extra columns, cells as text) and its cell problems."""
    if reading.extra:
        result = {**result, "extra": {k: _text(v) for k, v in reading.extra.items()}}
    return result, [{"field": p.field, **p.problem.to_json()} for p in reading.problems]


def _text(value: Any) -> Any:
    """A JSON-storable cell."""
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)
