"""What the server benchmarks share: the web app wired like production (hardening, rate limits, JSON access log,
agency jobs) served by waitress with 8 threads on loopback, in a process of its own."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# resume_jobs hands unfinished jobs to the runner only when the config asks (AGENCY_BACKGROUND, AGENCY_RESUME)
SERVER = """
import json, os
from waitress.server import create_server
from checker.web import create_app, hardening, limits, observe
from checker.web.agency import init_app, resume_jobs
app = create_app(json.loads(os.environ["BENCH_CONFIG"]))
hardening.init_app(app); limits.init_app(app); observe.init_app(app); init_app(app); resume_jobs(app)
server = create_server(app, host="127.0.0.1", port=0, threads=8)
print(server.effective_port, flush=True)
server.run()
"""


def start_server(config: dict[str, Any], folder: Path) -> tuple[subprocess.Popen[str], int]:
    """The server process on this app config and its port; its log is folder/server.log."""
    env = {**os.environ, "BENCH_CONFIG": json.dumps(config), "PYTHONPATH": str(ROOT)}
    log = (folder / "server.log").open("w")
    process = subprocess.Popen([sys.executable, "-c", SERVER], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=log,
                               text=True)
    line = process.stdout.readline() if process.stdout else ""
    if not line.strip().isdigit():
        process.kill()
        raise SystemExit(f"server did not start, see {folder / 'server.log'}")
    return process, int(line)


def peak_rss_mb() -> float:
    """This process's own peak RSS (VmHWM): ru_maxrss also counts the parent's, inherited at fork across exec (a
    parent holding 300 MB made a 154 MB child report 312 MB)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
