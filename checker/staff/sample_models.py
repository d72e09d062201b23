"""The table of impact previews over a sample file or the generated registry (beside the stored-profile previews)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from checker.jobs.models import JobMixin
from checker.models import Base
from checker.staff import impact_money
from checker.staff.impact_models import ImpactReport

KEPT_BAD = 200  # bad rows listed with their problems; `bad_rows` counts them all


class SampleImpact(ImpactReport, JobMixin, Base):
    """How a draft would change verdicts over an uploaded sample file (`source` "file", the file kept outside the
    database until the job is pruned) or N generated registry profiles ("registry", with its seed), with progress:
    `done` rows compared so far, a chunk per transaction (a checker.jobs kind)."""

    __tablename__ = "staff_sample_impact"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("staff_draft.id", ondelete="CASCADE"), nullable=True)
    draft_files: Mapped[dict[str, str | None]] = mapped_column(JSON)  # the draft's texts when started
    live_seq: Mapped[int] = mapped_column(Integer)  # the live version compared against
    as_of: Mapped[dt.date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(16))  # file | registry
    filename: Mapped[str] = mapped_column(String(255), default="")  # the uploaded file's name as sent
    suffix: Mapped[str] = mapped_column(String(8), default="")  # .csv, .xlsx or .jsonl (where the file is kept)
    seed: Mapped[int] = mapped_column(Integer, default=0)  # the registry's seed
    size: Mapped[int] = mapped_column(Integer, default=0)  # rows per chunk (a registry chunk's rows follow from it)
    before_version: Mapped[str] = mapped_column(String(64), default="")
    after_version: Mapped[str] = mapped_column(String(64), default="")
    backend: Mapped[str] = mapped_column(String(64), default="")
    compared: Mapped[int] = mapped_column(Integer, default=0)  # rows compared (a file's unreadable rows are not)
    bad_rows: Mapped[int] = mapped_column(Integer, default=0)  # rows with a bad cell or unreadable as a whole
    unreadable: Mapped[int] = mapped_column(Integer, default=0)  # rows not compared at all
    bad: Mapped[list[Any]] = mapped_column(JSON, default=list)  # the first KEPT_BAD: row, column, problem (JSON)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # measure -> kind -> rows
    money: Mapped[dict[str, Any]] = mapped_column(JSON, default=impact_money.empty)  # impact_money summary

    def progress(self) -> dict[str, Any]:
        """The poll's status, with rows compared and bad rows so far."""
        return {**super().progress(), "compared": self.compared, "bad_rows": self.bad_rows}
