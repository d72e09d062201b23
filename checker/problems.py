"""Why an answer, a cell or a row was rejected: a catalogue code with its parameters, put into words where it is shown.

Parsing raises ProblemError (a ValueError) carrying a Problem; pages, exports and the CLI call Problem.text(lang).
Stored problems keep {"code", "params"} beside the English message, so a saved job is shown in either language later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from checker.i18n import translate


@dataclass(frozen=True)
class Problem:
    """A rejection: its catalogue key ("problem.<name>") and the values its text names."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        """The problem in words, in the given language (zh or en); a Problem among the params is put in the same one."""
        return translate(self.code, lang, **{k: v.text(lang) if isinstance(v, Problem) else v for k, v in self.params.items()})

    def __str__(self) -> str:
        return self.text("en")

    def to_json(self) -> dict[str, Any]:
        """The stored form: code, parameters (a Problem among them stored the same way) and the English message."""
        params = {k: v.to_json() if isinstance(v, Problem) else v for k, v in self.params.items()}
        return {"code": self.code, "params": params, "message": str(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Problem:
        """A stored problem; one stored before problems had codes keeps its English message."""
        if "code" in data:
            params = {k: cls.from_json(v) if isinstance(v, dict) and "code" in v else v
                      for k, v in (data.get("params") or {}).items()}
            return cls(data["code"], params)
        return cls("problem.other", {"text": data.get("message", "")})


class ProblemError(ValueError):
    """A value was rejected; `problem` says why, in any language."""

    def __init__(self, code: str, **params: Any) -> None:
        self.problem = Problem(code, params)
        super().__init__(str(self.problem))


def problem_of(exc: ValueError) -> Problem:
    """The Problem an error carries (any other ValueError keeps its own English text)."""
    return exc.problem if isinstance(exc, ProblemError) else Problem("problem.other", {"text": str(exc)})


def plain(number: float) -> str:
    """A number written out in full for a message: 1e+12 becomes 1,000,000,000,000, 0.5 stays 0.5."""
    return f"{number:,.0f}" if number == int(number) else f"{number:,}"


def shown(value: Any) -> Any:
    """A rejected raw value as a problem keeps it (JSON-safe: text and numbers as given, anything else as text)."""
    return value if isinstance(value, (str, int, float)) and not isinstance(value, bool) else str(value)
