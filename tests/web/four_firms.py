"""The four firms of issue 21, as the form posts them (shared by the page and browser tests)."""

from __future__ import annotations

from tests.web.util import example_profile

CODE = "91110108MA01A2B3CF"


def haidian_software() -> dict:
    """The README firm: a 2024 高企 certificate, a planned IP-pledge loan (no interest paid yet), assets not known."""
    profile = {k: v for k, v in example_profile().items() if k != "total_assets_wan"}
    return profile | {"ip_pledge_interest_paid_wan": 0, "ip_pledge_loan_wan": 1000, "ip_pledge_loan_rate_pct": 4.5}


def startup() -> dict:
    """A four-person start-up registered last year, incubated, small and loss-free."""
    return {"name": "北京四人科技有限公司", "credit_code": CODE, "entity_type": "enterprise",
            "registered_on": "2025-03-01", "industry_code": "I6513", "employees": 4, "tech_staff": 3,
            "revenue_wan": 50, "total_assets_wan": 200, "taxable_income_wan": 10, "rd_expense_wan": 30, "tax_assessment": "audit",
            "hte_certified": False, "restricted_products": False, "major_incident_last_year": False,
            "dishonest_listed": False}


def incubator_company() -> dict:
    """A company (91…) that runs a national-level incubator."""
    return {"name": "北京示例孵化器运营有限公司", "credit_code": CODE, "entity_type": "incubator",
            "incubator_recognition": "national", "incubation_area_m2": 12000, "incubated_firms": 60,
            "graduated_firms": 25, "operating_years": 8, "registered_on": "2016-03-01", "employees": 35,
            "tech_staff": 12, "revenue_wan": 1800, "total_assets_wan": 3000, "taxable_income_wan": 120,
            "rd_expense_wan": 60, "restricted_products": False, "major_incident_last_year": False,
            "dishonest_listed": False, "industry_code": "M7540"}


def chaoyang_trading() -> dict:
    """A Chaoyang wholesale firm without R&D or a certificate (no credit code given: legal form answered)."""
    return {"name": "北京朝阳商贸有限公司", "legal_form": "enterprise", "entity_type": "enterprise",
            "province": "beijing", "district": "chaoyang", "registered_on": "2012-05-10", "industry_code": "F5191",
            "hpi_industry": False, "employees": 30, "tech_staff": 0, "revenue_wan": 3000, "total_assets_wan": 1500,
            "taxable_income_wan": 80, "rd_expense_wan": 0, "hte_certified": False, "restricted_products": False,
            "major_incident_last_year": False, "dishonest_listed": False, "core_ip": False}


FIRMS = {"haidian-software": haidian_software, "startup": startup, "incubator-company": incubator_company,
         "chaoyang-trading": chaoyang_trading}
