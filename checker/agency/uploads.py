"""Read an uploaded client file safely: format, row limit, zip-bomb guard, header aliases."""

from __future__ import annotations

import datetime as dt
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

from checker.batch import FORMATS, BatchFormatError, Row, read_rows
from checker.columns import field_of
from checker.rules.pack import RulePack

MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_MEMBERS = 1000
MAX_RATIO = 200


class UploadError(ValueError):
    """The uploaded file cannot be read at all (as opposed to bad rows in it)."""


def check_zip(path: Path, max_uncompressed: int = MAX_UNCOMPRESSED) -> None:
    """Refuse an XLSX whose members would inflate beyond the limit, before openpyxl opens it."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise UploadError(f"not a valid XLSX file: {exc}") from None
    if len(members) > MAX_MEMBERS:
        raise UploadError(f"the XLSX file has more than {MAX_MEMBERS} parts")
    total = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members) or 1
    if total > max_uncompressed or total / packed > MAX_RATIO and total > 10 * 1024 * 1024:
        raise UploadError(f"the XLSX file would unpack to {total} bytes, more than allowed")


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


def _rename(row: Row, pack: RulePack) -> Row:
    """The row with label headers mapped to field ids (other columns kept as written) and cells made JSON-storable."""
    raw = {field_of(pack, str(k)) or str(k).strip(): plain(v) for k, v in row.raw.items()}
    return Row(row.number, raw, row.error)


def read_upload(path: Path, pack: RulePack, max_rows: int, max_uncompressed: int = MAX_UNCOMPRESSED) -> Iterator[Row]:
    """Rows of an uploaded file; raise UploadError if the file as a whole is unreadable or too long."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise UploadError(f"use one of {', '.join(FORMATS)}")
    if suffix == ".xlsx":
        check_zip(path, max_uncompressed)
    try:
        for count, row in enumerate(read_rows(path), 1):
            if count > max_rows:
                raise UploadError(f"more than {max_rows} rows: split the file")
            yield _rename(row, pack)
    except BatchFormatError as exc:
        raise UploadError(str(exc)) from None
