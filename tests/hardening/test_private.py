"""Issue 12 item 13: no-store on private pages, secret links, their JSON and every download; SQLite file 0600, folder 0700."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from checker.company.models import Assessment
from checker.db import make_engine
from tests.hardening.conftest import PASSWORD, add_token, add_user, make_app, shut
from tests.web.util import as_form

GOOD = {"entity_type": "enterprise", "rd_expense_wan": 200, "employees": 20, "tech_staff": 5}
CSV = b"id,entity_type,rd_expense_wan,employees,tech_staff\nc1,enterprise,200,20,5\n"


@pytest.fixture
def signed_in(app):
    """A client signed in as an agency user with a saved assessment, a finished job and an API token; the ids."""
    token = add_token(app, add_user(app, "a@example.com"))
    client = app.test_client()
    assert client.post("/agency/login", data={"email": "a@example.com", "password": PASSWORD}).status_code == 302
    assert client.post("/", data=as_form(GOOD)).status_code == 302
    job = client.post("/agency/upload", content_type="multipart/form-data",
                      data={"file": (io.BytesIO(CSV), "c.csv"), "as_of": "2026-06-01"})
    with app.extensions["checker"].sessions() as session:
        link = session.scalars(select(Assessment.token)).one()
    return client, {"link": link, "job": int(job.headers["Location"].rstrip("/").split("/")[-1]), "token": token}


def _get(client, url: str, **kwargs):
    """GET a URL and close the response (downloads hold a file or a database session)."""
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


def test_private_pages_links_json_and_downloads_are_not_stored(signed_in):
    client, ids = signed_in
    link, job = ids["link"], ids["job"]
    urls = ["/agency/tokens", "/agency/", "/agency/portfolio", f"/agency/jobs/{job}", f"/agency/jobs/{job}/progress",
            f"/a/{link}", f"/a/{link}/result.json", f"/a/{link}/edit", "/agency/template.xlsx",
            f"/agency/jobs/{job}/results.csv", f"/agency/jobs/{job}/results.xlsx", f"/agency/jobs/{job}/results.csv?sheet=detail",
            "/agency/portfolio/results.csv", "/agency/portfolio/results.xlsx"]
    for url in urls:
        response = _get(client, url)
        assert response.status_code == 200, url
        assert response.headers.get("Cache-Control") == "no-store", url
    api = _get(client, f"/api/v1/batches/{job}", headers={"Authorization": f"Bearer {ids['token']}"})
    assert api.status_code == 200 and api.headers["Cache-Control"] == "no-store"


def test_staff_pages_are_kept_from_shared_caches_but_back_still_works(app):
    add_user(app, "s@example.com", None, "staff")
    client = app.test_client()
    assert client.post("/agency/login", data={"email": "s@example.com", "password": PASSWORD}).status_code == 302
    for url in ("/staff/", "/staff/audit"):
        response = _get(client, url)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-cache", url


def test_public_pages_and_static_files_stay_cacheable(app):
    client = app.test_client()
    for url in ("/", "/measures/"):
        assert "no-store" not in _get(client, url).headers.get("Cache-Control", ""), url
    css = re.search(r'href="(/static/[^"]+\.css)"', client.get("/").get_data(as_text=True)).group(1)
    assert "no-store" not in _get(client, css).headers.get("Cache-Control", "")


def test_the_sqlite_file_is_created_0600_in_a_0700_folder(tmp_path):
    old = os.umask(0o022)  # the usual umask, which made the file 0644
    try:
        folder = tmp_path / "instance"
        app = make_app(tmp_path, DATABASE_URL=f"sqlite:///{folder / 'checker.sqlite'}")
        shut(app)
    finally:
        os.umask(old)
    assert (folder / "checker.sqlite").stat().st_mode & 0o777 == 0o600
    assert folder.stat().st_mode & 0o777 == 0o700
    assert Path(app.instance_path).stat().st_mode & 0o077 == 0


def test_an_existing_world_readable_database_is_tightened(tmp_path):
    path = tmp_path / "old.sqlite"
    path.write_bytes(b"")
    path.chmod(0o644)
    make_engine(f"sqlite:///{path}").dispose()
    assert path.stat().st_mode & 0o777 == 0o600
    make_engine("sqlite://").dispose()  # in memory: nothing to create
