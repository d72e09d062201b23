"""db.write_many: SQLite gets the compiled statement and plain tuples, and stores exactly what session.execute does."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Column, Date, DateTime, Integer, MetaData, String, Table, bindparam, insert, text, update
from sqlalchemy.orm import Session

from checker.agency.stored_answers import StoredAnswers
from checker.db import JsonText, json_text, make_engine, write_many

NOW = dt.datetime(2026, 12, 4, 9, 30, 0)  # no microseconds: sqlite3's own adapter would drop the ".000000"
ROWS = [{"id": 1, "name": "北京示例软件有限公司", "on": dt.date(2021, 11, 7), "at": NOW, "doc": {"a": [1, None]},
         "answers": {"employees": 20, "district": "海淀区"}},
        {"id": 2, "name": None, "on": None, "at": NOW, "doc": None, "answers": None},
        {"id": 3, "name": "x", "on": dt.date(2021, 11, 7), "at": NOW + dt.timedelta(microseconds=5),
         "doc": JsonText(json_text(["张三"])), "answers": JsonText('{"answers":2,"z":"abc"}')}]


def _tables() -> tuple[Table, Table]:
    metadata = MetaData()

    def table(name: str) -> Table:
        return Table(name, metadata, Column("id", Integer, primary_key=True), Column("name", String(20)),
                     Column("on", Date), Column("at", DateTime), Column("doc", JSON), Column("answers", StoredAnswers))
    return table("by_execute"), table("by_write_many")


def _stored(session: Session, name: str) -> list[tuple]:
    return [tuple(row) for row in session.execute(text(f"SELECT * FROM {name} ORDER BY id"))]


def test_an_insert_and_an_update_store_what_session_execute_stores(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'w.sqlite'}")
    plain, fast = _tables()
    plain.metadata.create_all(engine)
    changes = [{"rid": 1, "name": "改名", "at": NOW, "doc": None}, {"rid": 3, "name": None, "at": NOW, "doc": [2]}]
    with Session(engine) as session:
        session.execute(insert(plain), ROWS)
        write_many(session, insert(fast), ROWS)
        assert _stored(session, "by_write_many") == _stored(session, "by_execute")
        session.execute(update(plain).where(plain.c.id == bindparam("rid")), changes)
        write_many(session, update(fast).where(fast.c.id == bindparam("rid")), changes)
        after = _stored(session, "by_write_many")
        assert after == _stored(session, "by_execute")
        session.commit()
    engine.dispose()
    assert after[0][1:4] == ("改名", "2021-11-07", "2026-12-04 09:30:00.000000")  # SQLAlchemy's forms, not sqlite3's
    assert after[1][4] == "null" and after[2][4] == "[2]"  # a JSON None is the JSON null, as SQLAlchemy writes it
    assert after[2][5] == '{"answers":2,"z":"abc"}'  # a JsonText is stored as it is


def test_no_rows_write_nothing(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'w.sqlite'}")
    _, fast = _tables()
    fast.metadata.create_all(engine)
    with Session(engine) as session:
        write_many(session, insert(fast), [])
        assert _stored(session, "by_write_many") == []
    engine.dispose()


def test_equal_values_of_other_types_are_converted_each_as_its_own(tmp_path):
    """1, 1.0 and True are one dict key; a JSON column stores them as 1, 1.0 and true, as session.execute does."""
    engine = make_engine(f"sqlite:///{tmp_path / 'w.sqlite'}")
    plain, fast = _tables()
    plain.metadata.create_all(engine)
    rows = [{"id": n, "name": "x", "on": None, "at": NOW, "doc": value, "answers": None}
            for n, value in enumerate([1, 1.0, True, 0, False], 1)]
    with Session(engine) as session:
        session.execute(insert(plain), rows)
        write_many(session, insert(fast), rows)
        stored = _stored(session, "by_write_many")
        assert stored == _stored(session, "by_execute")
    engine.dispose()
    assert [row[4] for row in stored][2::2] == ["true", "false"]  # not 1 and 0 (the numbers' texts SQLite reads back
    # as numbers, its column having no type of its own)
