"""The impact preview worked out the simple way, profile by profile on two checkers: the oracle of the job's counts."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from checker.accounts.models import Agency
from checker.agency.models import Client
from checker.company.models import Assessment
from checker.engine import Checker
from checker.engine.answer import broad_kind, change_kind
from checker.staff.impact_job import assessment_label, client_label, readable


@dataclass(frozen=True)
class Change:
    """One measure's verdict on one stored profile that the draft changes."""

    company: str
    measure: str
    before: str | None
    after: str | None

    @property
    def kind(self) -> str:
        """newly_eligible, no_longer_eligible or other (checker.engine.answer.change_kind, broadly)."""
        return broad_kind(change_kind(self.before, self.after)) or "other"


@dataclass
class Impact:
    """What publishing the draft would change on the stored profiles."""

    profiles: int = 0
    unreadable: int = 0
    changes: list[Change] = field(default_factory=list)

    @property
    def companies(self) -> list[str]:
        """The companies with at least one changed verdict."""
        return sorted({c.company for c in self.changes})

    def by_measure(self) -> dict[str, Counter]:
        """For each measure, how many verdicts change in each kind."""
        out: dict[str, Counter] = {}
        for change in self.changes:
            out.setdefault(change.measure, Counter())[change.kind] += 1
        return dict(sorted(out.items()))

    def count(self, kind: str) -> int:
        """How many changes are of this kind."""
        return sum(1 for c in self.changes if c.kind == kind)


def stored_profiles(session: Session) -> Iterator[tuple[str, Any]]:
    """(company, answers) of every saved assessment and agency client, streamed (the in-request reference walk;
    the staff pages run impact_job instead)."""
    for a in session.scalars(select(Assessment).order_by(Assessment.id).execution_options(yield_per=500)):
        yield assessment_label(a), a.answers
    query = select(Client, Agency.name).join(Agency, Agency.id == Client.agency_id).order_by(Client.id)
    for client, agency in session.execute(query.execution_options(yield_per=500)):
        yield client_label(client, agency), client.answers


def verdicts(checker: Checker, answers: Any, as_of: dt.date) -> dict[str, str] | None:
    """Each measure's status for raw answers, None if they do not read under this pack."""
    values = readable(checker.pack, answers, as_of)
    if values is None:
        return None
    return {r.measure: r.status for r in checker.check(values, as_of).results}


def impact(live: Checker, draft: Checker, profiles: Iterable[tuple[str, Any]], as_of: dt.date) -> Impact:
    """Compare the verdicts of both packs on every profile."""
    report = Impact()
    for company, answers in profiles:
        report.profiles += 1
        before, after = verdicts(live, answers, as_of), verdicts(draft, answers, as_of)
        if before is None or after is None:
            report.unreadable += 1
            continue
        for measure in sorted(before.keys() | after.keys()):
            if before.get(measure) != after.get(measure):
                report.changes.append(Change(company, measure, before.get(measure), after.get(measure)))
    return report
