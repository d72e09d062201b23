"""Concurrency: many clients at once through a live server give exactly the single-threaded verdicts, and leave nothing behind."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from checker import config
from checker.engine import Checker
from checker.engine.durable_adapter import live_sessions
from checker.intake import read_profile
from checker.rules.loader import load_pack
from checker.rules.pack import RulePack
from checker.rules.profile import ProfileError
from tests.hardening.conftest import add_token, add_user, make_app, serve, shut, stop
from tests.web.util import MINI_RULES, example_profile

AS_OF = dt.date(2026, 6, 1)
THREADS, PER_THREAD, FULL_PER_THREAD, TWO_PER_THREAD = 8, 250, 25, 100
DEADLINE_S = 120.0
SCALES = (0, 0.05, 0.3, 0.8, 1, 1.5, 4, 20)


def varied_profiles(pack: RulePack, count: int = 40, seed: int = 7) -> list[dict[str, Any]]:
    """Deterministic valid variations of the example company: scaled amounts, flipped answers, dropped and added ones."""
    rng = random.Random(seed)
    base = example_profile()
    extra_bools = [f for f, d in pack.fields.items() if d.type == "bool" and f not in base]
    found: list[dict[str, Any]] = []
    for _ in range(count * 20):
        profile: dict[str, Any] = {}
        for key, value in base.items():
            if key not in ("entity_type", "name") and rng.random() < 0.12:
                continue  # unanswered: the verdict has open questions
            if isinstance(value, bool):
                profile[key] = value if rng.random() < 0.7 else not value
            elif isinstance(value, int | float):
                scaled = value * rng.choice(SCALES)
                profile[key] = int(scaled) if isinstance(value, int) else round(scaled, 2)
            else:
                profile[key] = value
        profile.update({f: rng.random() < 0.5 for f in rng.sample(extra_bools, k=min(6, len(extra_bools)))})
        if _valid(pack, profile):
            found.append(profile)
        if len(found) == count:
            break
    return found


def random_profiles(pack: RulePack, count: int = 40, seed: int = 11) -> list[dict[str, Any]]:
    """Deterministic valid profiles answering each question of a (small) pack at random, some left open."""
    rng = random.Random(seed)
    picks = {"bool": lambda d: rng.random() < 0.5, "int": lambda d: rng.choice((0, 1, 3, 5, 10, 20, 50, 100, 500)),
             "decimal": lambda d: rng.choice((0, 0.5, 10, 99.5, 100, 200, 1000, 5000)),
             "enum": lambda d: rng.choice([c.value for c in d.values or []]),
             "date": lambda d: (dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(4500))).isoformat()}
    found: list[dict[str, Any]] = []
    for number in range(count * 50):
        profile: dict[str, Any] = {"id": f"p{number}"}
        for fid, decl in pack.fields.items():
            if decl.type in picks and (fid == "entity_type" or rng.random() < 0.8):
                profile[fid] = picks[decl.type](decl)
        if _valid(pack, profile) and profile not in found:
            found.append(profile)
        if len(found) == count:
            break
    return found


def _valid(pack: RulePack, profile: dict[str, Any]) -> bool:
    """Whether the profile passes intake."""
    try:
        read_profile(pack, profile, AS_OF)
    except ProfileError:
        return False
    return True


def expected_verdicts(pack: RulePack, profiles: list[dict[str, Any]]) -> dict[tuple[int, str], Any]:
    """Each profile's result in both languages from a local durable checker, one at a time (as the API answers it:
    with the backend that decided)."""
    checker = Checker(pack, "durable")
    try:
        return {(i, lang): {**json.loads(json.dumps(checker.check(read_profile(pack, p, AS_OF), AS_OF, lang).to_json())),
                            "backend": "durable"}
                for i, p in enumerate(profiles) for lang in ("zh", "en")}
    finally:
        checker.close()


def hammer(base: str, token: str, profiles: list[dict[str, Any]], expected: dict, threads: int, per_thread: int,
           offset: int = 0) -> dict[str, Any]:
    """Post checks from several threads at once; count successes, errors and wrong verdicts."""
    host, port = base.removeprefix("http://").split(":")
    counts = {"ok": 0, "errors": [], "wrong": []}
    lock = threading.Lock()
    deadline = time.monotonic() + DEADLINE_S
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def client(number: int) -> None:
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        try:
            for k in range(per_thread):
                if time.monotonic() > deadline:
                    with lock:
                        counts["errors"].append(f"thread {number}: deadline passed after {k} checks")
                    return
                index = (number * 7 + k * 3 + offset) % len(profiles)
                lang = "en" if (k + number) % 3 == 0 else "zh"
                body = json.dumps({"profile": profiles[index], "as_of": AS_OF.isoformat(), "lang": lang})
                try:
                    connection.request("POST", "/api/v1/check", body=body, headers=headers)
                    response = connection.getresponse()
                    data = response.read()
                except (OSError, http.client.HTTPException) as exc:
                    connection.close()
                    connection = http.client.HTTPConnection(host, int(port), timeout=30)
                    with lock:
                        counts["errors"].append(f"thread {number} #{k}: {type(exc).__name__}: {exc}")
                    continue
                with lock:
                    if response.status != 200:
                        counts["errors"].append(f"thread {number} #{k}: HTTP {response.status} {data[:200]!r}")
                    elif json.loads(data) != expected[(index, lang)]:
                        counts["wrong"].append((number, k, index, lang))
                    else:
                        counts["ok"] += 1
        finally:
            connection.close()

    workers = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=DEADLINE_S + 30)
    assert not any(w.is_alive() for w in workers), "a client thread hung"
    return counts


def _outcomes(verdicts: dict) -> set[tuple[str, ...]]:
    """The distinct status vectors among the verdicts."""
    return {tuple(m["status"] for m in r["results"]) for (_, lang), r in verdicts.items() if lang == "zh"}


@pytest.fixture(scope="module")
def mini_pack() -> RulePack:
    """The small fixture pack: cheap checks, so thousands fit in a few seconds."""
    return load_pack(MINI_RULES)


@pytest.fixture(scope="module")
def mini_cases(mini_pack: RulePack) -> tuple[list[dict[str, Any]], dict]:
    """Forty varied profiles of the mini pack and their single-threaded results."""
    found = random_profiles(mini_pack)
    verdicts = expected_verdicts(mini_pack, found)
    assert len(found) == 40 and len(_outcomes(verdicts)) >= 4
    return found, verdicts


@pytest.fixture(scope="module")
def full_cases(pack: RulePack) -> tuple[list[dict[str, Any]], dict]:
    """Forty variations of the example company on the project pack and their single-threaded results."""
    found = varied_profiles(pack)
    verdicts = expected_verdicts(pack, found)
    assert len(found) == 40 and len(_outcomes(verdicts)) >= 20, "the profiles should lead to many different verdicts"
    return found, verdicts


def _hammer_one_server(tmp_path: Path, pack: RulePack, rules: Path, cases: tuple[list, dict], per_thread: int) -> None:
    """A live waitress server (8 threads) on the durable engine; 8 clients at once; every verdict and session checked."""
    app = make_app(tmp_path, CHECKER_PACK=pack, CHECKER_RULES=str(rules), CHECKER_ENGINE="durable",
                   API_RATE_LIMIT="1000000 per minute")
    try:
        token = add_token(app, add_user(app, "load@example.com"))
        rules = app.extensions["checker"].checker._rules
        first = next(rules._sids)
        base, server, thread = serve(app, threads=8)
        try:
            counts = hammer(base, token, *cases, THREADS, per_thread)
        finally:
            stop(server, thread)
        assert counts["errors"] == [] and counts["wrong"] == []
        assert counts["ok"] == THREADS * per_thread
        last = next(rules._sids)
        assert last - first - 1 == THREADS * per_thread * len(rules.groups)  # every check went through the engine
        assert live_sessions(rules, range(first, last + 1)) == 0
    finally:
        shut(app)


def test_2000_checks_from_eight_clients_at_once_match_the_single_threaded_verdicts(tmp_path, mini_pack, mini_cases,
                                                                                   cheap_hashes):
    _hammer_one_server(tmp_path, mini_pack, MINI_RULES, mini_cases, PER_THREAD)


def test_the_full_pack_under_eight_concurrent_clients_matches_too(tmp_path, pack, full_cases, cheap_hashes):
    _hammer_one_server(tmp_path, pack, config.rules_dir(), full_cases, FULL_PER_THREAD)


SERVER = """
import os, sys
from waitress.server import create_server
from checker.web import create_app
from tests.hardening.conftest import wire
app = wire(create_app({"CHECKER_ENGINE": "durable", "API_RATE_LIMIT": "1000000 per minute", "AGENCY_RUNNER": "thread"}))
server = create_server(app, host="127.0.0.1", port=0, threads=4)
print(server.effective_port, flush=True)
server.run()
"""


def start_server(env: dict[str, str], cwd: Path) -> tuple[subprocess.Popen, str]:
    """A waitress server in its own process; the process and its base URL."""
    process = subprocess.Popen([sys.executable, "-c", SERVER], env=env, cwd=cwd, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline() if process.stdout else ""
    if not line.strip().isdigit():
        process.kill()
        process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()
        pytest.fail(f"server process did not start: {line!r}")
    return process, f"http://127.0.0.1:{line.strip()}"


def _until(check: Callable[[], bool], seconds: float) -> bool:
    """Poll until check() or the time is up."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_two_server_processes_on_one_sqlite_file_agree_with_the_local_checker(tmp_path, mini_pack, mini_cases,
                                                                                cheap_hashes):
    profiles, expected = mini_cases
    root = Path(__file__).resolve().parents[2]
    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    setup = make_app(tmp_path, DATABASE_URL=url, CHECKER_PACK=mini_pack, CHECKER_RULES=str(MINI_RULES))  # migrates once
    token = add_token(setup, add_user(setup, "two@example.com"))
    shut(setup)
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "two-servers-secret", "PYTHONPATH": str(root),
           "CHECKER_RULES": str(MINI_RULES)}
    processes = []
    try:
        for _ in range(2):
            processes.append(start_server(env, root))
        results: list[dict] = [{}, {}]
        runs = [threading.Thread(target=lambda i=i: results.__setitem__(
            i, hammer(processes[i][1], token, profiles, expected, 4, TWO_PER_THREAD, offset=i)), daemon=True) for i in range(2)]
        for run in runs:
            run.start()
        # both servers' jobs add the same new clients at once (the race of test_faults, across processes)
        batch_ids = [_submit_batch(base, token, profiles[:10]) for _, base in processes]
        for run in runs:
            run.join(timeout=DEADLINE_S + 60)
        for counts in results:
            assert counts["errors"] == [] and counts["wrong"] == [] and counts["ok"] == 4 * TWO_PER_THREAD
        for (_, base), job_id in zip(processes, batch_ids):
            assert _until(lambda b=base, j=job_id: _get(b, token, f"/api/v1/batches/{j}")["finished"], 60)
            done = _get(base, token, f"/api/v1/batches/{job_id}")
            assert (done["status"], done["checked"], len(done["results"])) == ("done", 10, 10), done["message"]
            for item in done["results"]:
                want = expected[(item["row"] - 1, "zh")]["results"]
                assert [(m["measure"], m["status"]) for m in item["results"]] == [(m["measure"], m["status"]) for m in want]
    finally:
        for process, _ in processes:
            process.terminate()
        for process, _ in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            if process.stdout:
                process.stdout.close()


def _get(base: str, token: str, path: str) -> dict[str, Any]:
    """GET a JSON resource of the API."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = connection.getresponse()
        assert response.status == 200, response.read()[:300]
        return json.loads(response.read())
    finally:
        connection.close()


def _submit_batch(base: str, token: str, rows: list[dict[str, Any]]) -> int:
    """Queue a batch through the API; its id."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        body = json.dumps({"rows": rows, "as_of": AS_OF.isoformat(), "name": "two-servers"})
        connection.request("POST", "/api/v1/batches", body=body,
                           headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        response = connection.getresponse()
        data = response.read()
        assert response.status == 202, data[:300]
        return json.loads(data)["id"]
    finally:
        connection.close()
