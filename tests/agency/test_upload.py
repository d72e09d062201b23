"""Uploads: every row validated, bad rows listed with row/column/reason, good rows checked, limits enforced."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from checker.agency.jobs import row_answers
from checker.agency.models import ClientResult, JobRow
from checker.batch import BatchFormatError, read_rows
from checker.guard import Limits
from tests.agency.conftest import make_app, shut, sign_in
from tests.agency.util import GOOD, csv_bytes, job_id_of, jsonl_bytes, upload

MIXED = [
    GOOD,
    {**GOOD, "id": "c2", "rd_expense_wan": "lots"},
    {**GOOD, "id": "c3", "tech_staff": 50},
    {**GOOD, "id": "c4", "entity_type": "spaceship"},
    {**GOOD, "id": "c5", "rd_expense_wan": 50},
]


def _rows(app, job_id: int) -> dict[int, JobRow]:
    with app.extensions["checker"].sessions() as session:
        return {r.number: r for r in session.scalars(select(JobRow).where(JobRow.job_id == job_id))}


def test_bad_rows_are_listed_and_good_rows_checked(app, alice):
    job = job_id_of(upload(alice, "clients.csv", csv_bytes(MIXED)))
    rows = _rows(app, job)
    # A bad cell makes only that answer unknown: every client is checked and each bad cell listed, on the row
    # Excel shows it (the header is row 1, so the second client is row 3)
    assert {n: r.state for n, r in rows.items()} == dict.fromkeys(range(2, 7), "done")
    assert rows[3].problems == [{"field": "rd_expense_wan", "code": "problem.not_a_number", "params": {"value": "lots"},
                                 "message": "'lots' is not a number"}]
    assert rows[4].problems[0]["field"] == "tech_staff"
    assert rows[5].problems[0]["field"] == "entity_type"
    page = alice.get(f"/agency/jobs/{job}").get_data(as_text=True)
    assert "<td>3</td><td>c2</td><td>研发费用</td><td>“lots”不是数字</td>" in page
    english = alice.get(f"/agency/jobs/{job}?lang=en").get_data(as_text=True)
    assert "<td>3</td><td>c2</td><td>R&amp;D expense</td><td>&#39;lots&#39; is not a number</td>" in english
    assert "<td>5</td><td>c4</td><td>主体类型</td>" in page
    progress = alice.get(f"/agency/jobs/{job}/progress").json
    assert progress | {"total": 5, "done": 5, "errors": 0, "checked": 5, "status": "done"} == progress
    problems = alice.get(f"/agency/jobs/{job}/results.csv?sheet=problems").data.decode("utf-8-sig").splitlines()
    assert problems[0] == "Row,Client,Name,Column,Problem" and len(problems) == 4  # the page was last seen in English
    assert problems[1].startswith("3,c2,c2,")


def test_nothing_is_dropped(app, alice):
    rows = [{**GOOD, "id": f"c{i}", "rd_expense_wan": i * 10 if i % 3 else "x"} for i in range(1, 31)]
    job = job_id_of(upload(alice, "many.jsonl", jsonl_bytes(rows)))
    stored = _rows(app, job)
    assert sorted(stored) == list(range(1, 31))
    assert sum(bool(r.problems) for r in stored.values()) == 10 and all(r.state == "done" for r in stored.values())
    with app.extensions["checker"].sessions() as session:
        assert session.scalar(select(func.count()).select_from(ClientResult).where(ClientResult.job_id == job)) == 30


def test_gbk_csv_with_chinese_headers(app, alice):
    text = "编号,主体类型,研发费用,职工总数,科技人员数\n甲公司,enterprise,150,30,6\n乙公司,enterprise,不知道,30,6\n"
    job = job_id_of(upload(alice, "客户.csv", text.encode("gbk")))
    rows = _rows(app, job)
    with app.extensions["checker"].sessions() as session:
        answers = row_answers(session, job)
    assert answers[2]["id"] == "甲公司" and answers[2]["rd_expense_wan"] == "150"
    assert rows[2].state == "done" and rows[3].state == "done"
    page = alice.get(f"/agency/jobs/{job}").get_data(as_text=True)
    assert "甲公司" in page and "乙公司" in page


def test_xlsx_upload_with_a_bad_row(app, alice):
    book = Workbook()
    sheet = book.active
    sheet.append(["id", "entity_type", "rd_expense_wan", "employees", "tech_staff"])
    sheet.append(["x1", "enterprise", 120, 10, 2])
    sheet.append(["x2", "enterprise", -5, 10, 2])
    data = io.BytesIO()
    book.save(data)
    job = job_id_of(upload(alice, "clients.xlsx", data.getvalue()))
    rows = _rows(app, job)
    assert rows[2].state == "done"  # the first client is on Excel's row 2, under the header
    assert rows[3].state == "done" and rows[3].problems[0]["field"] == "rd_expense_wan"


def test_unreadable_files_are_refused_whole(app, alice):
    response = upload(alice, "clients.xlsx", b"not a zip at all")
    assert response.status_code == 400 and "XLSX" in response.get_data(as_text=True)
    assert upload(alice, "clients.txt", b"a,b\n").status_code == 400
    assert upload(alice, "clients.csv", "\ufffe".encode("utf-16") + b"\xff\xfe\x00").status_code == 400


def _bomb(size: int) -> bytes:
    """A tiny zip holding one huge, highly compressible member."""
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * size)
    return data.getvalue()


def test_zip_bomb_is_refused_before_opening(tmp_path, app, alice):
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(_bomb(30 * 1024 * 1024))
    assert path.stat().st_size < 100_000
    with pytest.raises(BatchFormatError, match="unpack"):
        read_rows(path, Limits(max_uncompressed=10 * 1024 * 1024))
    response = upload(alice, "bomb.xlsx", path.read_bytes())
    assert response.status_code == 400 and "unpack" in response.get_data(as_text=True)


def test_row_and_size_limits(tmp_path):
    application = make_app(tmp_path, AGENCY_MAX_ROWS=3, AGENCY_MAX_UPLOAD=2000)
    try:
        from tests.agency.conftest import add_user

        add_user(application, "a@example.com", "A")
        client = application.test_client()
        sign_in(client, "a@example.com")
        rows = [{**GOOD, "id": f"c{i}"} for i in range(5)]
        job = job_id_of(upload(client, "many.csv", csv_bytes(rows)))  # the runner reads the rows, not the request
        progress = client.get(f"/agency/jobs/{job}/progress").json
        assert progress["status"] == "failed" and progress["total"] == 0
        assert "more than 3 rows" in client.get(f"/agency/jobs/{job}").get_data(as_text=True)
        big = csv_bytes([{**GOOD, "id": "x" * 100}] * 2) + b"#" * 3000
        refused = upload(client, "big.csv", big)
        assert refused.status_code == 413 and "文件超过 0.00191 MB 的上限" in refused.get_data(as_text=True)
    finally:
        shut(application)


def test_uploads_beyond_the_apps_form_limit_are_accepted(app, alice):
    rows = [{**GOOD, "id": f"client-{i:05d}-" + "x" * 100} for i in range(2500)]
    data = csv_bytes(rows)
    assert len(data) > app.config["MAX_CONTENT_LENGTH"]
    job = job_id_of(upload(alice, "big.csv", data))
    assert alice.get(f"/agency/jobs/{job}/progress").json["checked"] == 2500


def test_an_xlsx_with_a_dtd_or_a_wide_csv_is_a_400_bad_file(tmp_path, app, users):
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    from tests.agency.conftest import add_token
    from tests.test_guard import xlsx_with

    dtd = xlsx_with(tmp_path, "dtd.xlsx", {"xl/worksheets/sheet1.xml": b'<?xml version="1.0"?><!DOCTYPE x []><worksheet/>'})
    wide = (",".join(f"c{i}" for i in range(1_000_000)) + "\n").encode()
    headers = {"Authorization": f"Bearer {add_token(app, users['a'])}"}
    client = app.test_client()
    for name, data, message in (("dtd.xlsx", dtd.read_bytes(), "declares a DTD"), ("wide.csv", wide, "header line is longer")):
        boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), name), "as_of": "2026-06-01"})
        response = client.post("/api/v1/batches", headers=headers, data=body,  # in memory, not the client's spool file
                               content_type=f"multipart/form-data; boundary={boundary}")
        assert response.status_code == 400 and response.json["error"] == "bad_file" and message in response.json["message"]


def test_a_query_argument_named_like_url_fors_own_is_no_500(app):
    response = app.test_client().get("/?_method=POST&_external=1&lang=en")
    assert response.status_code == 200


def test_an_absurd_amount_is_kept_and_warned_about_on_its_row(app, alice):
    rows = [GOOD, {**GOOD, "id": "c2", "rd_expense_wan": 1e12}]
    job = job_id_of(upload(alice, "clients.csv", csv_bytes(rows)))
    stored = _rows(app, job)
    assert stored[2].problems == [] and [p["code"] for p in stored[3].problems] == ["problem.implausible"]
    page = alice.get(f"/agency/jobs/{job}").get_data(as_text=True)
    assert "<td>3</td><td>c2</td><td>研发费用</td><td>“研发费用”为 1,000,000,000,000 万元，远超常见范围" in page
    with app.extensions["checker"].sessions() as session:
        result = session.scalars(select(ClientResult).where(ClientResult.job_id == job, ClientResult.row_number == 3)).one()
    assert {r["measure"]: r["status"] for r in result.result["results"]}["grant-a"] == "eligible"  # checked as given
