"""Create in the browser: a dated parameter, a field and a measure using both; a profile checked on two dates."""

from __future__ import annotations

import datetime as dt
import re

from tests.staff.test_git import git, rules_of
from tests.staff.util import preview
from tests.web.util import as_form

PARAMETER = {"id": "demo_floor", "label_zh": "示例门槛", "label_en": "Demo floor", "unit_zh": "分", "unit_en": "points",
             "from_1": "2020-01-01", "value_1": "100", "document_1": "《示例办法》", "article_1": "第三条",
             "quote_1": "评分达到100分的企业给予支持",
             "from_2": "2026-01-01", "value_2": "150", "document_2": "《示例办法（2026年修订）》", "article_2": "第三条",
             "quote_2": "评分达到150分的企业给予支持",
             "url_2": "https://example.gov.cn/notice"}
FIELD = {"id": "demo_score", "type": "int", "section": "basic", "label_zh": "示例评分", "label_en": "Demo score",
         "minimum": "0", "entities": ["enterprise"]}
MEASURE = {"id": "demo-new", "folder": "demo", "title_zh": "示例新措施", "title_en": "A new demo measure", "kind": "subsidy",
           "issuer_zh": "示例局", "entities": ["enterprise"], "applicant": "company", "document": "《示例办法》",
           "article": "第三条", "quote": "评分达到规定门槛的企业给予支持",
           "criteria-0-field": "demo_score", "criteria-0-op": "ge", "criteria-0-value": "demo_floor",
           "criteria-0-clause": "第三条", "criteria-0-quote": "评分达到规定门槛的企业给予支持",
           "criteria-0-text_zh": "示例评分达到门槛", "amount_kind": "none", "money": "cash",
           "benefit_zh": "给予支持（金额另行公布）", "apply_zh": "向示例局申报"}


def _publish_form(client, url: str, data: dict, comment: str) -> str:
    """Submit a creation form, check its draft is clean, publish it; the draft's URL."""
    response = client.post(url, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    draft = response.headers["Location"]
    page = client.get(draft).get_data(as_text=True)
    assert 'id="no-errors"' in page and 'id="publish-blocked"' not in page, re.findall(r'<tr class="error">.*?</tr>', page)
    preview(client, draft)
    published = client.post(draft + "/publish", data={"comment": comment})
    assert published.status_code == 302, re.findall(r'<ul id="refused".*?</ul>', published.get_data(as_text=True), re.S)
    return draft


def _status(client, profile: dict, day: str) -> str:
    response = client.post("/", data=as_form(profile, day))
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    data = client.get(response.headers["Location"] + "/result.json").get_json()
    return next(r["status"] for r in data["results"] if r["measure"] == "demo-new")


def test_add_a_parameter_a_field_and_a_measure_and_check_on_two_dates(mini_app, mini):
    _publish_form(mini, "/staff/new/parameter", PARAMETER, "demo floor from the 2026 revision")
    _publish_form(mini, "/staff/new/field", FIELD, "the score the demo measure asks")
    _publish_form(mini, "/staff/new/measure", MEASURE, "new demo measure")
    rules = rules_of(mini_app)
    assert (rules / "measures/demo/demo-new.yaml").is_file() and "demo-new" in (rules / "measures/demo/index.yaml").read_text()
    assert "demo_score" in (rules / "fields/staff.yaml").read_text()
    assert "demo_floor" in (rules / "parameters/staff.yaml").read_text()
    created = (rules / "measures/demo/demo-new.yaml").read_text(encoding="utf-8")
    assert f"reviewed_on: {dt.date.today().isoformat()}" in created  # `rules lint` needs it
    assert "尚未核实其有效期" in created
    assert git(rules, "log", "--format=%s", "-3").split("\n")[:3] == [
        "new demo measure", "the score the demo measure asks", "demo floor from the 2026 revision"]
    assert mini_app.extensions["staff"].current().seq == 4

    public = mini_app.test_client()
    profile = {"entity_type": "enterprise", "demo_score": 120}
    assert _status(public, profile, "2025-06-01") == "eligible"
    assert _status(public, profile, "2026-06-01") == "ineligible"
    page = mini.get("/staff/measures/demo-new").get_data(as_text=True)
    row = re.sub(r"<wbr>|</?span[^>]*>", "", re.search(r'<tr id="dt-c1">.*?</tr>', page, re.S).group(0))
    assert "demo_score" in row and "示例评分" in row and "&gt;=" in row and "150" in row
    assert "参数 demo_floor，取值起始日：2026-01-01" in row
    fields = mini.get("/staff/fields").get_data(as_text=True)
    assert "2026-01-01: <strong>150</strong>" in fields and "demo_score" in fields


def test_a_row_that_cannot_become_a_rule_is_refused_with_its_row_and_kept(mini_app, mini):
    data = {**MEASURE, "criteria-0-field": "rd_expense_wan", "criteria-0-value": "0", "criteria-0-quote": "研发费用不低于0"}
    # every answer to a field whose minimum is 0 meets ">= 0": no example could miss it
    response = mini.post("/staff/new/measure", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "第1行：字段 rd_expense_wan 的任何取值都满足该条件：请调整门槛或少选几项" in page
    assert 'value="示例新措施"' in page and mini_app.extensions["staff"].current().seq == 1


def test_forms_refuse_bad_input_and_keep_it(mini):
    response = mini.post("/staff/new/field", data={**FIELD, "id": "Bad Id"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'value="示例评分"' in page and "field-error" in page
    assert mini.post("/staff/new/measure", data={**MEASURE, "id": "grant-a"}).status_code == 400
    window = mini.post("/staff/measures/grant-a/window", data={"opens": "2026-05-01", "closes": "2026-04-01"})
    assert window.status_code == 400


def test_a_window_added_in_the_browser_shows_on_the_measure_and_in_results(mini_app, mini):
    data = {"opens": "2026-05-01", "closes": "2026-06-30", "url": "https://example.gov.cn/call-2026", "note_zh": "2026年度"}
    _publish_form(mini, "/staff/measures/grant-a/window", data, "2026 call published")
    page = mini.get("/staff/measures/grant-a").get_data(as_text=True)
    assert 'id="window"' in page and "https://example.gov.cn/call-2026" in page
    response = mini_app.test_client().post("/", data=as_form({"entity_type": "enterprise"}, "2026-06-01"))
    data = mini_app.test_client().get(response.headers["Location"] + "/result.json").get_json()
    window = next(r["window"] for r in data["results"] if r["measure"] == "grant-a")
    assert window == {"status": "open", "opens": "2026-05-01", "closes": "2026-06-30", "url": "https://example.gov.cn/call-2026"}
    catalogue = mini_app.test_client().get("/measures/grant-a").get_data(as_text=True)
    assert 'id="decision-table"' in catalogue and 'id="window"' in catalogue


def test_a_measure_created_without_its_texts_cannot_publish(mini_app, mini):
    _publish_form(mini, "/staff/new/parameter", PARAMETER, "demo floor")
    _publish_form(mini, "/staff/new/field", FIELD, "the score")
    bare = {k: v for k, v in MEASURE.items() if k not in ("criteria-0-text_zh", "benefit_zh", "apply_zh")}
    draft = mini.post("/staff/new/measure", data=bare).headers["Location"]
    page = mini.get(draft).get_data(as_text=True)
    assert 'id="publish-blocked"' in page
    assert "仍是待补充的占位文字“待补充：支持内容与金额”：请写出实际内容再发布" in page
    assert "示例评分不低于示例门槛" in page  # the criterion's text is written from the field's label, never the test
    refused = mini.post(draft + "/publish", data={"comment": "placeholders"})
    assert refused.status_code == 409 and mini_app.extensions["staff"].current().seq == 3


def test_the_form_lists_fields_by_label_and_previews_the_yaml_without_saving(mini_app, mini):
    page = mini.get("/staff/new/measure").get_data(as_text=True)
    assert '<option value="rd_expense_wan">研发费用 · rd_expense_wan</option>' in page
    assert '<option value="ge">≥ 不低于</option>' in page
    data = {**MEASURE, "criteria-0-field": "rd_expense_wan", "criteria-0-value": "5,000", "criteria-0-invented": "y",
            "criteria-0-quote": "研发费用达到一定规模", "criteria-0-text_zh": "", "action": "preview"}
    response = mini.post("/staff/new/measure", data=data)
    assert response.status_code == 200 and mini_app.extensions["staff"].current().seq == 1
    page = response.get_data(as_text=True)
    assert 'id="preview-ok"' in page
    assert "test: &#34;rd_expense_wan &gt;= 5000&#34;" in page  # 5,000 read as 5000
    assert "研发费用不低于5000万元：为估计值，未见正式文件" in page  # the invented threshold is marked
    english = mini.get("/staff/new/measure?lang=en").get_data(as_text=True)
    assert "Preview the generated rule" in english and "R&amp;D expense · rd_expense_wan" in english
