"""An agency's portfolio of clients: re-check them against the current pack and report what changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checker.agency.jobs import compact
from checker.agency.models import Client, ClientResult
from checker.engine import Checker
from checker.intake import read_profile
from checker.profile import ProfileError

KINDS = ("newly_eligible", "no_longer_eligible", "newly_undetermined", "newly_ineligible")


@dataclass
class Change:
    """One client's verdict on one measure moved."""

    client_id: int
    client: str
    measure: str
    before: str | None
    after: str
    kind: str


@dataclass
class RecheckReport:
    """What a recheck did: clients checked, clients whose answers no longer pass validation, the changes."""

    checked: int = 0
    problems: list[tuple[str, str, str]] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    def by_kind(self) -> dict[str, list[Change]]:
        """The changes grouped by kind, every kind present."""
        return {k: [c for c in self.changes if c.kind == k] for k in KINDS}


@dataclass
class Portfolio:
    """The clients of one agency, read through a session."""

    session: Session
    agency_id: int

    def clients(self) -> Iterator[Client]:
        """The agency's clients in key order."""
        query = select(Client).where(Client.agency_id == self.agency_id).order_by(Client.key)
        yield from self.session.scalars(query)

    def latest(self) -> dict[int, ClientResult]:
        """Each client's most recent stored result."""
        newest = (select(func.max(ClientResult.id)).where(ClientResult.agency_id == self.agency_id)
                  .group_by(ClientResult.client_id))
        found = self.session.scalars(select(ClientResult).where(ClientResult.id.in_(newest)))
        return {r.client_id: r for r in found}


def kind_of(before: str | None, after: str) -> str | None:
    """How a measure's status moved, or None if it did not."""
    if before == after:
        return None
    if after == "eligible":
        return "newly_eligible"
    if before == "eligible":
        return "no_longer_eligible"
    return "newly_undetermined" if after == "undetermined" else "newly_ineligible"


def diff(client: Client, before: dict[str, Any] | None, after: dict[str, Any]) -> list[Change]:
    """The measures whose status differs between two results of one client."""
    old = {r["measure"]: r["status"] for r in (before or {}).get("results", [])}
    changes = []
    for r in after["results"]:
        kind = kind_of(old.get(r["measure"]), r["status"])
        if kind and before is not None:
            changes.append(Change(client.id, client.key, r["measure"], old.get(r["measure"]), r["status"], kind))
    return changes


def recheck(portfolio: Portfolio, checker: Checker, as_of: dt.date | None = None, lang: str = "zh") -> RecheckReport:
    """Check every client again with the checker's pack, store the results and report the changes. Caller commits."""
    report = RecheckReport()
    latest = portfolio.latest()
    for client in portfolio.clients():
        previous = latest.get(client.id)
        when = as_of or (previous.as_of if previous else dt.date.today())
        try:
            values = read_profile(checker.pack, client.answers, when)
        except ProfileError as exc:
            report.problems += [(client.key, p.field, p.message) for p in exc.problems]
            continue
        result = compact(checker.check(values, when, lang))
        portfolio.session.add(ClientResult(agency_id=portfolio.agency_id, client_id=client.id, rulepack=result["rulepack"],
                                           as_of=when, result=result))
        report.checked += 1
        report.changes += diff(client, previous.result if previous else None, result)
    portfolio.session.flush()
    return report
