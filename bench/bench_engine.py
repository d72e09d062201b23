"""Benchmark: batch throughput and single-check latency, durable-rules beside the reference evaluator.

Run by hand:  .venv/bin/python bench/bench_engine.py [--n 100000]
Prints profiles/s and latency percentiles for each engine over the same generated
profiles, the vectorised batch-matrix rate, and the baseline they are compared against (the figures measured upstream
in issue 2: host API ~580/s, lean C-extension loop ~4,800/s, plain closures ~7,500/s).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from checker import config  # noqa: E402
from checker.engine import Checker  # noqa: E402
from checker.rules.loader import load_pack  # noqa: E402

BASELINE = {"durable host API": 580, "durable lean loop": 4800, "plain closures": 7500}
AS_OF = dt.date(2026, 6, 1)


def generate(pack, n: int, seed: int = 7) -> list[dict]:
    """n random profiles over every declared field, about a fifth of answers missing."""
    rng = random.Random(seed)
    profiles = []
    for _ in range(n):
        profile = {}
        for name, decl in pack.fields.items():
            if name in ("name", "credit_code") or rng.random() < 0.2:
                continue
            profile[name] = _value(rng, decl)
        if "tech_staff" in profile and "employees" in profile:
            profile["tech_staff"] = min(profile["tech_staff"], profile["employees"])
        profiles.append(profile)
    return profiles


def _value(rng: random.Random, decl):
    if decl.type == "bool":
        return rng.random() < 0.5
    if decl.type == "enum":
        return rng.choice([c.value for c in decl.values])
    if decl.type == "date":
        return dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(4000))
    if decl.type == "text":
        return rng.choice(["I6513", "C1610", "C3911", "F5211", "M7320", "K7010"])
    high = decl.max if decl.max is not None else 30000
    value = rng.uniform(decl.min or 0, high)
    return int(value) if decl.type == "int" else round(value, 2)


def run(checker: Checker, profiles: list[dict], latency_sample: int) -> dict:
    """Throughput over all profiles, and latency of single checks on a sample."""
    start = time.perf_counter()
    for profile in profiles:
        checker.check(profile, AS_OF)
    elapsed = time.perf_counter() - start
    times = []
    for profile in profiles[:latency_sample]:
        t0 = time.perf_counter()
        checker.check(profile, AS_OF)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {"per_s": len(profiles) / elapsed, "p50": statistics.median(times),
            "p95": times[int(len(times) * 0.95)], "p99": times[int(len(times) * 0.99)]}


def main() -> None:
    """Run both engines on the same profiles and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000, help="profiles to check per engine")
    parser.add_argument("--latency-sample", type=int, default=2000, help="single checks timed one by one")
    args = parser.parse_args()
    pack = load_pack(config.rules_dir())
    profiles = generate(pack, args.n)
    print(f"rule pack {pack.version}: {len(pack.measures)} measures, "
          f"{sum(len(m.criteria) for m in pack.measures)} criteria; {args.n} profiles; as_of {AS_OF}")
    for name in ("durable", "fast", "reference"):
        checker = Checker(pack, name)  # type: ignore[arg-type]
        figures = run(checker, profiles, args.latency_sample)
        checker.close()
        print(f"{name:10} {figures['per_s']:9.0f} profiles/s   single check p50 {figures['p50']:.2f} ms  "
              f"p95 {figures['p95']:.2f} ms  p99 {figures['p99']:.2f} ms")
    from checker.engine.vector import matrix_rows

    start = time.perf_counter()
    matrix_rows(pack, profiles, list(range(len(profiles))), AS_OF)
    per_s = len(profiles) / (time.perf_counter() - start)
    print(f"{'vector':10} {per_s:9.0f} profiles/s   (batch matrix: status, amount, missing per measure; numpy)")
    print("baseline (issue 2, synthetic 60-rule pack): " + ", ".join(f"{k} ~{v}/s" for k, v in BASELINE.items()))


if __name__ == "__main__":
    main()
