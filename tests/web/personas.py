"""Four typical Beijing applicants of issue 21, as the interview tests walk them (full profiles; what they lack they
answer 不清楚)."""

from __future__ import annotations

from typing import Any

from checker.rules.profile import CREDIT_CHARS, CREDIT_WEIGHTS


def credit_code(body: str) -> str:
    """A 统一社会信用代码 with its check digit (GB 32100-2015) appended to the first 17 characters."""
    total = sum(CREDIT_CHARS.index(c) * w for c, w in zip(body, CREDIT_WEIGHTS))
    return body + CREDIT_CHARS[(31 - total % 31) % 31]


HAIDIAN_SOFTWARE = {  # a 高企 software firm in Haidian planning an IP-pledge loan (no interest paid yet)
    "name": "北京海淀云算软件有限公司", "credit_code": credit_code("91110108MA01C4D5E"), "entity_type": "enterprise",
    "registered_on": "2018-09-12", "industry_code": "I6513", "tax_assessment": "audit", "hpi_industry": True,
    "employees": 85, "tech_staff": 40, "revenue_wan": 3200, "revenue_3y_wan": 8100, "total_income_wan": 3300,
    "hightech_income_wan": 2700, "cost_expense_wan": 2900, "total_assets_wan": 4200, "taxable_income_wan": 210,
    "equity_financing_2y_wan": 0, "rd_expense_wan": 420, "rd_expense_3y_wan": 1050,
    "rd_expense_3y_domestic_wan": 1050, "hightech_domain": "electronic_information", "core_ip": True, "ip_class1": 2,
    "ip_class2": 11, "major_incident_last_year": False, "dishonest_listed": False, "restricted_products": False,
    "hte_certified": True, "hte_certified_on": "2025-11-20", "ip_pledge_interest_paid_wan": 0,
    "ip_pledge_loan_wan": 500, "ip_pledge_loan_rate_pct": 3.8, "in_zgc": True, "bank_loan_need": True,
}
INCUBATED_STARTUP = {  # four people in an incubator, a year old
    "name": "北京四维智造科技有限公司", "credit_code": credit_code("91110108MA02F6G7H"), "entity_type": "enterprise",
    "registered_on": "2025-10-08", "industry_code": "M7514", "tax_assessment": "audit", "employees": 4,
    "tech_staff": 3, "revenue_wan": 60, "total_income_wan": 60, "cost_expense_wan": 150, "total_assets_wan": 300,
    "taxable_income_wan": 0, "rd_expense_wan": 70, "core_ip": False, "ip_class1": 0, "ip_class2": 1,
    "hte_certified": False, "dishonest_listed": False, "major_incident_last_year": False, "in_zgc": True,
    "incubated_landed_haidian": True,
}
NATIONAL_INCUBATOR = {  # the company that runs a national-level incubator, answering as the incubator
    "name": "北京中关村创智孵化器有限公司", "credit_code": credit_code("91110108MA03J8K9L"), "entity_type": "incubator",
    "registered_on": "2014-05-20", "employees": 25, "incubation_area_m2": 12000, "incubated_firms": 80,
    "graduated_firms": 18, "operating_years": 11, "incubator_recognition": "national", "hard_tech_incubation": True,
    "specialised_incubator": True, "dishonest_listed": False, "in_zgc": True,
}
CHAOYANG_TRADER = {  # a wholesale trading firm in Chaoyang, no R&D
    "name": "北京朝阳恒通商贸有限公司", "credit_code": credit_code("91110105MA04M1N2P"), "entity_type": "enterprise",
    "registered_on": "2012-03-15", "industry_code": "F5191", "tax_assessment": "audit", "employees": 30,
    "tech_staff": 0, "revenue_wan": 8000, "total_income_wan": 8000, "cost_expense_wan": 7700, "total_assets_wan": 3000,
    "taxable_income_wan": 200, "rd_expense_wan": 0, "core_ip": False, "ip_class1": 0, "ip_class2": 0,
    "hte_certified": False, "dishonest_listed": False, "major_incident_last_year": False, "in_zgc": False,
    "hpi_industry": False, "restricted_products": False,
}
PERSONAS: dict[str, dict[str, Any]] = {"haidian-software": HAIDIAN_SOFTWARE, "incubated-startup": INCUBATED_STARTUP,
                                       "national-incubator": NATIONAL_INCUBATOR, "chaoyang-trader": CHAOYANG_TRADER}
