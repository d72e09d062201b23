"""JSON columns are stored as compact UTF-8 text (checker.db.json_text), and every value still reads back."""

from __future__ import annotations

import json

from sqlalchemy import JSON, Column, Integer, MetaData, Table, insert, select, text

from checker.db import DeflatedJSON, json_text, make_engine

VALUES = [{"名称": "北京示例软件有限公司", "list": [1, 2.5, None, True], "nested": {"a": "b"}},
          {"odd": "\ud800 a lone surrogate", "名": "张三"}, [], {}, "text", 3, None]


def _table() -> Table:
    return Table("doc", MetaData(), Column("id", Integer, primary_key=True), Column("data", JSON))


def test_json_columns_hold_compact_utf8_and_read_back_every_value(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'j.sqlite'}")
    table = _table()
    table.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(table), [{"id": i, "data": value} for i, value in enumerate(VALUES)])
    with engine.connect() as connection:
        read = [row.data for row in connection.execute(select(table).order_by(table.c.id))]
        stored = connection.execute(text("SELECT data FROM doc WHERE id = 0")).scalar_one()
    engine.dispose()
    assert read == VALUES
    assert stored == '{"名称":"北京示例软件有限公司","list":[1,2.5,null,true],"nested":{"a":"b"}}'


def test_a_lone_surrogate_is_escaped_as_before_not_refused():
    value = {"cell": "\udc80x", "名": "张"}
    assert json_text(value) == json.dumps(value, separators=(",", ":"))
    assert json.loads(json_text(value)) == value


def test_a_deflated_json_column_reads_back_its_value_and_an_older_plain_one(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'd.sqlite'}")
    table = Table("summary", MetaData(), Column("id", Integer, primary_key=True), Column("data", DeflatedJSON))
    table.metadata.create_all(engine)
    board = {"clients": [[i, f"client-{i:06d}", "北京示例软件有限公司", 12.5, [["hte-tax-rate", 1.5]]] for i in range(500)],
             "odd": "\ud800"}
    with engine.begin() as connection:
        connection.execute(insert(table), [{"id": 1, "data": board}, {"id": 2, "data": None}])
        connection.execute(text("""INSERT INTO summary VALUES (3, '{"clients": [1, 2]}')"""))  # stored before
    with engine.connect() as connection:
        read = dict(connection.execute(select(table.c.id, table.c.data)).all())
        stored = json.loads(connection.execute(text("SELECT data FROM summary WHERE id = 1")).scalar_one())
    engine.dispose()
    assert read == {1: board, 2: None, 3: {"clients": [1, 2]}}
    assert set(stored) == {"deflated", "z"} and len(stored["z"]) * 5 < len(json_text(board).encode("utf-8"))
