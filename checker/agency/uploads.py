"""Read an uploaded client file safely: format, row limit, the input guard of checker.guard, header aliases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from checker.batch import FORMATS, BatchFormatError, Row, no_paths, read_rows
from checker.columns import field_of
from checker.guard import DEFAULT, InputRefused, check_file
from checker.rules.pack import RulePack

MAX_UNCOMPRESSED = DEFAULT.max_uncompressed


class UploadError(ValueError):
    """The uploaded file cannot be read at all (as opposed to bad rows in it)."""


def upload_path(folder: Path, job_id: int, suffix: str) -> Path:
    """Where a job's received file waits to be read by the job runner."""
    return folder / f"job-{job_id}{suffix}"


def waiting_upload(folder: Path, job_id: int) -> Path | None:
    """The job's received file if it has not been read into rows yet."""
    return next((path for suffix in FORMATS if (path := upload_path(folder, job_id, suffix)).exists()), None)


def peek(path: Path, pack: RulePack, max_uncompressed: int = MAX_UNCOMPRESSED) -> None:
    """Refuse at once a file unreadable as a whole (UploadError); the rows are read later, by the job runner.

    A CSV or JSONL file has its first row read. An XLSX file passes the input guard (a zip of bounded parts, no DTD)
    only: openpyxl scans a whole sheet without a <dimension> before its first row (seconds for 100k rows), and that
    is the runner's work, not the request's.
    """
    if path.suffix.lower() == ".xlsx":
        try:
            check_file(path, replace(DEFAULT, max_uncompressed=max_uncompressed))
        except InputRefused as exc:
            raise UploadError(str(exc)) from None
        return
    rows = read_upload(path, pack, 1, max_uncompressed)
    try:
        next(rows, None)
    finally:
        rows.close()


def plain(value: Any) -> Any:
    """A JSON-storable form of a cell (dates as ISO text)."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _rename(row: Row, pack: RulePack, names: dict[Any, str]) -> Row:
    """The row with label headers mapped to field ids (other columns kept as written) and cells made JSON-storable;
    `names` remembers the file's headers (each was looked up per cell: ~2 s per 100k rows of a CSV)."""
    raw = {}
    for key, value in row.raw.items():
        name = names.get(key)
        if name is None:
            name = names[key] = field_of(pack, str(key)) or str(key).strip()
        raw[name] = value if type(value) is str else plain(value)
    return Row(row.number, raw, row.error)


def read_upload(path: Path, pack: RulePack, max_rows: int,
                max_uncompressed: int = MAX_UNCOMPRESSED) -> Generator[Row, None, None]:
    """Rows of an uploaded file, through the one input guard (checker.guard); UploadError if the file as a whole is refused."""
    if path.suffix.lower() not in FORMATS:
        raise UploadError(f"use one of {', '.join(FORMATS)}")
    names: dict[Any, str] = {}
    try:
        for count, row in enumerate(read_rows(path, replace(DEFAULT, max_uncompressed=max_uncompressed)), 1):
            if count > max_rows:
                raise UploadError(f"more than {max_rows} rows: split the file")
            yield _rename(row, pack, names)
    except BatchFormatError as exc:
        raise UploadError(no_paths(str(exc), path)) from None
