"""`checker worker` for the distributed tests, each chunk slowed by CHECKER_TEST_CHUNK_DELAY seconds (a kill lands mid-chunk)."""

from __future__ import annotations

import os
import sys
import time

from checker.agency import jobs
from checker.cli import main

if __name__ == "__main__":
    delay, real = float(os.environ.get("CHECKER_TEST_CHUNK_DELAY", "0")), jobs._verdicts

    def slow(*args):  # type: ignore[no-untyped-def]
        time.sleep(delay)
        return real(*args)

    jobs._verdicts = slow
    sys.exit(main(["worker", "--name", sys.argv[1]]))
