"""A draft's impact over an uploaded sample file or the generated registry: the same counts and money as checking each
row with Checker.check under both packs (a file) or as `checker impact` (the registry), bad rows listed by number,
resumed at the next chunk, the kept file deleted with the pruned job."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from checker.agency.jobs import compact
from checker.batch import read_rows
from checker.columns import read_answers
from checker.engine import Checker
from checker.engine.answer import broad_kind, change_kind
from checker.models import utcnow
from checker.rules.pack import RulePack
from checker.staff import drafts, impact_money, registry, sample_impact, store
from checker.staff.models import Draft
from checker.staff.sample_models import SampleImpact
from checker.web.services import uploads_folder
from tests.staff.util import BORDERLINE, textarea
from tests.web.util import AS_OF

MEASURE = "small-low-profit"
INCOME = 'test: "taxable_income_wan <= small_low_profit_taxable_income_max_wan"\n'
FIELDS = ("name", "registered_on", "district", "taxable_income_wan", "employees", "restricted_products", *BORDERLINE)
YES_NO = {True: "是", False: "否"}


def lower_income_cap(text: str) -> str:
    """small-low-profit with its taxable-income cap lowered from 300 to 200 (万元), marked as an assumption: firms
    between the two lose the measure and its tax saving."""
    assert text.count(INCOME) == 1
    return text.replace(INCOME, 'test: "taxable_income_wan <= 200"\n    assumption: '
                        '{zh: 拟将上限降到200万元（未见正式文件）, en: Proposed 2 M CNY cap (no official text)}\n')


HTE = "hte-tax-rate"
HTE_YEARS = 'as_of <= year_end(add_days(add_years(hte_certified_on, 3), -1))"\n'


def shorten_hte(text: str) -> str:
    """hte-tax-rate's certificate read as valid for two years instead of three: firms in a certificate's third year
    lose the 15% rate and its tax saving (many of the generated registry)."""
    assert text.count(HTE_YEARS) == 1
    return text.replace(HTE_YEARS, HTE_YEARS.replace(", 3)", ", 2)") + "    assumption: {zh: 假设证书有效期缩短为两年, "
                        "en: Supposing certificates were valid for two years}\n")


def _cell(pack: RulePack, field: str, value: Any) -> str:
    """A value as Chinese Excel shows it: labels for enums, 是/否, dates as 2021/11/7, 5,000 for thousands."""
    decl = pack.fields[field]
    if decl.type == "bool":
        return YES_NO[value]
    if decl.type == "enum":
        return next(str(c.label.zh) for c in decl.values or () if c.value == value)
    if isinstance(value, dt.date):
        return f"{value.year}/{value.month}/{value.day}"
    return f"{value:,}" if isinstance(value, int) and value >= 1000 else str(value)


def sample_csv(pack: RulePack) -> bytes:
    """A GBK CSV with Chinese headers, an extra 联系人 column and a row whose registration date is no date."""
    header = [str(pack.fields[f].label.zh) for f in FIELDS] + ["联系人"]
    lines = [",".join(header)]
    for i in range(8):
        row = {**BORDERLINE, "name": f"北京样本科技有限公司{i}", "registered_on": dt.date(2021, 11, 7 + i),
               "district": "haidian", "taxable_income_wan": 120 + i * 37, "employees": 80, "restricted_products": False}
        cells = [_cell(pack, f, row[f]) for f in FIELDS] + [f"张{i}"]
        if i == 5:
            cells[1] = "2019/13/40"
        lines.append(",".join(f'"{c}"' if "," in c else c for c in cells))
    return ("\r\n".join(lines) + "\r\n").encode("gb18030")


def _draft(app: Flask, staff, measure: str = MEASURE, edit: Any = lower_income_cap) -> int:
    """A draft of one measure's text (by default small-low-profit's taxable-income cap lowered), saved through the
    edit page; its id."""
    text = textarea(staff.get(f"/staff/measures/{measure}/edit").get_data(as_text=True))
    response = staff.post(f"/staff/measures/{measure}/edit", data={"text": edit(text)})
    return int(re.search(r"/drafts/(\d+)", response.headers["Location"]).group(1))


def _packs(app: Flask, draft_id: int) -> tuple[RulePack, RulePack]:
    """The live pack and the draft's."""
    snap = app.extensions["staff"].current()
    with app.extensions["checker"].sessions() as session:
        changes = session.get(Draft, draft_id).changes
    return snap.pack, store.load_files(drafts.compose(snap.files, changes), app.extensions["checker"].seeds)


def _job(app: Flask, job_id: int) -> SampleImpact:
    with app.extensions["checker"].sessions() as session:
        job = session.get(SampleImpact, job_id)
        session.expunge(job)
        return job


def per_row(before: RulePack, after: RulePack, path: Path, as_of: dt.date) -> dict[str, Any]:
    """The impact checked row by row: each row read alone, Checker.check under both packs, the preview's folding."""
    old_checker, new_checker = Checker(before, "reference"), Checker(after, "reference")
    types = impact_money.money_types(before), impact_money.money_types(after)
    counts: dict[str, dict[str, int]] = {}
    money, bad = impact_money.empty(), []
    for row in read_rows(path):
        reading = read_answers(after, row.raw, as_of)
        bad += [(row.number, p.field) for p in reading.problems]
        old = compact(old_checker.check(reading.values, as_of))["results"]
        new = compact(new_checker.check(reading.values, as_of))["results"]
        impact_money.profile_money(money, f"{row.number} · {reading.values['name']}", old, new, *types)
        was, now = ({i["measure"]: i["status"] for i in items} for items in (old, new))
        for measure in was.keys() | now.keys():
            if kind := broad_kind(change_kind(was.get(measure), now.get(measure))):
                counts.setdefault(measure, {}).setdefault(kind, 0)
                counts[measure][kind] += 1
    return {"counts": counts, "money": money, "bad": bad}


def assert_same_moves(found: dict[str, Any], expected: dict[str, Any]) -> None:
    """The same money moves by type and the same companies gaining or losing (the job sums the money of the measures
    the draft changes only, the whole-pack oracle of every measure: totals differ, changes do not)."""
    for key, row in expected["types"].items():
        got = found["types"].get(key, {"before": 0.0, "after": 0.0, "changed": 0, "gained": 0, "lost": 0})
        assert got["after"] - got["before"] == pytest.approx(row["after"] - row["before"], abs=1e-3)
        assert (got["changed"], got["gained"], got["lost"]) == (row["changed"], row["gained"], row["lost"])
    assert (found["companies"]["gained"], found["companies"]["lost"]) == \
        (expected["companies"]["gained"], expected["companies"]["lost"])
    assert [(e["company"], e["delta"]) for e in found["companies"]["top"]] == \
        [(e["company"], pytest.approx(e["delta"], abs=1e-3)) for e in expected["companies"]["top"]]


def test_a_chinese_excel_csv_gives_the_counts_of_checking_each_row(app, staff, tmp_path):
    draft_id = _draft(app, staff)
    before, after = _packs(app, draft_id)
    data = sample_csv(after)
    response = staff.post(f"/staff/drafts/{draft_id}/impact/file", content_type="multipart/form-data",
                          data={"upload": (io.BytesIO(data), "样本.csv"), "as_of": AS_OF})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    job = _job(app, job_id)
    assert job.status == "done", job.message
    (tmp_path / "sample.csv").write_bytes(data)
    expected = per_row(before, after, tmp_path / "sample.csv", dt.date.fromisoformat(AS_OF))
    assert expected["counts"][MEASURE]["no_longer_eligible"] >= 2  # the draft does move rows of the file
    assert job.counts == expected["counts"]
    assert (job.done, job.compared, job.bad_rows, job.unreadable) == (8, 8, 1, 0)
    assert expected["bad"] == [(7, "注册成立日期")]  # the row Excel shows, the column as headed
    assert [(b["row"], b["column"]) for b in job.bad] == [(7, "registered_on")]  # the agency reader's field id
    assert_same_moves(job.money, expected["money"])
    assert job.money["companies"]["top"]  # the draft moves money of named rows
    page = staff.get(f"/staff/sample-impacts/{job_id}").get_data(as_text=True)
    assert f'<dd id="n-lost">{expected["counts"][MEASURE]["no_longer_eligible"]}</dd>' in page
    assert '<tr data-row="7"><td class="num">7</td><td>注册成立日期</td>' in page
    assert "样本.csv" in page and "北京样本科技有限公司" in page


def test_the_kept_file_goes_with_the_pruned_job(app, staff):
    draft_id = _draft(app, staff)
    data = sample_csv(_packs(app, draft_id)[1])
    response = staff.post(f"/staff/drafts/{draft_id}/impact/file", content_type="multipart/form-data",
                          data={"upload": (io.BytesIO(data), "sample.csv"), "as_of": AS_OF})
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    folder = uploads_folder(app)
    kept = sample_impact.sample_path(folder, job_id, ".csv")
    assert kept.read_bytes() == data
    with app.extensions["checker"].sessions() as session:
        assert sample_impact.prune(session, folder) == 0 and kept.exists()
        assert sample_impact.prune(session, folder, utcnow() + dt.timedelta(days=31)) == 1
        session.commit()
        assert session.get(SampleImpact, job_id) is None
    assert not kept.exists()


def test_a_file_that_is_not_a_table_is_refused_on_the_page(app, staff):
    draft_id = _draft(app, staff)
    response = staff.post(f"/staff/drafts/{draft_id}/impact/file", content_type="multipart/form-data",
                          data={"upload": (io.BytesIO(b"\x00\x01 not a table"), "x.xlsx"), "as_of": AS_OF},
                          follow_redirects=True)
    assert "文件无法读取" in response.get_data(as_text=True)
    with app.extensions["checker"].sessions() as session:
        assert session.query(SampleImpact).count() == 0


def test_the_registry_gives_the_counts_of_checker_impact_for_the_same_seed(chunked):
    from tests.accounts import add_user, sign_in

    add_user(chunked, "staff@example.com", None, "staff")
    staff = chunked.test_client()
    sign_in(staff, "staff@example.com")
    draft_id = _draft(chunked, staff, HTE, shorten_hte)
    response = staff.post(f"/staff/drafts/{draft_id}/impact/registry", data={"n": "3000", "seed": "11", "as_of": AS_OF})
    assert "/staff/sample-impacts/" in response.headers["Location"]
    job = _job(chunked, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert (job.status, job.total, job.done, job.compared) == ("done", 3000, 3000, 3000), job.message
    before, after = _packs(chunked, draft_id)
    as_of = dt.date.fromisoformat(AS_OF)
    *_, expected = registry.registry_impact(registry.Side(before, as_of), registry.Side(after, as_of), 3000, 11, 1000)
    assert expected.counts[HTE]["no_longer_eligible"] > 0 and expected.money["companies"]["lost"] > 0
    assert job.counts == expected.counts
    assert_same_moves(job.money, expected.money)
    page = staff.get(f"/staff/sample-impacts/{job.id}").get_data(as_text=True)
    assert 'data-source="registry" data-n="3000" data-seed="11"' in page and "不是真实企业" in page


def test_a_stopped_registry_job_resumes_at_its_next_chunk(chunked):
    snap = chunked.extensions["staff"].current()
    path = drafts.measure_path(snap.files, HTE)
    services = chunked.extensions["checker"]
    with services.sessions() as session:
        ids = [sample_impact.start_sample(session, snap.seq, dt.date.fromisoformat(AS_OF), None,
                                          {path: shorten_hte(snap.files[path])}, "registry", n=2500, seed=3,
                                          size=1000).id for _ in range(2)]
        session.commit()
    folder = uploads_folder(chunked)
    calls = iter(range(100))
    assert not sample_impact.run_sample(services.sessions, ids[0], services.seeds, folder, "reference",
                                        stop=lambda: next(calls) >= 1)
    assert (_job(chunked, ids[0]).status, _job(chunked, ids[0]).done) == ("running", 1000)
    assert sample_impact.run_sample(services.sessions, ids[0], services.seeds, folder, "reference")
    assert sample_impact.run_sample(services.sessions, ids[1], services.seeds, folder, "reference")
    stopped, whole = _job(chunked, ids[0]), _job(chunked, ids[1])
    assert (stopped.status, stopped.done) == ("done", 2500)
    assert stopped.counts[HTE] and (stopped.counts, stopped.money) == (whole.counts, whole.money)


def as_xlsx(data: bytes, path: Path) -> Path:
    """The CSV's rows in a workbook as Excel keeps them: dates as date cells, the bad date as typed text."""
    import csv

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for number, cells in enumerate(csv.reader(io.StringIO(data.decode("gb18030")))):
        sheet.append([dt.datetime.strptime(c, "%Y/%m/%d") if number and re.fullmatch(r"2021/11/\d+", c) else c
                      for c in cells])
    book.save(path)
    return path


def test_the_same_rows_in_a_workbook_give_the_same_report(app, staff, tmp_path):
    draft_id = _draft(app, staff)
    data = sample_csv(_packs(app, draft_id)[1])
    jobs = []
    for name, body in (("sample.csv", data), ("sample.xlsx", as_xlsx(data, tmp_path / "s.xlsx").read_bytes())):
        response = staff.post(f"/staff/drafts/{draft_id}/impact/file", content_type="multipart/form-data",
                              data={"upload": (io.BytesIO(body), name), "as_of": AS_OF})
        jobs.append(_job(app, int(response.headers["Location"].rsplit("/", 1)[1])))
    csv_job, xlsx_job = jobs
    assert xlsx_job.status == "done" and xlsx_job.counts[MEASURE]
    assert (xlsx_job.counts, xlsx_job.money, xlsx_job.bad_rows) == (csv_job.counts, csv_job.money, csv_job.bad_rows)


def test_a_registry_past_a_million_names_the_field(app, staff):
    draft_id = _draft(app, staff)
    response = staff.post(f"/staff/drafts/{draft_id}/impact/registry", data={"n": "1000001", "seed": "1", "as_of": AS_OF},
                          follow_redirects=True)
    assert "请检查“企业数（1 至 1,000,000）”" in response.get_data(as_text=True)
    with app.extensions["checker"].sessions() as session:
        assert session.query(SampleImpact).count() == 0


def test_a_stopped_file_job_resumes_past_the_rows_it_has_done(app, staff):
    draft_id = _draft(app, staff)
    data = sample_csv(_packs(app, draft_id)[1])
    snap, services, folder = app.extensions["staff"].current(), app.extensions["checker"], uploads_folder(app)
    with services.sessions() as session:
        changes = session.get(Draft, draft_id).changes
        ids = [sample_impact.start_sample(session, snap.seq, dt.date.fromisoformat(AS_OF), draft_id, changes, "file",
                                          filename="s.csv", suffix=".csv", size=3).id for _ in range(2)]
        session.commit()
    folder.mkdir(parents=True, exist_ok=True)
    for job_id in ids:
        sample_impact.sample_path(folder, job_id, ".csv").write_bytes(data)
    calls = iter(range(100))
    assert not sample_impact.run_sample(services.sessions, ids[0], services.seeds, folder, "reference",
                                        stop=lambda: next(calls) >= 1)
    assert (_job(app, ids[0]).total, _job(app, ids[0]).done) == (8, 3)
    assert sample_impact.run_sample(services.sessions, ids[0], services.seeds, folder, "reference")
    assert sample_impact.run_sample(services.sessions, ids[1], services.seeds, folder, "reference")
    stopped, whole = _job(app, ids[0]), _job(app, ids[1])
    assert (stopped.status, stopped.done, stopped.compared) == ("done", 8, 8)
    assert (stopped.counts, stopped.money, stopped.bad) == (whole.counts, whole.money, whole.bad)
