"""Benchmark: an agency upload end to end (parse, validate, check, store, write XLSX) beside the CLI batch.

Run by hand:  .venv/bin/python bench/bench_upload.py [--n 100000] [--engine durable|reference]
Generates n variations of examples/haidian-software.json (1% deliberately bad), writes them as CSV (and with --xlsx
the same rows as an XLSX as Excel keeps them: numbers and dates typed, blanks left out, and the agency pipeline
timed on both files side by side), then runs each pipeline in its own process and prints wall time, rows/s and
peak RSS:
- baseline: the CLI batch path to an XLSX matrix (read_rows -> vectorised matrix_rows -> write_rows), no database;
- agency:   the web upload path (read_upload -> create_job stores every row in SQLite -> process_job
            checks and stores every result chunk by chunk -> cached_workbook writes the job's download: matrix +
            problems, as the agency gets it (--detail adds the opt-in detail sheet, as ?detail=1) -> the portfolio
            summary the worker keeps after the workbook, in the worker's order (checker/agency/work.py)), each phase
            in wall and CPU seconds, then the database VACUUM'd: bytes per client in all and by table (indexes
            counted with their table); issue 25's agency goals met or not.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import peak_rss_mb  # noqa: E402

from checker import config  # noqa: E402
from checker.rules.loader import load_pack  # noqa: E402

AS_OF = dt.date(2026, 6, 1)


def generate(pack, n: int, seed: int = 7) -> list[dict]:
    """n variations of the example Haidian company: figures scaled together, a tenth of answers dropped."""
    base = json.loads((ROOT / "examples" / "haidian-software.json").read_text(encoding="utf-8"))
    rng = random.Random(seed)
    profiles = []
    for _ in range(n):
        factor = rng.uniform(0.05, 3)
        profile = {}
        for name, value in base.items():
            if name != "entity_type" and rng.random() < 0.1:
                continue
            decl = pack.fields[name]
            if decl.type in ("int", "decimal") and not isinstance(value, bool):
                value = round(value * factor) if decl.type == "int" else round(value * factor, 2)
                value = min(value, decl.max) if decl.max is not None else value
            profile[name] = value
        profiles.append(profile)
    return profiles


def write_csv(path: Path, n: int) -> None:
    """n generated client rows as CSV, every hundredth with a non-numeric answer."""
    pack = load_pack(config.rules_dir())
    profiles = generate(pack, n)
    header = ["id", *pack.fields]
    rng = random.Random(3)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for i, profile in enumerate(profiles):
            row = {"id": f"client-{i:06d}", **{k: v.isoformat() if isinstance(v, dt.date) else v for k, v in profile.items()}}
            if i % 100 == 99:
                row["employees"] = rng.choice(["many", "-5", "1e99"])
            writer.writerow(["" if row.get(h) is None else row[h] for h in header])


def write_xlsx(csv_path: Path, path: Path) -> None:
    """The CSV's rows as an XLSX typed as Excel/WPS keep what an agency types: numbers as numbers (not those with a
    leading zero), ISO dates as date cells, other text as text, blank cells left out (inline strings: XlsxWriter's
    constant-memory mode, as shared strings would hold every row in memory)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet, day = book.add_worksheet(), book.add_format({"num_format": "yyyy-mm-dd"})
    with csv_path.open(encoding="utf-8", newline="") as source:
        for r, row in enumerate(csv.reader(source)):
            for c, text in enumerate(row):
                if text:
                    _write_cell(sheet, r, c, text, day, header=r == 0)
    book.close()


def _write_cell(sheet: Any, r: int, c: int, text: str, day: Any, header: bool) -> None:
    """One cell as Excel types it: a date, a number or text."""
    if not header and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        sheet.write_datetime(r, c, dt.datetime.fromisoformat(text), day)
        return
    try:
        number = float(text) if not header and not (text.startswith("0") and text[1:2] not in ("", ".")) else None
    except ValueError:
        number = None
    if number is not None and math.isfinite(number):
        sheet.write_number(r, c, number)
    else:
        sheet.write_string(r, c, text)


def baseline(src: Path, out: Path, engine: str) -> dict:
    """The CLI batch pipeline to an XLSX matrix (`checker batch IN -o OUT.xlsx`: vectorised, sample re-checked)."""
    from checker.batch import BatchReport, matrix_rows, read_rows, write_rows
    from checker.engine import Checker

    checker = Checker(load_pack(config.rules_dir()), engine)
    report = BatchReport()
    write_rows(out / "baseline.xlsx", matrix_rows(checker, read_rows(src), AS_OF, report))
    checker.close()
    return {"checked": report.checked, "problems": len({p.row for p in report.problems}),
            "xlsx_mb": round((out / "baseline.xlsx").stat().st_size / 1e6, 1)}


def agency(src: Path, out: Path, engine: str, with_detail: bool = False, chunk: int = 5000) -> dict:
    """The agency upload pipeline on an SQLite file, timed by phase."""
    from sqlalchemy import select

    from checker.accounts.users import create_user
    from checker.agency import portfolio_summary
    from checker.agency.downloads import cached_workbook
    from checker.agency.jobs import create_job, process_job
    from checker.agency.models import Job
    from checker.agency.results import job_sheets
    from checker.agency.uploads import read_upload
    from checker.db import make_engine, make_sessions, upgrade
    from checker.engine import Checker
    from checker.sheets.writer import write_xlsx

    pack = load_pack(config.rules_dir())
    checker = Checker(pack, engine)
    db = make_engine(f"sqlite:///{out / 'bench.sqlite'}")
    upgrade(db)
    sessions = make_sessions(db)
    phases = {}
    start, cpu = time.perf_counter(), time.process_time()
    with sessions() as session:
        user = create_user(session, "bench@example.com", "benchmark-password", "Bench")
        job = create_job(session, user, src.name, read_upload(src, pack, 10**7), AS_OF, "zh", pack.version)
        session.commit()
        job_id = job.id
    phases["parse_store_s"] = round(time.perf_counter() - start, 1)
    phases["parse_store_cpu_s"] = round(time.process_time() - cpu, 1)
    start, cpu = time.perf_counter(), time.process_time()
    process_job(sessions, checker, job_id, size=chunk)
    phases["validate_check_s"] = round(time.perf_counter() - start, 1)
    phases["validate_check_cpu_s"] = round(time.process_time() - cpu, 1)
    start, cpu = time.perf_counter(), time.process_time()
    with sessions() as session:
        found = session.scalars(select(Job).where(Job.id == job_id)).one()
        if with_detail:
            book = out / "agency.xlsx"
            write_xlsx(job_sheets(session, job_id, pack, "zh", with_detail=True).values(), book)
        else:
            book = cached_workbook(out / "downloads", session, found, pack, "zh")
        result = {"checked": found.done - found.errors, "problems": found.errors, "status": found.status}
    phases["xlsx_s"] = round(time.perf_counter() - start, 1)
    phases["xlsx_cpu_s"] = round(time.process_time() - cpu, 1)
    phases["xlsx_mb"] = round(book.stat().st_size / 1e6, 1)
    start, cpu = time.perf_counter(), time.process_time()
    portfolio_summary.warm(sessions, pack, job_id=job_id)  # as the worker does once the workbook is kept (work.py)
    phases["summary_s"] = round(time.perf_counter() - start, 1)
    phases["summary_cpu_s"] = round(time.process_time() - cpu, 1)
    checker.close()
    db.dispose()
    return {**result, **phases, **database_bytes(out / "bench.sqlite", result["checked"] + result["problems"])}


def database_bytes(path: Path, clients: int) -> dict:
    """The database VACUUM'd: its size, bytes per client in all and by table (each index with its table)."""
    import sqlite3

    connection = sqlite3.connect(path)
    connection.execute("VACUUM")
    pages = connection.execute("SELECT s.tbl_name, SUM(d.pgsize) FROM dbstat AS d JOIN sqlite_master AS s ON d.name = s.name "
                               "GROUP BY s.tbl_name ORDER BY 2 DESC").fetchall()
    connection.close()
    size = path.stat().st_size
    per = {table: round(used / max(clients, 1)) for table, used in pages if used / max(clients, 1) >= 5}
    return {"db_mb": round(size / 1e6, 1), "db_bytes_per_client": round(size / max(clients, 1)), "bytes_by_table": per}


def child(which: str, src: Path, out: Path, engine: str, with_detail: bool = False, chunk: int = 5000) -> None:
    """Run one pipeline and print its figures as JSON."""
    start = time.perf_counter()
    result = baseline(src, out, engine) if which == "baseline" else agency(src, out, engine, with_detail, chunk)
    result["seconds"] = round(time.perf_counter() - start, 2)
    result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result))


def main() -> None:
    """Generate the rows, run both pipelines in fresh processes, print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--engine", default=config.engine_name(), choices=["durable", "reference"])
    parser.add_argument("--child", choices=["baseline", "agency"])
    parser.add_argument("--src")
    parser.add_argument("--out")
    parser.add_argument("--detail", action="store_true", help="agency: also write the opt-in detail sheet")
    parser.add_argument("--chunk", type=int, default=config.SETTINGS["AGENCY_CHUNK"],
                        help="agency: rows per job chunk (AGENCY_CHUNK)")
    parser.add_argument("--agency-only", action="store_true", help="skip the CLI batch baseline")
    parser.add_argument("--xlsx", action="store_true",
                        help="also time the agency pipeline on the same rows as an XLSX (typed cells), beside the CSV")
    args = parser.parse_args()
    if args.child:
        child(args.child, Path(args.src), Path(args.out), args.engine, args.detail, args.chunk)
        return
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        src = out / "clients.csv"
        start = time.perf_counter()
        write_csv(src, args.n)
        print(f"generated {args.n} rows ({src.stat().st_size / 1e6:.1f} MB CSV) in {time.perf_counter() - start:.1f}s; "
              f"engine {args.engine}")
        runs = [(which, src) for which in (("agency",) if args.agency_only else ("baseline", "agency"))]
        if args.xlsx:
            start = time.perf_counter()
            write_xlsx(src, out / "clients.xlsx")
            print(f"the same rows as XLSX ({(out / 'clients.xlsx').stat().st_size / 1e6:.1f} MB) in "
                  f"{time.perf_counter() - start:.1f}s")
            runs.append(("agency", out / "clients.xlsx"))
        for which, source in runs:
            cmd = [sys.executable, __file__, "--child", which, "--src", str(source), "--out", str(out), "--engine",
                   args.engine, "--chunk", str(args.chunk), *(["--detail"] if args.detail else [])]
            done = subprocess.run(cmd, capture_output=True, text=True)
            if done.returncode:
                print(f"{which:8s} {source.suffix}: failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
                continue
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            rate = args.n / figures["seconds"] if figures["seconds"] else 0
            print(f"{which:8s} {source.suffix:5s}: {figures['seconds']:8.1f}s  {rate:8.0f} rows/s  "
                  f"peak RSS {figures['peak_rss_mb']:7.1f} MB  {figures}")
            (out / "bench.sqlite").unlink(missing_ok=True)
        goals(figures, args.n)


def goals(figures: dict, n: int) -> None:
    """Issue 25's agency goals beside the figures of this run (wall time extrapolated to 100k when n is smaller)."""
    wall = sum(figures[k] for k in ("parse_store_s", "validate_check_s", "xlsx_s"))  # the worker's order: workbook first
    at_100k = wall * 100_000 / n
    then = (wall + figures["summary_s"]) * 100_000 / n
    rows = [("upload of 100k clients to the workbook <= 60 s", f"{at_100k:.0f} s" + ("" if n == 100_000 else
             f" (extrapolated from {wall:.1f} s for {n})") + f"; the portfolio summary kept after {then:.0f} s",
             at_100k <= 60),
            ("server RSS <= 500 MB", f"{figures['peak_rss_mb']:.0f} MB", figures["peak_rss_mb"] <= 500),
            ("stored <= 1 KB per client (database VACUUM'd / clients)", f"{figures['db_bytes_per_client']} B "
             f"{figures['bytes_by_table']}", figures["db_bytes_per_client"] <= 1024)]
    print("baseline (README, 2026-12-03, 5k clients): 13.3 s wall (check 7.1 s, workbook 3.5 s), ~270 s for 100k, "
          "RSS 154 MB, 3.3 KB of database per client")
    for goal, figure, met in rows:
        print(f"goal: {goal}: {figure}: {'met' if met else 'not met'}")


if __name__ == "__main__":
    main()
