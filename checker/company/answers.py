"""A company's answers, from the form, the guided interview or a saved link: the API's and the CLI's intake path
(checker.intake.check_answers), with answers to hidden questions dropped and the company plausibility rules."""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from checker.company.plausibility import plausible
from checker.intake import Checked, Parsed, check_answers
from checker.rules.pack import RulePack


def check(pack: RulePack, raw: Mapping[str, Any], as_of: dt.date, parsed: Parsed | None = None) -> Checked:
    """Field, cross-field and plausibility checks of a company's answers, each answer parsed once (or given parsed);
    answers to questions the form hides (another entity's, or asked_when known false) are dropped, not checked."""
    return check_answers(pack, raw, as_of, drop_hidden=True, extra=plausible, parsed=parsed)
