"""The error a rule pack that does not load raises, apart from the loader: a start-up from the pack cache catches it
without importing the loader (YAML, the schema checks and the linters)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from checker.rules.yamlsrc import RuleError


class RulePackError(Exception):
    """The rule pack did not load; `errors` lists every problem found."""

    def __init__(self, errors: list[RuleError]) -> None:
        super().__init__(f"{len(errors)} error(s) in the rule pack")
        self.errors = errors
