"""The portfolio dashboard's slices, kept with the portfolio summary (computed in the same pass over the clients):
clients and money by district and industry section, and one compact row per client (its 可申报 measures with their
money) that the page sorts, filters and ranks ("who to call first") without reading 20k results again.

可申报 is export.counts_as_eligible (answer.counted), the one definition; money is export.money (the engine's
totals: of two measures that exclude each other only the larger counts).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from operator import attrgetter
from typing import Any, NamedTuple

from checker.agency.compact import Reader
from checker.agency.portfolio import LatestClient
from checker.agency.windows import window_of
from checker.rules.pack import RulePack
from checker.sheets.verdicts import ClientFacts

UNDETERMINED = attrgetter("undetermined")
CALL_FIRST = 20  # clients in the "who to call first" list
SORTS = ("key", "count", "money", "call")
ANSWERS = ("district", "industry_code")  # the answers of a client the board reads (its slices)


class Row(NamedTuple):
    """One client as the dashboard's list shows it."""

    client_id: int
    key: str
    name: str
    rulepack: str
    counted: int  # 可申报
    undetermined: int  # 待完善
    money_wan: float  # known money of its 可申报 measures
    measures: list[list[Any]]  # [measure, 万元] of each 可申报 measure
    act_now_wan: float = 0.0  # of those, the money whose window is open today (or that declares none)
    closes: str = ""  # the soonest closing day of an open window among them


def empty_board() -> dict[str, Any]:
    """A board with no clients yet: districts and industries map to [clients, clients with 可申报, 万元]."""
    return {"districts": {}, "industries": {}, "clients": []}


def facts_row(client: LatestClient, facts: ClientFacts) -> list[Any]:
    """A client's compact row (the fields of Row up to measures) of its result facts."""
    count, sums, _ = facts.money()
    worth = round(sum(v for v in sums.values() if v is not None), 4)
    measures = [[f.measure, f.rounded] for f in facts.counted]
    undetermined = sum(map(UNDETERMINED, facts.facts))
    return [client.id, client.key, client.name, str(facts.rulepack or ""), count, undetermined, worth, measures]


def _slice(group: dict[str, list[Any]], name: str, count: int, worth: float) -> None:
    """Add one client to a district's or industry's [clients, clients with 可申报, 万元]."""
    row = group.setdefault(name, [0, 0, 0.0])
    row[0] += 1
    row[1] += int(count > 0)
    row[2] = round(row[2] + worth, 4)


def tap_stored(rows: Iterable[tuple[LatestClient, dict[str, Any]]], board: dict[str, Any],
               reader: Reader) -> Iterator[ClientFacts]:
    """Each client's facts (of Portfolio.latest_stored) on to the summary, added to the board on the way (one pass
    over the portfolio)."""
    for client, result in rows:
        facts = reader.client(result, client.key, client.name, client_id=client.id)
        _board_add(board, client, facts_row(client, facts))
        yield facts


def _board_add(board: dict[str, Any], client: LatestClient, row: list[Any]) -> None:
    """Add one client's row to the board and to its district's and industry's slices."""
    answers = client.answers or {}
    _slice(board["districts"], str(answers.get("district") or ""), row[4], row[6])
    code = str(answers.get("industry_code") or "")
    _slice(board["industries"], code[:1].upper(), row[4], row[6])
    board["clients"].append(row)


def _windows(pack: RulePack, measures: set[str], today: dt.date) -> dict[str, tuple[bool, str]]:
    """Each measure: whether it can be applied for today (open window or none declared) and the open window's end."""
    out = {}
    for measure in measures:
        found = window_of(pack, measure, today)
        if found is None:
            out[measure] = (True, "")
        else:
            out[measure] = (found["status"] == "open", str(found["closes"] or "") if found["status"] == "open" else "")
    return out


def rows(board: dict[str, Any] | None, pack: RulePack, today: dt.date) -> list[Row]:
    """The kept client rows with the money they can act on today (never more than the client's total: the measures'
    own amounts may belong to two tax scenarios) and the soonest closing window."""
    kept = (board or {}).get("clients", [])
    windows = _windows(pack, {m for row in kept for m, _ in row[7]}, today)
    out = []
    for row in kept:
        now = [(amount, windows[m][1]) for m, amount in row[7] if windows[m][0]]
        closes = min((c for _, c in now if c), default="")
        out.append(Row(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7],
                       round(min(sum(a for a, _ in now), row[6]), 4), closes))
    return out


def call_order(row: Row) -> tuple[Any, ...]:
    """Who to call first: most money to act on now, then the window closing soonest, then more 可申报."""
    return (-row.act_now_wan, row.closes or "9999-12-31", -row.counted, row.key)


def select_rows(all_rows: list[Row], sort: str = "key", measure: str = "", min_count: int = 0) -> list[Row]:
    """The list as asked: only clients for whom the measure is 可申报 (if given) with at least min_count 可申报,
    sorted by key, 可申报 count, money, or call order."""
    chosen = [r for r in all_rows if r.counted >= min_count and (not measure or any(m == measure for m, _ in r.measures))]
    keys = {"key": lambda r: r.key, "count": lambda r: (-r.counted, r.key), "money": lambda r: (-r.money_wan, r.key),
            "call": call_order}
    return sorted(chosen, key=keys.get(sort, keys["key"]))


def call_first(all_rows: list[Row]) -> list[Row]:
    """The CALL_FIRST clients with money to act on now, in call order."""
    return sorted((r for r in all_rows if r.act_now_wan > 0), key=call_order)[:CALL_FIRST]


def slices(group: dict[str, list[Any]]) -> list[tuple[str, int, int, float]]:
    """A district's or industry's rows (name, clients, with 可申报, 万元), largest money first."""
    return sorted(((name, *values) for name, values in group.items()), key=lambda s: (-s[3], -s[1], s[0]))
