"""The table of background impact previews: one run per draft content (or rollback target), live version and date."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from checker.jobs.models import JobMixin
from checker.models import Base
from checker.staff import impact_money

KEPT_ROWS = 500  # changed verdicts kept to show; the counts cover them all


class ImpactReport:
    """What both impact previews (stored profiles, sample file or registry) read of their counts and money."""

    if TYPE_CHECKING:  # the mapped columns of the job class
        counts: dict[str, Any]
        money: dict[str, Any] | None

    def count(self, kind: str) -> int:
        """How many changed verdicts are of this kind, over every measure."""
        return sum(int(kinds.get(kind, 0)) for kinds in (self.counts or {}).values())

    def by_measure(self) -> dict[str, dict[str, int]]:
        """For each measure, how many verdicts change in each kind."""
        return dict(sorted((self.counts or {}).items()))

    def money_types(self) -> list[tuple[str, dict[str, Any]]]:
        """Before/after totals and amount changes per money type (cash, tax saving, financing)."""
        return impact_money.ordered_types(self.money)

    def money_measures(self) -> list[tuple[str, dict[str, Any]]]:
        """The measures whose amount moved on some profile, with their totals."""
        return impact_money.changed_measures(self.money)

    def money_companies(self) -> dict[str, Any]:
        """How many companies gain or lose money, and those with the largest change."""
        return (self.money or impact_money.empty())["companies"]


class ImpactJob(ImpactReport, JobMixin, Base):
    """How publishing a draft (or rolling back to a version) would change verdicts on every stored profile, with
    its progress: profiles are walked in chunks by id (assessments, then agency clients) and each chunk commits
    (a checker.jobs kind)."""

    __tablename__ = "staff_impact_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), index=True)  # draft content or target + live version + as_of
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("staff_draft.id", ondelete="CASCADE"), nullable=True)
    draft_files: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)  # the draft's texts when started
    target_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)  # a rollback's target version
    live_seq: Mapped[int] = mapped_column(Integer)  # the live version compared against
    as_of: Mapped[dt.date] = mapped_column(Date)
    before_version: Mapped[str] = mapped_column(String(64), default="")  # rule versions compared (pack.version)
    after_version: Mapped[str] = mapped_column(String(64), default="")
    backend: Mapped[str] = mapped_column(String(64), default="")  # which evaluator decided
    last_assessment: Mapped[int] = mapped_column(Integer, default=0)  # profiles up to these ids are in the job
    last_client: Mapped[int] = mapped_column(Integer, default=0)
    after_assessment: Mapped[int] = mapped_column(Integer, default=0)  # ... and up to these, done: resumable
    after_client: Mapped[int] = mapped_column(Integer, default=0)
    unreadable: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    companies_total: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # measure -> kind -> changed verdicts
    rows: Mapped[list[Any]] = mapped_column(JSON, default=list)  # the first KEPT_ROWS changes
    text_hash: Mapped[str] = mapped_column(String(64), index=True, default="", server_default="")  # drafts.text_hash
    money: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # impact_money summary (amounts)

    @property
    def profiles(self) -> int:
        """Stored profiles compared so far."""
        return self.done
