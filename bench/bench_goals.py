"""Benchmark: each "Fast and bounded" goal of issue 15 beside its figure and a plain csv read+write of the same file.

Run by hand:  .venv/bin/python bench/bench_goals.py [--n 20000] [--small 5000]
Every figure is measured in its own process in this one run (wall time and peak RSS of that process):
- baseline: csv.reader -> csv.writer over the generated file (no checking);
- `checker batch IN.csv -o OUT.csv` and `-o OUT.xlsx` (the CLI matrix, as a user runs it);
- the agency upload (bench_upload.py's pipeline: parse, store, check, write the workbook), timed at n rows and
  extrapolated linearly to 100k clients (said so in the output; the machine is shared, runs are kept short);
- streaming: the CLI's peak RSS at --small and at n rows; flat memory is what lets 1,000,000 rows run bounded.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_upload import write_csv  # noqa: E402

CHECKER = [sys.executable, "-c", "from checker.cli import main; main()"]
CPU: list[float] = []  # CPU seconds of each measured process, in order (a loaded machine stretches wall time, not these)


# The measured command runs under a small parent of its own: a child forked from this (large) process would report
# the pages it shared with it as its peak RSS (Linux keeps the pre-exec high-water mark), so the small parent waits for
# the command and writes the command's own rusage (CPU seconds, peak RSS in KB) to the file named by its first argument.
RUSAGE = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(f"{usage.ru_utime + usage.ru_stime} {usage.ru_maxrss}")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def measured(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run a command; its wall seconds, its own peak RSS in MB and stdout (its CPU seconds in CPU[-1])."""
    start = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    with tempfile.TemporaryFile() as out, tempfile.NamedTemporaryFile("r") as usage:
        proc = subprocess.Popen([sys.executable, "-c", RUSAGE, usage.name, *cmd], stdout=out,
                                stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
        proc.wait()
        seconds = time.perf_counter() - start
        out.seek(0)
        text = out.read().decode()
        cpu, rss_kb = usage.read().split()
    CPU.append(float(cpu))
    if proc.returncode not in (0, 4):  # 4: the batch finished and reported its deliberately bad rows
        raise SystemExit(f"{cmd} failed with {proc.returncode}: {text[-500:]}")
    return seconds, int(rss_kb) / 1024, text


def plain_copy(src: Path, dst: Path) -> None:
    """The baseline: read every row of the CSV and write it out again."""
    with src.open(encoding="utf-8", newline="") as inp, dst.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(csv.reader(inp))


def cli(src: Path, out: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """`checker batch` of src to out (the format by suffix)."""
    seconds, rss, _ = measured([*CHECKER, "batch", str(src), "-o", str(out), "--as-of", "2026-06-01", "--no-progress"],
                               env)
    return seconds, rss


def agency(src: Path, folder: Path) -> dict:
    """The agency upload pipeline of bench_upload.py, in its own process."""
    seconds, rss, text = measured([sys.executable, str(ROOT / "bench" / "bench_upload.py"), "--child", "agency",
                                   "--src", str(src), "--out", str(folder)])
    return {**json.loads(text.strip().splitlines()[-1]), "wall_s": seconds, "rss_mb": rss}


def line(goal: str, figure: str, beside: str, met: bool | None) -> None:
    """One row of the report."""
    verdict = "—" if met is None else ("met" if met else "NOT met")
    print(f"{goal:46s} | {figure:34s} | {beside:34s} | {verdict}")


def main() -> None:
    """Generate the files, measure every pipeline, print each goal beside its figure as soon as it is measured."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--small", type=int, default=5_000, help="rows of the memory comparison (>= one 5,000-row chunk)")
    parser.add_argument("--agency-n", type=int, default=None, help="rows for the agency upload (default --n)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        src, small = folder / "clients.csv", folder / "small.csv"
        write_csv(src, args.n)
        write_csv(small, args.small)
        print(f"{args.n} generated clients ({src.stat().st_size / 1e6:.1f} MB CSV, 1% bad rows); same machine, same run")
        print(f"{'goal':46s} | {'figure':34s} | {'beside':34s} | verdict")
        start, cpu = time.perf_counter(), time.process_time()
        plain_copy(src, folder / "copy.csv")
        base, base_cpu = time.perf_counter() - start, time.process_time() - cpu
        write_csv(folder / "one.csv", 1)
        start_s, _ = cli(folder / "one.csv", folder / "one-matrix.csv")
        line("(start-up: checker batch of a 1-row file)", f"{start_s:.2f}s, CPU {CPU[-1]:.2f}s", "imports, rule pack, engine",
             None)
        csv_s, csv_rss = cli(src, folder / "matrix.csv")
        csv_cpu = CPU[-1]
        line("CLI CSV->CSV matrix <= 3x csv read+write", f"{csv_s:.2f}s ({csv_s / base:.0f}x), RSS {csv_rss:.0f} MB",
             f"csv read+write {base:.2f}s", csv_s <= 3 * base)
        line("  the same in CPU seconds", f"CPU {csv_cpu:.2f}s ({csv_cpu / base_cpu:.0f}x)", f"CPU {base_cpu:.2f}s", None)
        xlsx_s, xlsx_rss = cli(src, folder / "matrix.xlsx")
        line("XLSX matrix <= 2x the CSV matrix", f"{xlsx_s:.2f}s ({xlsx_s / csv_s:.1f}x), RSS {xlsx_rss:.0f} MB",
             f"CSV matrix {csv_s:.2f}s", xlsx_s <= 2 * csv_s)
        line("  the same in CPU seconds", f"CPU {CPU[-1]:.2f}s ({CPU[-1] / csv_cpu:.1f}x)", f"CPU {csv_cpu:.2f}s", None)
        _, small_rss = cli(small, folder / "small-matrix.csv")
        line("checker batch streamed in bounded memory", f"RSS {csv_rss:.0f} MB at {args.n} rows",
             f"RSS {small_rss:.0f} MB at {args.small} rows", csv_rss <= small_rss * 1.25)
        agency_n = args.agency_n or args.n
        if agency_n != args.n:
            write_csv(src, agency_n)
        upload = agency(src, folder)
    scale = 100_000 / agency_n
    projected = upload["wall_s"] * scale
    line("agency upload of 100k -> workbook <= 180 s", f"{projected:.0f}s (extrapolated x{scale:g})",
         f"{agency_n} rows: {upload['wall_s']:.1f}s", projected <= 180)
    line("  the same in CPU seconds", f"CPU {CPU[-1] * scale:.0f}s (extrapolated)", f"{agency_n} rows: CPU {CPU[-1]:.1f}s",
         None)
    line("agency server RSS <= 500 MB", f"{upload['rss_mb']:.0f} MB at {agency_n} rows", "flat with rows (chunks)",
         upload["rss_mb"] <= 500)
    print(f"agency phases at {agency_n}: {json.dumps({k: v for k, v in upload.items() if k.endswith(('_s', '_mb'))})}")
    print("figures at these sizes are extrapolated linearly to the goals' sizes (a shared 2-core machine: runs kept short)")


if __name__ == "__main__":
    main()
