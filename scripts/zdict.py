"""Print candidate preset deflate dictionaries for the stored agency forms (checker/agency/stored_zdict.py).

Run by hand: .venv/bin/python scripts/zdict.py > candidate.py. The dictionaries in stored_zdict.py are frozen (stored
rows inflate with them): this script shows how they were made, for the next format's, never to regenerate theirs.
The sample is varied text rows of the README's example firm (figures scaled 0.01-40x, answers left out or flipped),
checked on the project pack; a result's dictionary is its most common stored items, the commonest last (deflate
reaches the end of its dictionary with the shortest distances), then the body made most of common items; the answers'
dictionary is a few whole answer lists.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import random
import sys
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checker import config  # noqa: E402
from checker.agency import bulk, stored  # noqa: E402
from checker.agency.compact import ITEM  # noqa: E402
from checker.agency.stored_answers import INDEX  # noqa: E402
from checker.rules.loader import load_pack  # noqa: E402

AS_OF = dt.date(2026, 6, 1)
SIZE = 4000  # bytes of a dictionary: with a body of ~2.2 KB it fits deflate's 8 KB window (stored.WINDOW_BITS)
FLAGS = ("是", "否", "true", "false", "1", "0", "")


def sample_rows(n: int, seed: int = 2026) -> list[SimpleNamespace]:
    """n job rows of text cells, as a CSV upload stores them."""
    pack = load_pack(config.rules_dir())
    base = json.loads((ROOT / "examples" / "haidian-software.json").read_text(encoding="utf-8"))
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        factor = rng.uniform(0.01, 40)
        raw = {"id": f"c{i:06d}"}
        for name, value in base.items():
            kind = pack.fields[name].type
            if isinstance(value, bool):
                cell = rng.choice(FLAGS)
            elif kind in ("int", "decimal"):
                cell = str(round(value * factor) if kind == "int" else round(value * factor, 2))
            else:
                cell = str(value)
            if cell and rng.random() > 0.15:
                raw[name] = cell
        rows.append(SimpleNamespace(id=i + 1, job_id=1, number=i + 2, raw=raw))
    return rows


def results_dictionary(rows: list[SimpleNamespace]) -> bytes:
    """The commonest stored items (commonest last), then the body made most of common items."""
    found = bulk.check_chunk(load_pack(config.rules_dir()), rows, AS_OF)
    assert found is not None
    bodies = [stored.body_text(result) for result, _ in found[0] if result]
    counts = collections.Counter(item for body in bodies for item in set(ITEM.findall(body)))
    typical = max(bodies, key=lambda body: sum(counts[i] for i in ITEM.findall(body)) / len(ITEM.findall(body)))
    return _fill([item + "," for item, _ in counts.most_common()], typical)


def answers_dictionary(rows: list[SimpleNamespace]) -> bytes:
    """A few whole answer lists (stored_answers' flat list of keys and values as JSON), most alike last."""
    texts = [json.dumps([part for key, value in row.raw.items() for part in (INDEX.get(key, key), value)],
                        ensure_ascii=False, separators=(",", ":")) for row in rows]
    return _fill(texts[1:40], texts[0])


def _fill(pieces: list[str], last: str) -> bytes:
    """`last` at the end and before it as many pieces as fit in SIZE bytes, the first piece nearest the end."""
    out = last.encode("utf-8")
    for piece in pieces:
        data = piece.encode("utf-8")
        if len(out) + len(data) <= SIZE:
            out = data + out
    return out


if __name__ == "__main__":
    sample = sample_rows(2000)
    print(f"RESULTS = {results_dictionary(sample)!r}")
    print(f"ANSWERS = {answers_dictionary(sample)!r}")
