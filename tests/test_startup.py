"""`checker batch` starts from the pack cache importing only what a batch needs: no web framework, database, babel,
YAML parser or rule loader, and no pydantic validator built; what it skips gives the same answers."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

from checker.config import PROJECT_ROOT
from checker.engine.answer import notice
from checker.rules.pack import RulePack

HEAVY = ("flask", "sqlalchemy", "babel", "jinja2", "werkzeug", "yaml", "alembic", "openpyxl", "checker.rules.loader",
         "checker.web", "checker.db")
PROBE = """
import json, sys
from pydantic import BaseModel
from checker.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
def models(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from models(sub)
print(json.dumps({"code": code, "modules": sorted(sys.modules),
                  "built": sorted(m.__name__ for m in models(BaseModel) if m.__pydantic_complete__)}))
"""


def _batch(tmp_path: Path, source: Path) -> dict:
    """A `checker batch` of source in a fresh interpreter (this run's own pack cache): its exit code, the modules it
    imported and the pydantic models whose validators it built."""
    env = {**os.environ, "CHECKER_PACK_CACHE": str(tmp_path / "packs"), "PYTHONPATH": str(PROJECT_ROOT)}
    args = ["batch", str(source), "-o", str(tmp_path / "out.csv"), "--as-of", "2026-06-01", "--no-progress"]
    done = subprocess.run([sys.executable, "-c", PROBE, *args], env=env, cwd=tmp_path, capture_output=True, text=True,
                          check=True, timeout=120)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_batch_from_the_pack_cache_imports_no_web_database_babel_or_loader(pack: RulePack, tmp_path: Path) -> None:
    source = tmp_path / "one.csv"
    with source.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([["客户编号", "employees", "district", "registered_on"], ["c1", "120", "海淀区", "2021/11/7"]])
    cold = _batch(tmp_path, source)  # fills the cache: the loader is needed this once
    assert cold["code"] == 0 and "checker.rules.loader" in cold["modules"]
    warm = _batch(tmp_path, source)
    assert warm["code"] == 0
    assert [m for m in warm["modules"] if m.split(".")[0] in HEAVY or m.startswith(HEAVY)] == []
    # the sample re-check runs on durable-rules in the process it forks (tests/test_sample_check.py): its rulesets
    # are never built in the batch's own
    assert "checker.sample_check" in warm["modules"] and "checker.engine.durable_adapter" not in warm["modules"]
    assert warm["built"] == []
    assert (tmp_path / "out.csv").read_text(encoding="utf-8-sig").count("\n") == 2


def test_an_intentions_sources_read_directly_are_their_model_dump(pack: RulePack) -> None:
    intentions = [m for m in pack.measures if m.intention]
    assert intentions
    for measure in pack.measures:
        assert notice(measure)["source"] == [s.model_dump(exclude_none=True) for s in measure.spec.source], measure.id
