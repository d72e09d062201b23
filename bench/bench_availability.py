"""Benchmark (issue 20 items 1, 2): a big upload through the API on SQLite while a second agency works.

Run by hand:  .venv/bin/python bench/bench_availability.py [--n 100000] [--keep]
Writes n generated clients (variations of examples/haidian-software.json, Chinese names, 1% bad cells) as a GBK CSV,
starts the app in its own process (waitress, 8 threads, the job thread on, SQLite in a temp dir, the full pack, the
durable engine), posts the file to POST /api/v1/batches as agency A, and until A has its workbook
(GET /agency/jobs/ID/results.xlsx) agency B signs in, opens its pages, uploads a small file and the server's
/health is asked, each request timed. Prints time to 202, time to workbook, the server's peak RSS, database bytes
per client, and B's latencies (p50, p95, max) and failures, beside the baseline of issue 20.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_upload import generate  # noqa: E402
from common import start_server  # noqa: E402

from checker import config as checker_config  # noqa: E402
from checker.rules.loader import load_pack  # noqa: E402

PASSWORD = "bench password 123"
BASELINE = ("issue 20 on main before this branch: after a 100k-row GBK CSV job ended, the workbook, job page and "
            "batch API answered 500 'database is locked' for 14+ min (no workbook); a 100k-row XLSX held the write lock "
            "90-129 s in the request (/health 503); README: agency upload of 20k clients 56 s, ~281 s extrapolated "
            "to 100k, RSS 186 MB")


def write_gbk_csv(path: Path, n: int) -> None:
    """n generated clients with Chinese names as a GBK CSV, every hundredth with a non-numeric answer."""
    pack = load_pack(checker_config.rules_dir())
    header = ["id", "name", *pack.fields]
    with path.open("w", encoding="gbk", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for i, profile in enumerate(generate(pack, n)):
            row = {"id": f"client-{i:06d}", **profile, "name": f"北京海淀测试科技有限公司{i:06d}"}
            if i % 100 == 99:
                row["employees"] = "很多"
            writer.writerow(["" if row.get(h) is None else (v.isoformat() if hasattr(v := row[h], "isoformat") else v)
                             for h in header])


def prepare(folder: Path) -> tuple[dict[str, Any], str]:
    """A migrated database with agencies A and B (one user each) and A's API token; the server config and token."""
    from checker.accounts.tokens import issue_token
    from checker.accounts.users import create_user
    from checker.web import create_app

    config = {"DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite'}", "SECRET_KEY": os.urandom(16).hex(),
              "CHECKER_ENGINE": "durable", "CHECKER_RULES": str(ROOT / "rules"), "WTF_CSRF_ENABLED": False,
              "API_RATE_LIMIT": "100000000 per minute", "AGENCY_BACKGROUND": True,
              "AGENCY_EXPORTS": str(folder / "exports"), "AGENCY_UPLOADS": str(folder / "uploads")}
    app = create_app(config)
    services = app.extensions["checker"]
    with services.sessions() as session:
        user = create_user(session, "a@example.com", PASSWORD, "Agency A")
        create_user(session, "b@example.com", PASSWORD, "Agency B")
        token = issue_token(session, user, "bench")
        session.commit()
    services.close()
    return config, token


def signed_in(base: str, email: str) -> requests.Session:
    """A browser-like session signed in to the agency pages."""
    web = requests.Session()
    response = web.post(f"{base}/agency/login", data={"email": email, "password": PASSWORD}, allow_redirects=False,
                        timeout=120)
    if response.status_code != 302:
        raise SystemExit(f"{email} could not sign in: {response.status_code}")
    return web


class SecondAgency(threading.Thread):
    """Agency B working while A's job runs: sign in, dashboard, portfolio, a 3-row upload, its job page, /health."""

    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.base = base
        self.done = threading.Event()
        self.timings: dict[str, list[float]] = {}
        self.failures: list[str] = []

    def timed(self, name: str, call: Any) -> Any:
        """Run one request, recording its latency and any failure (an exception or a status of 500 or more)."""
        started = time.perf_counter()
        try:
            response = call()
        except requests.RequestException as exc:
            self.failures.append(f"{name}: {type(exc).__name__}")
            return None
        self.timings.setdefault(name, []).append(time.perf_counter() - started)
        if response.status_code >= 500:
            self.failures.append(f"{name}: {response.status_code}")
        return response

    def run(self) -> None:
        """Loop through B's work until A has its workbook."""
        while not self.done.is_set():
            self.one_round(requests.Session())
            self.done.wait(1.0)

    def one_round(self, web: requests.Session) -> None:
        """Sign in anew, open the pages, upload a small file and open its job page, ask /health."""
        small = "id,name,entity_type,employees\nb1,乙公司,enterprise,20\nb2,丙公司,enterprise,8\n".encode("gbk")
        self.timed("sign-in", lambda: web.post(f"{self.base}/agency/login", timeout=120, allow_redirects=False,
                                               data={"email": "b@example.com", "password": PASSWORD}))
        self.timed("dashboard", lambda: web.get(f"{self.base}/agency/", timeout=120))
        self.timed("portfolio", lambda: web.get(f"{self.base}/agency/portfolio", timeout=120))
        made = self.timed("upload", lambda: web.post(f"{self.base}/agency/upload", timeout=120, allow_redirects=False,
                                                     files={"file": ("b.csv", small)}, data={"as_of": "2026-06-01"}))
        if made is not None and made.status_code == 302:
            location = made.headers["Location"]
            self.timed("job page", lambda: web.get(self.base + location, timeout=120))
        self.timed("health", lambda: requests.get(f"{self.base}/health", timeout=120))


def peak_rss_mb(pid: int) -> float:
    """A process's peak resident set (VmHWM), MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def database_bytes(path: Path) -> int:
    """The SQLite file and its write-ahead log, once checkpointed."""
    import sqlite3

    connection = sqlite3.connect(path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def run(n: int, folder: Path) -> None:
    """Generate, serve, upload, work as B, fetch the workbook; print the figures."""
    src = folder / "clients-gbk.csv"
    write_gbk_csv(src, n)
    config, token = prepare(folder)
    before = database_bytes(folder / "bench.sqlite")
    process, port = start_server(config, folder)
    base = f"http://127.0.0.1:{port}"
    second = SecondAgency(base)
    try:
        alice = signed_in(base, "a@example.com")
        second.start()
        started = time.perf_counter()
        with src.open("rb") as data:
            response = requests.post(f"{base}/api/v1/batches", headers={"Authorization": f"Bearer {token}"},
                                     files={"file": ("clients.csv", data)}, data={"as_of": "2026-06-01"}, timeout=600)
        accepted = time.perf_counter() - started
        if response.status_code != 202:
            raise SystemExit(f"upload refused: {response.status_code} {response.text[:300]}")
        url = base + response.json()["url"]
        job = response.json()["id"]
        while True:
            batch = requests.get(url + "?limit=1", headers={"Authorization": f"Bearer {token}"}, timeout=600).json()
            if batch["finished"]:
                break
            time.sleep(2)
        checked = time.perf_counter() - started
        workbook = alice.get(f"{base}/agency/jobs/{job}/results.xlsx", timeout=1200)
        to_workbook = time.perf_counter() - started
        second.done.set()
        second.join(150)
        rss = peak_rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait(30)
    size = database_bytes(folder / "bench.sqlite") - before
    print(f"clients: {n}, file {src.stat().st_size / 1e6:.1f} MB (GBK CSV), job {batch['status']}, "
          f"checked {batch['checked']}, rows refused {batch['errors']}")
    print(f"202 after {accepted:.1f} s; job ended after {checked:.1f} s; workbook ({workbook.status_code}, "
          f"{len(workbook.content) / 1e6:.1f} MB) after {to_workbook:.1f} s")
    print(f"server peak RSS {rss:.0f} MB; database +{size / 1e6:.1f} MB = {size / max(n, 1) / 1024:.1f} KB per client")
    for name, values in second.timings.items():
        ordered = sorted(values)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        print(f"agency B {name:9}: {len(values):4} requests, p50 {statistics.median(values) * 1000:7.0f} ms, "
              f"p95 {p95 * 1000:7.0f} ms, max {max(values) * 1000:7.0f} ms")
    print(f"agency B failures (5xx or no answer): {len(second.failures)} {second.failures[:10]}")
    print(f"baseline: {BASELINE}")


def main() -> None:
    """Parse the arguments and run the benchmark in a temporary folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, log, files)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-availability-"))
    try:
        run(args.n, folder)
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
