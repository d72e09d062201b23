"""The compact stored form of an agency client's result: ~0.3 KB where the item dicts took ~14 KB.

Readers never see it: the `StoredResult` column type encodes on write and decodes on read, so every
page, export and recheck keeps reading `{"rulepack", "as_of", "results": [item, ...], "extra"?}` with
the items of `answer.stored_item`. Each item becomes a short array (measure, status letter, amount,
currency, failed, missing, held, tax saving, applicant, condition, then any other key in a dict; trailing
blanks dropped), words of the
frozen list `stored_words.WORDS_1` become their index, and the array list is deflated. `extra` (the
agency's own columns) stays outside, readable by SQL; the totals (cash, tax saving, financing) are a short
array "t". A row stored before this form reads as it was, one stored before totals reads without them.

Format 2 deflates (raw deflate) with a preset dictionary of common items (the frozen `stored_zdict.RESULTS_2`): an
item many clients share is a back-reference from a client's first item on, ~217 bytes of base64 on the bench's
clients where format 1 (zlib, no dictionary; still read) took ~720.
"""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

from sqlalchemy import JSON
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from checker.agency.stored_words import WORDS_1
from checker.agency.stored_zdict import RESULTS_2
from checker.db import JsonText

FORMAT = 2  # written; every format of FORMATS is read
FORMATS = (1, 2)
INDEX = {word: i for i, word in enumerate(WORDS_1)}
STATUS = {"eligible": "e", "ineligible": "i", "undetermined": "u"}
STATUS_WORD = {letter: word for word, letter in STATUS.items()}
OPTIONAL = ("amount_wan", "currency", "failed", "missing", "held", "tax_saving_wan", "applicant", "condition")
KNOWN = frozenset(("measure", "status", *OPTIONAL))
BLANK: tuple[Any, ...] = (None, [], "")
TOTALS = ("cash_wan", "tax_saving_wan", "financing_wan")
WINDOW_BITS = 13  # an 8 KB deflate window: the 4 KB dictionary and a body of ~2.2 KB of JSON
ZDICT = RESULTS_2.encode("utf-8")
SHARED_LIMIT = 100_000  # distinct items a shared decode remembers before it starts afresh


def _word(word: str) -> int | str:
    """A word's index in the frozen list, or the word itself when the list does not have it."""
    return INDEX.get(word, word)


def _unword(token: int | str) -> str:
    """The word a stored token stands for."""
    return WORDS_1[token] if isinstance(token, int) else token


def _row(item: dict[str, Any]) -> list[Any]:
    """One stored item as a short array, trailing blanks dropped."""
    row: list[Any] = [_word(item["measure"]), STATUS.get(item["status"], item["status"])]
    row += [item.get(key) for key in OPTIONAL]
    row[3] = _word(row[3]) if isinstance(row[3], str) else row[3]
    row[4] = [_word(w) for w in row[4] or []]
    row[5] = [_word(w) for w in row[5] or []]
    other = {k: v for k, v in item.items() if k not in KNOWN}
    if other:  # a key this form does not know yet is kept, never dropped
        return [*row, other]
    while row[-1] in BLANK:
        row.pop()
    return row


def _item(row: list[Any]) -> dict[str, Any]:
    """The stored item (answer.stored_item's keys, blanks absent) of a short array."""
    values = dict(zip(OPTIONAL, row[2:2 + len(OPTIONAL)]))
    other = row[2 + len(OPTIONAL)] if len(row) > 2 + len(OPTIONAL) else {}
    item: dict[str, Any] = {"measure": _unword(row[0]), "status": STATUS_WORD.get(row[1], row[1]),
                            "amount_wan": values.get("amount_wan"),
                            "currency": _unword(values["currency"]) if values.get("currency") is not None else None}
    lists = {"failed": [_unword(w) for w in values.get("failed") or []],
             "missing": [_unword(w) for w in values.get("missing") or []]}
    rest = {k: values.get(k) for k in ("held", "tax_saving_wan", "applicant", "condition")}
    item.update({k: v for k, v in {**lists, **rest}.items() if v not in BLANK})
    return {**item, **other}


def dumps(data: Any) -> str:
    """The stored JSON text of a value: compact separators, Chinese kept as written."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def body(items: list[dict[str, Any]]) -> str:
    """The JSON text of a result's items as short arrays (what the stored form deflates)."""
    return dumps([_row(i) for i in items])


def item_text(item: dict[str, Any]) -> str:
    """One item's short array as JSON text (a body is "[" + these joined by "," + "]")."""
    return dumps(_row(item))


def encode(result: dict[str, Any]) -> dict[str, Any]:
    """The stored form of a result dict (a dict that is already stored, or has no results, is kept as it is)."""
    if "results" not in result:
        return result
    return pack_body({k: v for k, v in result.items() if k != "results"}, body(result["results"]))


def pack_body(kept: dict[str, Any], text: str) -> dict[str, Any]:
    """The stored form of a result's other keys (`kept`: rulepack, as_of, totals, extra ...) and its items' body."""
    packed = base64.b64encode(deflate(text.encode("utf-8"))).decode("ascii")
    kept = dict(kept)
    totals = kept.get("totals")
    if isinstance(totals, dict) and tuple(totals) == TOTALS:  # other shapes are kept as they are
        kept["t"] = [totals[k] for k in TOTALS]
        del kept["totals"]
    return {**kept, "stored": FORMAT, "z": packed}


def deflater(zdict: bytes) -> Any:
    """A deflater with a preset dictionary, an 8 KB window and small hash tables, to be copied per body (setting the
    dictionary up per body cost more than the body); level 6 is as small as 9 on these bodies. Raw deflate: no zlib
    header, dictionary id nor checksum (10 bytes of a ~170-byte body; the format names the dictionary)."""
    return zlib.compressobj(6, zlib.DEFLATED, -WINDOW_BITS, 4, zlib.Z_DEFAULT_STRATEGY, zdict)


DEFLATER = deflater(ZDICT)


def deflate(data: bytes, base: Any = None) -> bytes:
    """A body deflated by a copy of `base` (by default format 2's deflater, with its dictionary)."""
    copied = (DEFLATER if base is None else base).copy()
    return copied.compress(data) + copied.flush()


def inflate(data: bytes, form: int, zdict: bytes = ZDICT) -> bytes:
    """A body deflated in this format (1: no dictionary, any window; 2: with `zdict`)."""
    if form == 1:
        return zlib.decompress(data)
    inflater = zlib.decompressobj(-WINDOW_BITS, zdict=zdict)
    body = inflater.decompress(data) + inflater.flush()
    if not inflater.eof:  # cut short: raw deflate has no checksum, its end is what says the body is whole
        raise zlib.error("stored body cut short")
    return body


def is_stored(value: dict[str, Any]) -> bool:
    """Whether a result dict is in a compact stored form (of any format still read)."""
    return value.get("stored") in FORMATS


def body_text(stored: dict[str, Any]) -> str:
    """The JSON text of a stored form's items (pack_body's `text`)."""
    return inflate(base64.b64decode(stored["z"]), stored["stored"]).decode("utf-8")


def totals_of(stored: dict[str, Any]) -> dict[str, Any] | None:
    """A stored form's totals (pack_body keeps the usual ones as the list "t"), None when it has none."""
    return dict(zip(TOTALS, stored["t"])) if "t" in stored else stored.get("totals")


def decode(stored: dict[str, Any], shared: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The result dict of a stored form (an older, uncompressed row is returned as it is). With `shared`, an item
    stored alike before is the same dict (read-only readers of many results: exports, summaries)."""
    if not is_stored(stored):
        return stored
    rows = json.loads(body_text(stored))
    kept = {k: v for k, v in stored.items() if k not in ("stored", "z", "t")}
    if "t" in stored:
        kept["totals"] = totals_of(stored)
    return {**kept, "results": [_item(row) for row in rows] if shared is None else _shared_items(rows, shared)}


def _shared_items(rows: list[list[Any]], shared: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The items of short arrays, each distinct array (by its repr: 1, 1.0 and True stay apart) decoded once."""
    if len(shared) > SHARED_LIMIT:
        shared.clear()
    items = []
    for row in rows:
        key = repr(row)
        item = shared.get(key)
        if item is None:
            item = shared[key] = _item(row)
        items.append(item)
    return items


class StoredResult(TypeDecorator[dict[str, Any]]):
    """A JSON column holding a client result in the compact stored form, read back as the plain dict."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: dict[str, Any] | None, dialect: Dialect) -> dict[str, Any] | None:
        """Encode on write (a JsonText is a stored form serialised already)."""
        return encode(value) if value is not None and not isinstance(value, JsonText) else value

    def process_result_value(self, value: dict[str, Any] | None, dialect: Dialect) -> dict[str, Any] | None:
        """Decode on read."""
        return decode(value) if value is not None else None
