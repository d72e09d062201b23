"""checker.engine.heap: freed array memory stays in the process instead of being faulted back in for every chunk."""

from __future__ import annotations

import subprocess
import sys

from checker.engine import heap

CYCLE = """
import resource, sys
import numpy as np
if sys.argv[1] == "keep":
    from checker.engine import heap
    assert heap.keep_freed_memory()
def chunk():
    arrays = [np.ones(125_000) for _ in range(80)]  # 80 row-sized columns, 1 MB each, as an engine chunk holds
    del arrays
chunk()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(3):
    chunk()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults(mode: str) -> int:
    done = subprocess.run([sys.executable, "-c", CYCLE, mode], capture_output=True, text=True, check=True)
    return int(done.stdout.strip())


def test_later_chunks_reuse_the_first_chunks_pages() -> None:
    pages = 3 * 80 * 1_000_000 // 4096  # what three chunks would fault in afresh
    given_back, kept = _faults("default"), _faults("keep")
    assert given_back > pages // 2  # without it glibc returns the freed columns and faults them in again
    assert kept < pages // 20


def test_asking_twice_is_one_call() -> None:
    assert heap.keep_freed_memory() is heap.keep_freed_memory()
