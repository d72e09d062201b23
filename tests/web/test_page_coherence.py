"""The results page says one thing per measure (issue 21, items 3 and 5): a planned loan is a "when you borrow" item,
paths use the cards' words, a conflict is listed once, fast company set-up is not offered to an existing company."""

from __future__ import annotations

import re

from tests.web.util import as_form, example_profile

PLEDGE = "zgc-ip-pledge-subsidy"


def page_of(client, profile: dict) -> str:
    return client.get(client.post("/", data=as_form(profile)).headers["Location"]).get_data(as_text=True)


def section(html: str, anchor: str) -> str:
    start = html.index(f'id="{anchor}"')
    return html[start:html.index("</section>", start)]


def ineligible_ids(html: str) -> set[str]:
    start = html.index('id="g-ineligible"')
    return set(re.findall(r'id="m-([\w-]+)"', html[start:html.index("</details>", start)]))


def test_a_planned_loan_is_a_when_you_borrow_item_not_ineligible(client):
    profile = example_profile() | {"ip_pledge_interest_paid_wan": 0, "ip_pledge_loan_wan": 1000,
                                   "ip_pledge_loan_rate_pct": 4.5}
    page = page_of(client, profile)
    planned = section(page, "g-planned")
    assert f'id="m-{PLEDGE}"' in planned and "借款后可申报" in planned and "约 18 万元/年" in planned
    assert PLEDGE not in ineligible_ids(page)
    assert f'id="m-{PLEDGE}"' not in section(page, "g-eligible")  # not 可申报 now, so not in its count or totals
    assert "中关村知识产权质押贷款贴息" in section(page, "estimates")


def test_paid_interest_makes_it_eligible_now_and_drops_the_estimate(client):
    profile = example_profile() | {"ip_pledge_interest_paid_wan": 36, "ip_pledge_loan_wan": 1000,
                                   "ip_pledge_loan_rate_pct": 4.5}
    page = page_of(client, profile)
    assert f'status-eligible" id="m-{PLEDGE}"' in page and 'id="g-planned"' not in page
    assert 'id="estimates"' not in page


def test_a_planned_loan_that_fails_another_criterion_stays_ineligible_without_an_estimate(client):
    profile = example_profile() | {"ip_pledge_interest_paid_wan": 0, "ip_pledge_loan_wan": 1000,
                                   "ip_pledge_loan_rate_pct": 4.5, "hpi_industry": False}
    page = page_of(client, profile)
    assert PLEDGE in ineligible_ids(page) and 'id="estimates"' not in page and 'id="g-planned"' not in page


def test_paths_use_the_words_of_the_cards(client):
    page = page_of(client, example_profile())  # holds a 2024 高企 certificate
    assert 'id="m-hte-recognition"' in section(page, "g-held")
    chains = page[page.index('class="chains'):page.index("</section>", page.index('class="chains'))]
    step = re.search(r'href="#m-hte-recognition">[^<]+</a> <span class="badge badge-(\w+)">([^<]+)</span>', chains)
    assert step is not None and step.groups() == ("held", "已获得")


def test_a_conflict_both_measures_declare_is_listed_once(client):
    profile = example_profile() | {"total_assets_wan": 3000, "employees": 100}  # small low-profit and the 15% rate
    page = page_of(client, profile)
    conflicts = page[page.index('class="conflicts"'):page.index("</section>", page.index('class="conflicts"'))]
    pairs = re.findall(r"<li>([^<]+) ⟷ ([^<]+?)：", conflicts)
    assert pairs and len({frozenset(p) for p in pairs}) == len(pairs)
    assert sum(1 for p in pairs if {"小型微利企业所得税优惠", "高新技术企业减按15%税率征收企业所得税"} <= set(p)) <= 1


def test_fast_company_set_up_is_not_offered_to_an_existing_company(client):
    """A credit code or a registration date says the company exists: the set-up fast track does not apply."""
    for drop in ("registered_on", "credit_code"):
        profile = {k: v for k, v in example_profile().items() if k != drop} | {"founded_by_intl_talent": True}
        data = client.get(client.post("/", data=as_form(profile)).headers["Location"] + "/result.json").get_json()
        item = next(r for r in data["results"] if r["measure"] == "zgcsc-intl-talent-startup")
        assert item["status"] == "ineligible", drop
        assert {c["id"]: c["status"] for c in item["criteria"]}["not-yet-founded"] == "not_met"
    response = client.post("/", data=as_form(example_profile() | {"founded_by_intl_talent": True,
                                                                    "company_not_yet_registered": True}))
    assert response.status_code == 400 and "已填写注册成立日期的公司已经成立" in response.get_data(as_text=True)


def test_the_form_explains_high_end_industries_graduates_patent_applications_and_listings(client):
    from tests.web.util import block
    html = client.get("/").get_data(as_text=True)
    hpi = block(html, "f-hpi_industry")
    for industry in ("新一代信息技术", "集成电路", "医药健康", "人工智能", "软件和信息服务", "科技服务业"):
        assert industry in hpi
    assert "京发〔2017〕27号" in hpi and "京政发〔2021〕21号" in hpi
    assert "自孵化器（众创空间）开始运营以来" in block(html, "f-graduated_firms")
    patent = block(html, "f-patent_application_pending")
    assert "尚未授权的专利申请" in patent and "已授权的专利" in patent
    assert "辅导备案" in block(html, "f-plans_listing")
