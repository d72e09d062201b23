"""Stored agency results read as facts (checker.sheets.verdicts.ClientFacts) straight from their compact stored form.

The summary, the dashboard and the matrix need of each item only its measure, status, money and flags. A reader of
many results (a 100k-client summary or workbook) splits each client's deflated body into its items' texts (one regex
pass in C, checked to tile the body exactly) and looks each text up: an item stored alike for many clients is parsed
and worked out once (FactsTable), never turned into an item dict again. A body the split does not tile, and a row
stored before the compact form (or without a result), is read through its item dicts, so the answers are the same.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from checker.agency import stored, stored_answers
from checker.rules.pack import RulePack
from checker.sheets.verdicts import (
    ClientFacts,
    ClientVerdicts,
    FactsTable,
    ItemFacts,
    client_facts,
    group_of,
    kept_totals,
)

_STRING = r'"(?:[^"\\]++|\\.)*+"'
# One stored item: a JSON array of scalars, strings and arrays of scalars and strings (its failed and missing lists).
ITEM = re.compile(rf'\[(?:[^\[\]"]++|{_STRING}|\[(?:[^\[\]"]++|{_STRING})*+\])*+\]')
# ITEM where no string holds a bracket (every body but one with a free-text condition like "[art. 3]"): a third faster.
PLAIN = re.compile(r"\[[^\[\]]*+(?:\[[^\[\]]*+\][^\[\]]*+)*+\]")
# json.loads of an item's text without its checks and wrappers (C): (value, end); set in __init__, so not in typeshed
SCAN: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


class Reader:
    """Reads stored results on one rule pack as ClientFacts, each distinct stored item worked out once."""

    def __init__(self, pack: RulePack | None) -> None:
        self.pack = pack
        self.table = FactsTable(pack)
        self.shapes: dict[tuple[Any, ...], ItemFacts] = {}  # an item's facts by all its fields but its amounts

    def client(self, result: dict[str, Any] | None, key: str, name: str, row: int | None = None,
               client_id: int | None = None) -> ClientFacts:
        """The facts of one client's stored result (compact, older uncompressed, or none)."""
        if result is None or not stored.is_stored(result):
            return client_facts(self.table, ClientVerdicts(key, name, result or {}, row, client_id))
        text = stored.body_text(result)
        totals = stored.totals_of(result)
        if not totals:  # stored before results carried totals: worked out from the items, as the exports do
            totals = kept_totals(self.pack, stored.decode(result))
        return ClientFacts(key, name, self.items(text), totals, result.get("rulepack"), result.get("as_of"),
                           result.get("extra") or {}, row, client_id)

    def items(self, text: str) -> list[ItemFacts]:
        """The facts of a stored body (the JSON text of its items' short arrays), in item order."""
        pieces = split(text)
        if ",".join(pieces) != text[1:-1]:  # not split exactly (an item of a shape the split does not know)
            return self.table.of_items(stored._item(row) for row in json.loads(text))
        facts: list[ItemFacts | None] = list(map(self.table.known.get, pieces))  # looked up in C
        at = -1
        try:
            while True:  # each item not seen before (None), found in C
                at = facts.index(None, at + 1)
                facts[at] = self._new(pieces[at])
        except ValueError:
            return facts  # type: ignore[return-value]  # every None replaced

    def _new(self, piece: str) -> ItemFacts:
        """The facts of an item's text not seen before."""
        row = SCAN(piece, 0)[0]
        row[4:6] = [None] * len(row[4:6])  # failed and missing left unread: no fact reads them
        return self.table.remember(piece, self._alike(row) or self.table.of_item(stored._item(row)))

    def _alike(self, row: list[Any]) -> ItemFacts | None:
        """The facts of an item alike in all but its amounts to one seen before (most new items: a client's own
        amounts): the seen facts with its own money. None when none was seen, or the item has keys of its own."""
        size = len(row)
        if size > 2 + len(stored.OPTIONAL):  # a key the stored form does not know (a benefit): read as its dict
            return None
        shape = (*row[:2], *row[3:4], *row[6:7], *row[8:])  # measure, status, currency, held, applicant, condition
        try:
            seen = self.shapes.get(shape)
        except TypeError:  # a field the shape cannot hold (held as a dict): read as its dict
            return None
        if seen is None:
            self.shapes[shape] = self.table.of_item(stored._item(row))
            return None
        tax = row[7] if size > 7 else None
        saving = seen.kind == "tax_saving" and tax not in stored.BLANK  # amount_of: a tax measure's saving, if stored
        value = tax if saving else row[2] if size > 2 else None
        return ItemFacts(seen.measure, seen.status, seen.held, seen.counted, seen.undetermined, seen.kind, value,
                         round(value or 0.0, 4), seen.group if (value is None) is (seen.value is None)
                         else group_of(seen.measure, seen.status, seen.held, value))


def split(text: str) -> list[str]:
    """A stored body's items' texts (ITEM's split; PLAIN's when no string of the body holds a bracket or an escape)."""
    if "\\" in text:
        return ITEM.findall(text)
    strings = "".join(text.split('"')[1::2])  # without escapes, every other piece between quotes is a string's text
    return ITEM.findall(text) if "[" in strings or "]" in strings else PLAIN.findall(text)


def answers_of(form: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    """Only `keys` of a client's answers as stored (what stored_answers.decode_answers gives of them, as encode_answers
    writes them: a key of KEYS_1 as its index), without building the dict of every answer."""
    if not stored_answers.is_stored(form):
        return {key: form[key] for key in keys if key in form} if isinstance(form, dict) else {}
    flat = stored_answers.flat_list(form)
    found = dict(zip(flat[::2], flat[1::2]))
    tokens = {key: stored_answers.INDEX.get(key, key) for key in keys}
    return {key: found[token] for key, token in tokens.items() if token in found}
