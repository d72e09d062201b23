"""JSON columns are stored as compact UTF-8 text (checker.db.json_text), and every value still reads back."""

from __future__ import annotations

import json

from sqlalchemy import JSON, Column, Integer, MetaData, Table, insert, select, text

from checker.db import json_text, make_engine

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
