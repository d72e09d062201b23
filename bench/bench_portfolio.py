"""Benchmark: `GET /agency/portfolio` of an agency with 20,000 clients (issue 12 item 3).

Run by hand:  PYTHONPATH=. .venv/bin/python bench/bench_portfolio.py [--n 20000] [--repeat 5]
Checks 60 generated clients through an upload on the real rule pack, copies their stored results to n clients
in a throwaway SQLite database, then times the portfolio page (first request, the next ones, a deep page) and
the request after one more result is stored (the summary must follow it).

Measured 2026-11-30 on the shared 2-core machine (load ~8, so CPU seconds are the fairer figure), 20,000 clients:
  before (summary re-read on every view):  every view 92-108 s CPU (313-466 s wall); page 100: 173 s CPU
  after (kept per agency and rule version): a view 0.23 s CPU (0.96 s wall); page 100: 0.23 s CPU;
                                            the view after a result stored outside a job recomputes: 93 s CPU
                                            (after a job or recheck the worker recomputes it, not the page)
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_upload import generate  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from checker import config  # noqa: E402
from checker.accounts.users import create_user  # noqa: E402
from checker.agency.models import Client, ClientResult  # noqa: E402
from checker.rules.loader import load_pack  # noqa: E402

PASSWORD = "bench password 1"


def make_app(folder: Path):
    """The web app on the real rules and a fresh SQLite database, jobs run inline."""
    from checker.web import create_app
    from checker.web.agency import init_app

    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite'}", "AGENCY_RUNNER": "inline",
                      "AGENCY_EXPORTS": str(folder / "exports")})
    init_app(app)
    return app


def seed(app, n: int) -> int:
    """An agency whose n clients hold results copied from 60 checked ones; its id."""
    sessions = app.extensions["checker"].sessions
    with sessions() as session:
        user = create_user(session, "bench@example.com", PASSWORD, "Bench")
        session.commit()
        agency_id = user.agency_id
    client = app.test_client()
    client.post("/agency/login", data={"email": "bench@example.com", "password": PASSWORD})
    rows = "".join(json.dumps({"id": f"seed-{i}", **p}, ensure_ascii=False, default=str) + "\n"
                   for i, p in enumerate(generate(load_pack(config.rules_dir()), 60)))
    client.post("/agency/upload", data={"file": (io.BytesIO(rows.encode()), "c.jsonl"), "as_of": "2026-06-01"},
                content_type="multipart/form-data")
    with sessions() as session:
        samples = session.execute(select(ClientResult.rulepack, ClientResult.as_of, ClientResult.result)).all()
        start = session.scalar(select(ClientResult.id).order_by(ClientResult.id.desc()).limit(1)) or 0
        first_client = (session.scalar(select(Client.id).order_by(Client.id.desc()).limit(1)) or 0) + 1
        session.execute(insert(Client), [{"id": first_client + i, "agency_id": agency_id, "key": f"client-{i:06d}",
                                          "name": f"客户{i}", "answers": {}} for i in range(n - len(samples))])
        results = [{"id": start + 1 + i, "agency_id": agency_id, "client_id": first_client + i,
                    "rulepack": samples[i % len(samples)][0], "as_of": samples[i % len(samples)][1],
                    "result": samples[i % len(samples)][2]} for i in range(n - len(samples))]
        session.execute(insert(ClientResult), results)
        session.commit()
    return agency_id


def timed(client, url: str) -> tuple[float, float]:
    """Wall and CPU seconds one GET takes (asserting it answered 200); CPU time holds on a shared, busy machine."""
    began, cpu = time.perf_counter(), time.process_time()
    response = client.get(url)
    elapsed = time.perf_counter() - began, time.process_time() - cpu
    assert response.status_code == 200, response.status_code
    return elapsed


def shown(figures: tuple[float, float]) -> str:
    """Wall and CPU seconds as text."""
    return f"{figures[0]:.2f} s wall / {figures[1]:.2f} s CPU"


def main() -> None:
    """Seed, time the page, print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(Path(folder))
        began = time.perf_counter()
        agency_id = seed(app, args.n)
        print(f"seeded {args.n} clients in {time.perf_counter() - began:.1f} s (agency {agency_id})")
        client = app.test_client()
        client.post("/agency/login", data={"email": "bench@example.com", "password": PASSWORD})
        first = timed(client, "/agency/portfolio")
        again = [timed(client, "/agency/portfolio") for _ in range(args.repeat)]
        deep = timed(client, f"/agency/portfolio?page={args.n // 200}")
        with app.extensions["checker"].sessions() as session:  # one more result: the summary must change
            latest = session.scalars(select(ClientResult).order_by(ClientResult.id.desc()).limit(1)).one()
            session.add(ClientResult(agency_id=agency_id, client_id=latest.client_id, rulepack=latest.rulepack,
                                     as_of=latest.as_of, result=latest.result))
            session.commit()
        changed = timed(client, "/agency/portfolio")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        median = (statistics.median(a[0] for a in again), statistics.median(a[1] for a in again))
        print(f"GET /agency/portfolio, {args.n} clients:\n  first      {shown(first)}\n  next {args.repeat} (median) "
              f"{shown(median)}\n  page {args.n // 200}    {shown(deep)}\n  after a new result {shown(changed)}\n"
              f"  peak RSS {peak:.0f} MB (pid {os.getpid()})")


if __name__ == "__main__":
    main()
