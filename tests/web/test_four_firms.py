"""The four firms of issue 21 through the form: each page says one coherent thing."""

from __future__ import annotations

import re

from tests.web.four_firms import chaoyang_trading, haidian_software, incubator_company, startup
from tests.web.util import as_form


def post(client, profile: dict) -> tuple[str, dict]:
    """The results page and its JSON for a profile posted through the form."""
    response = client.post("/", data=as_form(profile))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    location = response.headers["Location"]
    return client.get(location).get_data(as_text=True), client.get(location + "/result.json").get_json()


def group_ids(html: str, group: str) -> set[str]:
    """The measures of one group of the page (a section or folded details)."""
    start = html.find(f'id="g-{group}"')
    if start < 0:
        return set()
    end = html.index("</ul>\n</details>" if group in ("ineligible", "staff") else "</section>", start)
    return set(re.findall(r'id="m-([\w-]+)"', html[start:end]))


def statuses(data: dict) -> dict[str, str]:
    return {r["measure"]: r["status"] for r in data["results"]}


def test_the_haidian_software_firm(client):
    html, data = post(client, haidian_software())
    assert "hte-recognition" in group_ids(html, "held")
    assert "zgc-ip-pledge-subsidy" in group_ids(html, "planned") and "约 18 万元/年" in html
    assert "zgc-ip-pledge-subsidy" not in group_ids(html, "ineligible")
    assert data["tax_scenario"]["scenario"] == "hte_rate"  # assets unknown: 15%, deductions at 15%, no 5% mixed in
    assert "按高新技术企业15%税率计算" in html
    assert statuses(data)["zgcsc-intl-talent-startup"] == "ineligible"
    assert html.count("⟷") == len({frozenset(c["measures"]) for c in data["conflicts"]
                                     if all(statuses(data)[m] == "eligible" for m in c["measures"])})


def test_the_four_person_startup(client):
    html, data = post(client, startup())
    assert statuses(data)["small-low-profit"] == "eligible" and data["tax_scenario"]["scenario"] == "small_low_profit"
    items = {r["measure"]: r for r in data["results"]}
    deduction = items["rd-super-deduction"]
    assert deduction["benefit"]["tax_saving_wan"] == 0.5  # 5% of 30万, capped by the 5% tax on 10万
    assert data["totals"]["tax_saving_wan"] == 2.5  # the 20% relief on 10万 taxable income + the deduction at 5%
    assert "按小型微利企业（实际税负5%）计算" in html
    assert {"small-low-profit", "rd-super-deduction"} <= group_ids(html, "eligible")


def test_the_company_running_a_national_incubator(client):
    html, data = post(client, incubator_company())
    shown = set(re.findall(r'id="m-([\w-]+)"', html))
    assert {"small-low-profit", "rd-super-deduction", "tech-sme", "incubator-tax-exemption"} <= shown
    assert statuses(data)["incubator-tax-exemption"] == "eligible"
    assert "small-low-profit" in group_ids(html, "eligible")


def test_the_chaoyang_trading_firm(client):
    html, data = post(client, chaoyang_trading())
    eligible = group_ids(html, "eligible") | group_ids(html, "verify")
    assert not {m for m in eligible if m.startswith(("hd-", "zgcsc-"))}  # Haidian programmes are not for Chaoyang
    assert "small-low-profit" in eligible and data["tax_scenario"]["scenario"] == "small_low_profit"
    assert statuses(data)["hte-tax-rate"] == "ineligible" and not data["tax_scenario"]["alternatives"]
