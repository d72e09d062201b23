"""Helpers of the agency tests: upload files of the mini pack."""

from __future__ import annotations

import io
import json
from typing import Any

GOOD = {"id": "c1", "entity_type": "enterprise", "rd_expense_wan": 200, "employees": 20, "tech_staff": 5}
AS_OF = "2026-06-01"


def csv_bytes(rows: list[dict[str, Any]], encoding: str = "utf-8") -> bytes:
    """A CSV file of the rows, columns in first-seen order."""
    header: list[str] = []
    for row in rows:
        header += [k for k in row if k not in header]
    lines = [",".join(header)] + [",".join(str(r.get(h, "")) for h in header) for r in rows]
    return ("\n".join(lines) + "\n").encode(encoding)


def jsonl_bytes(rows: list[dict[str, Any]]) -> bytes:
    """A JSONL file of the rows."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")


def upload(client, name: str, data: bytes, as_of: str = AS_OF):
    """Post a file to the upload form."""
    return client.post("/agency/upload", data={"file": (io.BytesIO(data), name), "as_of": as_of},
                       content_type="multipart/form-data")


def job_id_of(response) -> int:
    """The job id of the upload's redirect."""
    assert response.status_code == 302, response.data[:1000]
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def fetch(client, url: str):
    """GET a download, read it and close the response (file-backed downloads hold a temporary file)."""
    response = client.get(url)
    data = response.get_data()
    response.close()
    return response.status_code, data
