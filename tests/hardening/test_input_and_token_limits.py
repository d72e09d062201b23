"""Issue 20 item 7: a DTD anywhere in any XLSX part is refused (streaming, bounded), no user message carries a server
path, and failed API token authentications are limited per client address (429 with Retry-After, documented)."""

from __future__ import annotations

import io
import os
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from checker.batch import BatchFormatError, read_rows
from checker.guard import BLOCK, Limits, check_xlsx
from checker.web.agency.openapi import openapi_document
from tests.hardening.conftest import add_token, add_user, make_app, shut, sign_in
from tests.test_guard import xlsx_with

DTD = b'<!DOCTYPE worksheet [<!ENTITY a "aaaa">]>\n'
SHEET = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
         b'<row r="1"><c r="A1" t="inlineStr"><is><t>&a;</t></is></c></row></sheetData></worksheet>')


def _sheet(comment: int, mark: bytes = DTD) -> bytes:
    """A worksheet whose DTD follows an XML comment of `comment` bytes."""
    return b'<?xml version="1.0" encoding="UTF-8"?>\n<!--' + b"x" * comment + b"-->\n" + mark + SHEET


def test_a_dtd_after_a_70_kb_comment_is_refused(tmp_path):
    path = xlsx_with(tmp_path, "late.xlsx", {"xl/worksheets/sheet1.xml": _sheet(70_000)})
    with pytest.raises(BatchFormatError, match="sheet1.xml declares a DTD"):
        list(read_rows(path))


@pytest.mark.parametrize("cut", range(1, 9))
def test_a_mark_split_across_two_blocks_is_found(tmp_path, cut):
    limits = Limits(prolog_bytes=1024)
    head = len(b'<?xml version="1.0" encoding="UTF-8"?>\n<!--') + len(b"-->\n")
    comment = limits.prolog_bytes + BLOCK - head - cut  # "<!DOCTYPE" starts `cut` bytes before a block ends
    path = xlsx_with(tmp_path, "split.xlsx", {"xl/worksheets/sheet1.xml": _sheet(comment)})
    with pytest.raises(Exception, match="declares a DTD"):
        check_xlsx(path, limits)


def test_an_entity_in_a_renamed_or_utf16_part_is_refused(tmp_path):
    plain = xlsx_with(tmp_path, "plain.xlsx", {})
    rels = zipfile.ZipFile(plain).read("xl/_rels/workbook.xml.rels").replace(b"sheet1.xml", b"sheet1.dat")
    renamed = xlsx_with(tmp_path, "renamed.xlsx", {"xl/_rels/workbook.xml.rels": rels,
                                                   "xl/worksheets/sheet1.dat": _sheet(100_000)})
    with pytest.raises(BatchFormatError, match="sheet1.dat declares a DTD"):
        list(read_rows(renamed))
    wide = _sheet(100_000).decode("utf-8").encode("utf-16-le")
    utf16 = xlsx_with(tmp_path, "utf16.xlsx", {"xl/worksheets/sheet1.xml": wide})
    with pytest.raises(BatchFormatError, match="declares a DTD"):
        list(read_rows(utf16))


def test_the_whole_part_scan_streams_in_little_memory(tmp_path):
    noise = os.urandom(10 * 2**20).hex().encode()  # 20 MB that does not compress past the zip-bomb ratio
    sheet = b'<?xml version="1.0" encoding="UTF-8"?>\n<!--' + noise + b"-->\n" + DTD + SHEET
    path = xlsx_with(tmp_path, "big.xlsx", {"xl/worksheets/sheet1.xml": sheet})
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(BatchFormatError, match="declares a DTD"):
            list(read_rows(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * 2**20 and time.perf_counter() - started < 10, peak


def _upload(client, data: bytes, name: str = "clients.xlsx"):
    return client.post("/agency/upload", data={"file": (io.BytesIO(data), name), "as_of": "2026-06-01"},
                       content_type="multipart/form-data")


def test_no_upload_error_names_a_server_path(app, monkeypatch):
    """A parser message naming the temporary file (openpyxl's "could not read worksheets from /tmp/...") reaches the
    user without the folder, on the page and in the API."""
    monkeypatch.setattr("checker.batch.check_file", lambda *args: None)  # a part the guard would not see
    folder = tempfile.mkdtemp()
    data = xlsx_with(Path(folder), "x.xlsx", {"xl/worksheets/sheet1.xml": _sheet(10)}).read_bytes()
    token = add_token(app, add_user(app, "a@example.com"))
    client = app.test_client()
    sign_in(client, "a@example.com")
    page = _upload(client, data)
    api = app.test_client().post("/api/v1/batches", headers={"Authorization": f"Bearer {token}"},
                                 data={"file": (io.BytesIO(data), "clients.xlsx")}, content_type="multipart/form-data")
    for response in (page, api):
        text = response.get_data(as_text=True)
        assert response.status_code == 400 and "XLSX" in text
        assert tempfile.gettempdir() + "/" not in text and "/tmp" not in text, text[-2000:]


def _bearer(client, token: str, address: str = "198.51.100.9"):
    return client.get("/api/v1/measures", headers={"Authorization": f"Bearer {token}"},
                      environ_base={"REMOTE_ADDR": address})


def test_random_bearer_tokens_are_limited_per_address(tmp_path, cheap_hashes):
    app = make_app(tmp_path, API_AUTH_FAIL_LIMIT="5 per minute")
    try:
        good = add_token(app, add_user(app, "a@example.com"))
        client = app.test_client()
        codes = [_bearer(client, f"guess-{n}").status_code for n in range(7)]
        assert codes == [401] * 5 + [429] * 2
        refused = _bearer(client, good)  # from this address nothing is looked up until the window passes
        assert refused.status_code == 429 and refused.json["error"] == "rate_limited"
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert _bearer(client, good, "198.51.100.10").status_code == 200  # another address is not limited
        assert _bearer(client, "guess-x", "198.51.100.10").status_code == 401
    finally:
        shut(app)


def test_the_failed_token_limit_follows_ratelimit_enabled(tmp_path, cheap_hashes):
    app = make_app(tmp_path, API_AUTH_FAIL_LIMIT="2 per minute", RATELIMIT_ENABLED=False)
    try:
        client = app.test_client()
        assert {_bearer(client, f"guess-{n}").status_code for n in range(5)} == {401}
    finally:
        shut(app)


def test_the_openapi_document_lists_429_with_retry_after_on_every_token_operation():
    document = openapi_document()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            answer = operation["responses"].get("429")
            assert answer and "Retry-After" in answer["headers"], (method, path)
            assert "failed token" in answer["description"]
