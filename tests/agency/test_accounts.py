"""Accounts and isolation: hashed passwords, sign-in, roles, and no agency reads another's records."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from checker.accounts.models import User
from checker.accounts.users import AccountError, authenticate, create_user, owned, seed_admin
from checker.agency.models import Job
from tests.agency.conftest import PASSWORD, add_token, add_user, sign_in
from tests.agency.util import GOOD, csv_bytes, fetch, job_id_of, upload


def test_passwords_are_hashed_and_checked(app, users):
    with app.extensions["checker"].sessions() as session:
        user = session.get(User, users["a"])
        assert PASSWORD not in user.password_hash and user.password_hash.startswith(("scrypt:", "pbkdf2:"))
        assert authenticate(session, "A@Example.com ", PASSWORD).id == users["a"]
        assert authenticate(session, "a@example.com", "wrong password") is None
        assert authenticate(session, "nobody@example.com", PASSWORD) is None


def test_create_user_refuses_bad_input(app, users):
    with app.extensions["checker"].sessions() as session:
        with pytest.raises(AccountError):
            create_user(session, "c@example.com", "short", "Agency C")
        with pytest.raises(AccountError):
            create_user(session, "a@example.com", PASSWORD, "Agency A")
        with pytest.raises(AccountError):
            create_user(session, "d@example.com", PASSWORD, "Agency D", role="admin")
        with pytest.raises(AccountError):
            create_user(session, "e@example.com", PASSWORD, None, role="agency")


def test_seed_admin_from_the_environment_is_idempotent(app):
    env = {"AGENCY_ADMIN_EMAIL": "boss@example.com", "AGENCY_ADMIN_PASSWORD": PASSWORD, "AGENCY_ADMIN_AGENCY": "Main"}
    with app.extensions["checker"].sessions() as session:
        first = seed_admin(session, env)
        again = seed_admin(session, env)
        assert first.id == again.id and first.agency.name == "Main"
        assert seed_admin(session, {}) is None


def test_sign_in_out_and_login_required(app, users):
    with app.test_client() as client:
        response = client.get("/agency/")
        assert response.status_code == 302 and "/agency/login" in response.headers["Location"]
        assert client.post("/agency/login", data={"email": "a@example.com", "password": "nope"}).status_code == 401
        sign_in(client, "a@example.com")
        assert client.get("/agency/").status_code == 200
        client.post("/agency/logout")
        assert client.get("/agency/").status_code == 302


def test_login_does_not_redirect_off_site(app, users):
    with app.test_client() as client:
        response = client.post("/agency/login?next=//evil.example/x", data={"email": "a@example.com", "password": PASSWORD})
        assert response.headers["Location"].endswith("/agency/")


def test_staff_users_cannot_use_agency_pages(app, users):
    with app.test_client() as client:
        sign_in(client, "staff@example.com")
        response = client.get("/agency/")  # staff land in their own area, not on a bare "Forbidden"
        assert response.status_code == 302 and response.headers["Location"].endswith("/staff/")


def test_owned_limits_queries_to_the_users_agency(app, users, alice, bob):
    job_a = job_id_of(upload(alice, "a.csv", csv_bytes([GOOD])))
    job_b = job_id_of(upload(bob, "b.csv", csv_bytes([GOOD])))
    with app.extensions["checker"].sessions() as session:
        a, staff = session.get(User, users["a"]), session.get(User, users["staff"])
        assert [j.id for j in session.scalars(owned(select(Job), a))] == [job_a]
        assert job_b not in [j.id for j in session.scalars(owned(select(Job), a))]
        assert list(session.scalars(owned(select(Job), staff))) == []


def test_an_agency_cannot_reach_another_agencys_records(app, users, alice, bob):
    job = job_id_of(upload(alice, "a.csv", csv_bytes([{**GOOD, "id": "Alice Client"}])))
    page = alice.get("/agency/portfolio").get_data(as_text=True)
    assert "Alice Client" in page
    with app.extensions["checker"].sessions() as session:
        from checker.agency.models import Client

        client_id = session.scalars(select(Client.id)).one()
    for url in (f"/agency/jobs/{job}", f"/agency/jobs/{job}/progress", f"/agency/jobs/{job}/results.csv",
                f"/agency/jobs/{job}/results.xlsx", f"/agency/clients/{client_id}"):
        assert fetch(alice, url)[0] == 200, url
        assert fetch(bob, url)[0] == 404, url
    assert bob.post(f"/agency/jobs/{job}/cancel").status_code == 404
    assert "Alice Client" not in bob.get("/agency/portfolio").get_data(as_text=True)
    assert "a.csv" not in bob.get("/agency/").get_data(as_text=True)


def test_an_api_token_cannot_reach_another_agencys_batch(app, users, alice):
    job = job_id_of(upload(alice, "a.csv", csv_bytes([GOOD])))
    token_b = add_token(app, users["b"])
    with app.test_client() as client:
        headers = {"Authorization": f"Bearer {token_b}"}
        assert client.get(f"/api/v1/batches/{job}", headers=headers).status_code == 404
        assert client.post(f"/api/v1/batches/{job}/cancel", headers=headers).status_code == 404
        assert client.get("/api/v1/batches", headers=headers).json["batches"] == []


def test_new_user_of_an_existing_agency_shares_its_records(app, users, alice):
    job = job_id_of(upload(alice, "a.csv", csv_bytes([GOOD])))
    add_user(app, "a2@example.com", "Agency A")
    with app.test_client() as client:
        sign_in(client, "a2@example.com")
        assert client.get(f"/agency/jobs/{job}").status_code == 200
