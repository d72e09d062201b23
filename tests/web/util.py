"""Helpers shared by the web tests."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
MINI_RULES = Path(__file__).resolve().parent / "fixtures" / "mini" / "rules"
EXAMPLE = ROOT / "examples" / "haidian-software.json"
AS_OF = "2026-06-01"


def example_profile() -> dict[str, Any]:
    """The typical Haidian software company of examples/."""
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def as_form(profile: dict[str, Any], as_of: str = AS_OF) -> dict[str, str]:
    """A profile as the form posts it."""
    data = {"q_" + k: (("true" if v else "false") if isinstance(v, bool) else str(v)) for k, v in profile.items()}
    data["as_of"] = as_of
    return data


def block(html: str, anchor: str) -> str:
    """The HTML of one question block, from its anchor to the next question."""
    start = html.rindex('<div class="q', 0, html.index(f'id="{anchor}"'))
    following = re.search(r'<div class="q', html[start + 1:])
    end = start + 1 + following.start() if following else len(html)
    return html[start:end]


def token_of(location: str) -> str:
    """The assessment token of a results URL."""
    match = re.search(r"/a/([A-Za-z0-9_-]+)$", location)
    assert match, location
    return match.group(1)
