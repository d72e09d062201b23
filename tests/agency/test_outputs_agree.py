"""An agency's walk on the project pack: the template filled as a Chinese Excel/WPS user fills it, uploaded, and every
output (job, portfolio and client pages, workbook, CSV, PDF, API, CLI matrix) giving each client the same 可申报 count,
the one answer.counts_as_eligible counts, for a mix of held, unconfirmed, staff-applicant, eligible and undetermined."""

from __future__ import annotations

import csv
import io
import re

import pypdf
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import select

from checker.agency.models import Client, ClientResult
from checker.agency.template import CLIENTS, CODES, template_xlsx
from checker.cli import main
from checker.engine.answer import counts_as_eligible
from tests.agency.conftest import add_token, add_user, make_app, shut, sign_in
from tests.agency.util import AS_OF, fetch, job_id_of, upload
from tests.answer.test_real_pack import ROOT, raw_example, yes_to_everything

NUMBER_CODE = 9.11101017847025e+17  # 911101017847025xxx as Excel keeps it once it took the code for a number


@pytest.fixture
def real(tmp_path):
    """The app on the project's rule pack, with agency A signed in and its API token."""
    app = make_app(tmp_path, CHECKER_RULES=str(ROOT / "rules"))
    user = add_user(app, "a@example.com", "A")
    client = app.test_client()
    sign_in(client, "a@example.com")
    yield app, client, {"Authorization": f"Bearer {add_token(app, user)}"}
    shut(app)


def typed(decl, value):
    """An answer as a Chinese Excel/WPS user types it: labels for options, 是/否, dates as 2021/11/7."""
    if value is None:
        return None
    if decl.type == "bool":
        return "是" if value else "否"
    if decl.type == "enum":
        return next(c.label.zh for c in decl.values if c.value == value)
    if decl.type == "date":
        year, month, day = (int(part) for part in str(value).split("-"))
        return f"{year}/{month}/{day}"
    return value


def filled_template(pack) -> bytes:
    """The downloaded template with four clients and an extra 联系人 column; the last client's credit code typed as a
    number (Excel turned it into 9.11101017847025E+17)."""
    book = load_workbook(io.BytesIO(template_xlsx(pack)))
    codes = [c.value for c in book[CODES][1]]
    sheet = book[CLIENTS]
    clients = [
        {**yes_to_everything(pack), "id": "K001", "name": "北京全是科技有限公司"},
        {**raw_example(), "id": "K002", "name": "北京示例软件有限公司"},
        {"id": "K003", "name": "北京空白科技有限公司", "entity_type": "enterprise", "district": "haidian"},
        {**raw_example(), "id": "K004", "name": "北京数字代码有限公司", "credit_code": NUMBER_CODE},
    ]
    for row, client in enumerate(clients, 2):
        for col, code in enumerate(codes, 1):
            value = client.get(code)
            sheet.cell(row, col, value if code in ("id", "credit_code") else typed(pack.fields[code], value))
        sheet.cell(row, len(codes) + 1, f"联系人{row}")
    sheet.cell(1, len(codes) + 1, "联系人")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _stored(app, job: int) -> dict[str, tuple[int, dict]]:
    """Each client's key: its id and stored result."""
    with app.extensions["checker"].sessions() as session:
        found = session.execute(select(Client.key, Client.id, ClientResult.result)
                                .join(ClientResult, ClientResult.client_id == Client.id)
                                .where(ClientResult.job_id == job)).all()
    return {key: (ident, result) for key, ident, result in found}


def _page_counts(html: str) -> dict[str, int]:
    """The 可申报 count of each client row of a page's matrix, by client name."""
    found = re.findall(r'<a href="/agency/clients/\d+">([^<]*)</a></td>\s*<td class="n"(?: data-eligible)?>(\d+)</td>', html)
    return {name: int(n) for name, n in found}


def _summary_eligible(html: str) -> int:
    """The sum of the summary's per-measure 可申报 column."""
    return sum(int(n) for n in re.findall(r'<tr data-measure="[^"]+"><td>[^<]*</td><td class="n">(\d+)</td>', html))


def _pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "".join(page.extract_text() for page in reader.pages).replace("\x00", "").replace(" ", "").replace("\n", "")


def test_every_output_gives_each_client_the_one_eligible_count(real, pack, tmp_path):
    app, alice, headers = real
    data = filled_template(pack)
    job = job_id_of(upload(alice, "客户.xlsx", data, as_of=AS_OF))
    stored = _stored(app, job)
    names = {"K001": "北京全是科技有限公司", "K002": "北京示例软件有限公司", "K003": "北京空白科技有限公司",
             "K004": "北京数字代码有限公司"}
    assert set(stored) == set(names)
    expected = {key: sum(counts_as_eligible(r) for r in result["results"]) for key, (_, result) in stored.items()}
    items = [r for _, result in stored.values() for r in result["results"]]
    # the mix the counts must agree on: held, unconfirmed, staff-applicant, counted and undetermined results
    assert any(r.get("held") for r in items) and any(r["status"] == "undetermined" for r in items)
    assert any(r["status"] == "eligible" and r["currency"] == "unconfirmed" and not r.get("held") for r in items)
    assert any(r["status"] == "eligible" and r.get("applicant") not in (None, "company") for r in items)
    assert expected["K001"] > 0 and expected["K001"] < sum(r["status"] == "eligible" for r in stored["K001"][1]["results"])

    job_page = alice.get(f"/agency/jobs/{job}").get_data(as_text=True)
    assert _page_counts(job_page) == {names[k]: n for k, n in expected.items()}
    assert _summary_eligible(job_page) == sum(expected.values())
    folio = alice.get("/agency/portfolio").get_data(as_text=True)
    clients = re.findall(r'<a href="/agency/clients/\d+">([^<]*)</a></td><td>[^<]*</td><td>[^<]*</td>\s*'
                         r'<td(?: class="n" data-eligible)?>(\d+)</td>', folio)
    assert {key: int(n) for key, n in clients} == expected
    assert _summary_eligible(folio) == sum(expected.values())

    book = load_workbook(io.BytesIO(fetch(alice, f"/agency/jobs/{job}/results.xlsx")[1]))
    matrix = list(book["客户×政策"].iter_rows(values_only=True))
    assert {line[1]: line[3] for line in matrix[1:]} == expected
    assert [line[0] for line in matrix[1:]] == [2, 3, 4, 5]  # the rows the agency sees in Excel
    assert matrix[1][matrix[0].index("联系人")] == "联系人2"
    table = list(csv.reader(io.StringIO(alice.get(f"/agency/jobs/{job}/results.csv").data.decode("utf-8-sig"))))
    assert {line[1]: int(line[3]) for line in table[1:]} == expected

    batch = alice.get(f"/api/v1/batches/{job}", headers=headers).json
    assert {r["client"]: r["eligible_count"] for r in batch["results"]} == expected
    assert all(r["counted"] == counts_as_eligible(r) for result in batch["results"] for r in result["results"])

    for key, (ident, _) in stored.items():
        page = alice.get(f"/agency/clients/{ident}").get_data(as_text=True)
        assert f'<strong class="eligible-count">{expected[key]}</strong>' in page, key
        assert f"可申报的政策（{expected[key]}）" in _pdf_text(fetch(alice, f"/agency/clients/{ident}/report.pdf")[1]), key

    source, out = tmp_path / "客户.xlsx", tmp_path / "matrix.csv"
    source.write_bytes(data)
    result = CliRunner().invoke(main, ["batch", str(source), "-o", str(out), "--as-of", AS_OF, "--no-progress"],
                                env={"CHECKER_RULES": str(ROOT / "rules")})
    assert result.exit_code in (0, 4), result.output
    cli = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert {line[1]: int(line[3]) for line in cli[1:]} == expected


def test_the_walk_reads_chinese_cells_and_says_the_same_on_page_workbook_and_pdf(real, pack):
    app, alice, _ = real
    job = job_id_of(upload(alice, "客户.xlsx", filled_template(pack), as_of=AS_OF))
    stored = _stored(app, job)
    page = alice.get(f"/agency/jobs/{job}").get_data(as_text=True)
    # the credit code Excel turned into a number: told so, on Excel's row 5, with the client named
    assert "<td>5</td><td>北京数字代码有限公司</td><td>统一社会信用代码</td><td>该列须为文本：Excel 把信用代码" in page
    assert "校验位不符" not in page
    problems = list(load_workbook(io.BytesIO(fetch(alice, f"/agency/jobs/{job}/results.xlsx")[1]))["问题清单"]
                    .iter_rows(values_only=True))
    assert problems[0] == ("行号", "客户编号", "名称", "列", "问题")
    assert problems[1][:4] == (5, "K004", "北京数字代码有限公司", "统一社会信用代码")
    assert problems[1][4].startswith("该列须为文本")
    assert re.search(r'id="problem-counts">有问题的行：1 行，共 1 个问题', page)
    # money by type with its unit, the same words on the client page and in its PDF
    ident, result = stored["K002"]
    client_page = alice.get(f"/agency/clients/{ident}").get_data(as_text=True)
    texts = re.findall(r'<span class="money">([^<]+)</span>', client_page)
    assert texts and all("万元" in text for text in texts)
    pdf = _pdf_text(fetch(alice, f"/agency/clients/{ident}/report.pdf")[1])
    counted = [r["measure"] for r in result["results"] if counts_as_eligible(r)]
    shown = dict(re.findall(r'data-measure="([^"]+)">[^<]*?<span class="money">([^<]+)</span>', client_page))
    assert counted and all(shown[m].replace(" ", "") in pdf for m in counted if m in shown), (shown, pdf)
    # field labels, not codes, on the client page
    assert ">revenue_wan<" not in client_page and ">basic_research_contribution_wan" not in client_page
    assert f">{pack.fields['revenue_wan'].label.zh}<" in client_page
