"""How many Hypothesis examples a property runs: the full count locally (random seeds, so runs explore new
ground), a bounded one on CI, where the profile is derandomized and the same examples run every time."""

from __future__ import annotations

import os


def examples(full: int, ci: int) -> int:
    """full, or ci when $CI is set (the CI profile of tests/conftest.py)."""
    return ci if os.environ.get("CI") else full
