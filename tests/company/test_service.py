"""The company service: one intake path with the API, versions of a saved link, and purging without the web app."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from checker.cli import main
from checker.company import answers, versions
from checker.company.models import Assessment, StoredResult
from checker.db import make_engine, make_sessions, upgrade
from checker.engine import Checker
from checker.intake import read_profile
from checker.models import utcnow
from checker.rules.loader import load_pack
from tests.accounts import add_token, add_user, shut
from tests.agency.conftest import make_app
from tests.web.util import AS_OF, ROOT, as_form, example_profile, token_of

DAY = dt.date.fromisoformat(AS_OF)


@pytest.fixture(scope="module")
def real_pack():  # type: ignore[no-untyped-def]
    """The checkout's rule pack."""
    return load_pack(ROOT / "rules")


def test_the_same_answers_give_the_same_result_via_form_and_api(tmp_path: Path) -> None:
    app = make_app(tmp_path, CHECKER_RULES=str(ROOT / "rules"))
    try:
        token = add_token(app, add_user(app, "a@example.com", "Agency A"))
        client = app.test_client()
        profile = example_profile()
        link = token_of(client.post("/", data=as_form(profile)).headers["Location"])
        by_form = client.get(f"/a/{link}/result.json").json
        by_api = client.post(f"/api/v1/check?as_of={AS_OF}", headers={"Authorization": f"Bearer {token}"},
                             json=profile).json
        assert by_api.pop("backend") == app.extensions["checker"].checker.backend
        assert by_form == by_api and len(by_form["results"]) > 20
    finally:
        shut(app)


def test_the_form_drops_answers_to_hidden_questions_the_api_keeps(real_pack) -> None:  # type: ignore[no-untyped-def]
    raw = {**example_profile(), "hte_certified": False, "hte_certified_on": "2024-01-05"}
    checked = answers.check(real_pack, raw, DAY)
    assert checked.ok and "hte_certified_on" not in checked.values and "hte_certified_on" not in checked.raw
    assert read_profile(real_pack, raw, DAY)["hte_certified_on"] == dt.date(2024, 1, 5)
    shown = {**raw, "hte_certified": True}
    assert answers.check(real_pack, shown, DAY).values["hte_certified_on"] == dt.date(2024, 1, 5)


def test_the_company_form_alone_applies_the_plausibility_rules(real_pack) -> None:  # type: ignore[no-untyped-def]
    raw = {**example_profile(), "hte_certified": True, "hte_certified_on": "2027-01-05"}
    assert [p.code for p in answers.check(real_pack, raw, DAY).errors["hte_certified_on"]] == \
        ["problem.cert_after_check_date"]
    assert read_profile(real_pack, raw, DAY)["hte_certified_on"] == dt.date(2027, 1, 5)


def test_new_versions_link_back_and_deleting_one_keeps_the_later(tmp_path: Path, real_pack) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'c.sqlite'}")
    upgrade(engine)
    checker = Checker(real_pack, "reference")
    values = read_profile(real_pack, example_profile(), DAY)
    try:
        with make_sessions(engine)() as session:
            first = versions.create(session, checker, example_profile(), values, DAY)
            second = versions.new_version(session, checker, first, example_profile(), values, DAY)
            third = versions.new_version(session, checker, first, example_profile(), values, DAY)
            assert [a.version for a in versions.versions(session, first)] == [1, 2, 3]
            assert versions.latest(session, second).id == third.id and second.parent_id == first.id
            stored = second.results[0]
            assert set(stored.result["results"][0]) <= {*versions.COMPACT_KEYS, "benefit"}
            full = versions.full_result(checker, second, stored)
            assert full["results"][0]["measure"] == stored.result["results"][0]["measure"] and "criteria" in full["results"][0]
            versions.delete(session, first)
            session.commit()
            assert session.get(Assessment, second.id).parent_id is None  # type: ignore[union-attr]
            assert len(session.scalars(select(StoredResult)).all()) == 2
    finally:
        engine.dispose()


def test_the_purge_command_does_not_build_the_web_app(tmp_path: Path, monkeypatch, real_pack) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'p.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    checker = Checker(real_pack, "reference")
    values = read_profile(real_pack, example_profile(), DAY)
    with make_sessions(engine)() as session:
        old, fresh = (versions.create(session, checker, example_profile(), values, DAY) for _ in range(2))
        old.created_at = old.seen_at = utcnow() - dt.timedelta(days=40)
        session.commit()
        keep = fresh.token
    engine.dispose()

    def no_app(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the purge built the web app")

    monkeypatch.setattr("checker.web.create_app", no_app)
    monkeypatch.setenv("DATABASE_URL", url)
    result = CliRunner().invoke(main, ["assessments", "purge", "--days", "30"])
    assert result.exit_code == 0, result.output
    assert "purged 1 assessments not opened for 30 days" in result.output
    engine = make_engine(url)
    with make_sessions(engine)() as session:
        assert list(session.scalars(select(Assessment.token))) == [keep]
    engine.dispose()


def test_the_purge_command_names_a_database_without_the_table(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite'}")
    result = CliRunner().invoke(main, ["assessments", "purge"])
    assert result.exit_code == 1 and "empty.sqlite: no assessment table to purge" in result.output
