"""The files agencies really have (GBK CSV from Chinese Excel, XLSX with date cells) are read whole, on web and CLI."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from checker.agency import stored
from checker.agency.jobs import row_answers
from checker.agency.models import ClientResult, Job, JobRow
from checker.agency.results import job_extras
from checker.cli import main
from tests.agency.conftest import make_app, shut, sign_in
from tests.agency.util import job_id_of, upload
from tests.conftest import ROOT

HEADER = ("客户编号,企业（机构）名称,主体类型,注册地所在省市,北京注册区,注册成立日期,职工总数（人）,"
          "上一年度销售（营业）收入（万元）,hte_certified,联系人,备注")
MESSY = [
    "K001,北京甲科技有限公司,企业,北京市,海淀区,2021/11/7,\"1,200\",500万,是,王经理,老客户",
    "K002,北京乙科技有限公司,企业,北京,海淀,2019年3月15日,85,\"3,000\",否,李会计,",
    "K003,北京丙科技有限公司,企业,北京市,浦东新区,2020.1.2,40,120,不清楚,张三,地址待核实",
    "K004,北京丁科技有限公司,企业,北京市,朝阳区,20180601,12,80.5,1,赵四,",
]


def messy_csv() -> bytes:
    """The issue's file: GBK, Chinese labels and headers, 2021/11/7 dates, a 联系人 column, one bad cell (浦东新区)."""
    return ("\r\n".join([HEADER, *MESSY]) + "\r\n").encode("gbk")


def dated_xlsx() -> bytes:
    """An XLSX saved by Excel with real date cells, a date serial and a Chinese header row."""
    book = Workbook()
    sheet = book.active
    sheet.append(["编号", "主体类型", "注册成立日期", "职工总数（人）", "联系人"])
    sheet.append(["X1", "企业", dt.datetime(2021, 11, 7), 30, "王经理"])
    sheet.append(["X2", "企业", 44507, 15, "李会计"])
    sheet.append(["X3", "科技企业孵化器", dt.date(2015, 5, 4), "十二", None])
    sheet["C2"].number_format = "yyyy/m/d"
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


@pytest.fixture
def real(tmp_path):
    """The app on the project's rule pack, jobs run inline."""
    application = make_app(tmp_path, CHECKER_RULES=str(ROOT / "rules"))
    yield application
    shut(application)


@pytest.fixture
def agent(real):
    """Agency A signed in on the real-pack app."""
    from tests.accounts import add_user

    add_user(real, "a@example.com", "Agency A")
    client = real.test_client()
    sign_in(client, "a@example.com")
    return client


def _stored(app, job: int) -> tuple[Job, list[JobRow], dict[int, dict]]:
    with app.extensions["checker"].sessions() as session:
        found = session.get(Job, job)
        rows = list(session.scalars(select(JobRow).where(JobRow.job_id == job).order_by(JobRow.number)))
        results = {r.row_number: r.result for r in session.scalars(select(ClientResult).where(ClientResult.job_id == job))}
        session.expunge_all()
        return found, rows, results


def test_messy_gbk_csv_upload_checks_every_client(real, agent):
    job = job_id_of(upload(agent, "客户名单.csv", messy_csv()))
    found, rows, results = _stored(real, job)
    assert (found.status, found.total, found.done, found.errors) == ("done", 4, 4, 0)
    assert [r.state for r in rows] == ["done"] * 4 and sorted(results) == [2, 3, 4, 5]  # Excel's rows, header row 1
    assert [[(p["field"], p["code"], p["params"]["value"]) for p in r.problems] for r in rows if r.problems] == \
        [[("district", "problem.not_an_option", "浦东新区")]]
    message = rows[2].problems[0]["message"]
    assert message.startswith("'浦东新区' is not one of 海淀区 (haidian), 朝阳区 (chaoyang)")
    assert results[2]["extra"] == {"联系人": "王经理", "备注": "老客户"} and results[3]["extra"] == {"联系人": "李会计"}
    page = agent.get(f"/agency/jobs/{job}").get_data(as_text=True)
    assert "<td>4</td><td>北京丙科技有限公司</td><td>北京注册区</td><td>“浦东新区”不是可选值，可选：海淀区 (haidian)" in page
    english = agent.get(f"/agency/jobs/{job}?lang=en").get_data(as_text=True)
    assert "<td>4</td><td>北京丙科技有限公司</td><td>District in Beijing</td><td>&#39;浦东新区&#39; is not one of" in english


def test_the_extra_columns_are_found_without_decoding_any_result(real, agent, monkeypatch):
    # A 100k-client job with a 联系人 column took ~28 s decoding every result's items only to read `extra`.
    job = job_id_of(upload(agent, "客户名单.csv", messy_csv()))

    def refuse(*_args, **_kwargs):
        raise AssertionError("a result's items were decoded to find its extra columns")

    monkeypatch.setattr(stored, "decode", refuse)
    with real.extensions["checker"].sessions() as session:
        assert job_extras(session, job) == ["联系人", "备注"]


def test_answers_of_the_messy_file_are_read_as_meant(real, agent):
    job = job_id_of(upload(agent, "客户名单.csv", messy_csv()))
    with real.extensions["checker"].sessions() as session:
        raws = list(row_answers(session, job).values())
    from checker.columns import read_answers

    pack = real.extensions["checker"].pack
    first = read_answers(pack, raws[0], dt.date(2026, 6, 1)).values
    assert first | {"entity_type": "enterprise", "province": "beijing", "district": "haidian", "employees": 1200,
                    "registered_on": dt.date(2021, 11, 7), "revenue_wan": 500.0, "hte_certified": True} == first
    third = read_answers(pack, raws[2], dt.date(2026, 6, 1)).values
    assert "district" not in third and "hte_certified" not in third and third["registered_on"] == dt.date(2020, 1, 2)


def test_xlsx_with_date_cells_upload(real, agent):
    job = job_id_of(upload(agent, "clients.xlsx", dated_xlsx()))
    found, rows, results = _stored(real, job)
    assert (found.status, found.done, found.errors) == ("done", 3, 0) and sorted(results) == [2, 3, 4]
    with real.extensions["checker"].sessions() as session:
        answers = row_answers(session, job)
    assert [answers[r.number].get("registered_on") for r in rows] == ["2021-11-07", 44507, "2015-05-04"]
    assert [r.problems for r in rows] == [[], [], [{"field": "employees", "code": "problem.not_a_number",
                                                    "params": {"value": "十二"}, "message": "'十二' is not a number"}]]


def test_cli_reads_the_same_messy_csv_and_echoes_extra_columns(tmp_path):
    source, out = tmp_path / "客户.csv", tmp_path / "out.csv"
    source.write_bytes(messy_csv())
    result = CliRunner().invoke(main, ["batch", str(source), "-o", str(out), "--as-of", "2026-06-01"])
    assert result.exit_code == 4, result.output
    assert "row 4: 北京注册区: '浦东新区' is not one of 海淀区 (haidian)" in result.output  # Excel's row 4
    assert "4 checked, 1 rows with problems" in result.output
    table = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert [r["客户编号"] for r in table] == ["K001", "K002", "K003", "K004"]
    assert [r["名称"] for r in table] == ["北京甲科技有限公司", "北京乙科技有限公司", "北京丙科技有限公司", "北京丁科技有限公司"]
    expected = [("王经理", "老客户"), ("李会计", ""), ("张三", "地址待核实"), ("赵四", "")]
    assert [(r["联系人"], r["备注"]) for r in table] == expected


def test_cli_reads_xlsx_date_cells(tmp_path):
    source, out = tmp_path / "clients.xlsx", tmp_path / "out.jsonl"
    source.write_bytes(dated_xlsx())
    result = CliRunner().invoke(main, ["batch", str(source), "-o", str(out), "--as-of", "2026-06-01"])
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in lines] == ["X1", "X2", "X3"]
    assert [r.get("extra") for r in lines] == [{"联系人": "王经理"}, {"联系人": "李会计"}, None]
    assert result.output.count("row ") == 1 and "row 4: 职工总数（人）: '十二' is not a number" in result.output


def test_the_job_page_names_the_columns_it_did_not_read_with_the_closest_field_labels(real, agent):
    """成立日期 where the template says 注册成立日期: the column's answers are not read, and the page says so once, with
    the closest labels to choose from (never applied), in the page's language; 联系人 is named as the agency's own."""
    text = "客户编号,成立日期,联系人,职工总数（人）\r\nK1,2021/11/7,王经理,12\r\nK2,2019/3/15,,30\r\n"
    job = job_id_of(upload(agent, "客户名单.csv", text.encode("gbk")))
    found, _, results = _stored(real, job)
    assert found.unread == ["成立日期", "联系人"] and results[2]["extra"] == {"成立日期": "2021/11/7", "联系人": "王经理"}
    page = agent.get(f"/agency/jobs/{job}").get_data(as_text=True)
    note = page[page.index('id="unread-columns"'):page.index("</p>", page.index('id="unread-columns"'))]
    assert '<strong data-column="成立日期">成立日期</strong>（最接近的字段：注册成立日期）；' in note
    assert '<strong data-column="联系人">联系人</strong>。' in note and "按模板表头改名后重新上传" in note
    english = agent.get(f"/agency/jobs/{job}?lang=en").get_data(as_text=True)
    assert "not read as answers" in english and "(closest fields: 注册成立日期)" in english
    claimed = job_id_of(upload(agent, "ok.csv", "客户编号,注册成立日期\r\nK3,2021/11/7\r\n".encode("gbk")))
    assert 'id="unread-columns"' not in agent.get(f"/agency/jobs/{claimed}").get_data(as_text=True)


def test_the_workbook_and_the_problem_list_name_a_column_not_read_that_a_field_is_close_to(real, agent):
    """The workbook travels without the job page: its problems sheet names 成立日期 with the closest label, before the
    rows' own problems, in the download's language; 联系人 (the template invites such columns) is no problem."""
    text = "客户编号,成立日期,联系人,职工总数（人）\r\nK1,2021/11/7,王经理,很多\r\nK2,2019/3/15,,30\r\n"
    job = job_id_of(upload(agent, "客户名单.csv", text.encode("gbk")))
    rows = _problem_sheet(agent, job)
    assert rows[1] == [None, None, None, "成立日期",
                       "此列没有作为答案读取，按您自己的列原样保留（最接近的字段：注册成立日期）；若它是答案，请按模板表头改名后重新上传"]
    assert rows[2][:4] == [2, "K1", "K1", "职工总数（年平均从业人数）"] and len(rows) == 3  # the field's label
    english = agent.get(f"/agency/jobs/{job}/results.csv?sheet=problems&lang=en").get_data(as_text=True)
    assert ",成立日期,column not read as an answer, kept as your own column (closest fields: 注册成立日期);" in \
        english.replace('"', "")
    claimed = job_id_of(upload(agent, "ok.csv", "客户编号,注册成立日期,联系人\r\nK3,2021/11/7,王经理\r\n".encode("gbk")))
    assert _problem_sheet(agent, claimed) == []  # no problems sheet at all


def _problem_sheet(agent, job: int) -> list[list]:
    with agent.get(f"/agency/jobs/{job}/results.xlsx") as response:
        book = load_workbook(io.BytesIO(response.data))
    return [list(r) for r in book["问题清单"].iter_rows(values_only=True)] if "问题清单" in book.sheetnames else []


def test_a_column_first_met_in_a_later_row_is_named_too(real, agent):
    rows = [{"id": "J1", "联系人": "王经理"}, {"id": "J2", "employees": 3}, {"id": "J3", "备注": "老客户", "联系人": ""}]
    job = job_id_of(upload(agent, "c.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()))
    found, _, _ = _stored(real, job)
    assert found.unread == ["联系人", "备注"]
