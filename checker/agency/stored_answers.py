"""The compact stored form of an agency client's answers: ~a third of the bytes of the plain dict.

Readers never see it: the `StoredAnswers` column type encodes on write and decodes on read. The answers become one
flat list [key, value, key, value, ...] in their order, a key of the frozen list `KEYS_1` written as its index (a
key the list lacks, such as an agency's own column 联系人, stays text, so a digit key "3" and index 3 stay apart),
values as they were uploaded. A row stored before this form (a plain dict) reads as it was; empty answers stay {}.

Format 2 deflates that list's JSON text with a preset dictionary of whole answer lists (the frozen
`stored_zdict.ANSWERS_2`, raw deflate): {"answers": 2, "z": base64}, ~200 bytes on the bench's clients where
format 1's list (still read) took ~420 (~530 with the spaces and escapes JSON columns were written with before).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from sqlalchemy import JSON
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from checker.agency.stored import deflate, deflater, dumps, inflate
from checker.agency.stored_zdict import ANSWERS_2
from checker.db import JsonText

FORMAT = 2  # written; format 1 ({"answers": 1, "kv": [...]}) is read
ZDICT = ANSWERS_2.encode("utf-8")
DEFLATER = deflater(ZDICT)
KEYS_1 = (  # never edit or reorder: stored rows decode by these indices (the pack's fields of 2026-12-04, id first)
    "id", "ip_pledge_loan_wan", "ip_pledge_loan_rate_pct", "name", "credit_code", "legal_form", "entity_type",
    "registered_on", "province", "district", "industry_code", "tax_assessment", "hpi_industry", "employees",
    "tech_staff", "revenue_wan", "revenue_3y_wan", "total_income_wan", "hightech_income_wan", "cost_expense_wan",
    "total_assets_wan", "total_liabilities_wan", "main_business_revenue_wan", "revenue_prev_wan",
    "taxable_income_wan", "equity_financing_2y_wan", "rd_expense_wan", "rd_expense_prev_wan",
    "rd_intangible_amortisation_wan", "rd_expense_3y_wan", "rd_expense_3y_domestic_wan", "hightech_domain", "core_ip",
    "ip_class1", "ip_class2", "innovation_score", "niche_market_years", "zjtx_quality_score", "specialised_score",
    "major_incident_last_year", "dishonest_listed", "restricted_products", "hte_certified", "hte_certified_on",
    "tech_innovative_sme", "provincial_rd_institution", "national_award_5y_top3", "led_standard_5y",
    "provincial_award_3y_top3", "national_award_3y_top5", "chuangke_top500_3y", "tech_sme_registered_on",
    "specialised_sme_certified_on", "ic_or_machine_tool_enterprise", "ip_pledge_interest_paid_wan",
    "incubation_area_m2", "incubated_firms", "graduated_firms", "operating_years", "incubator_recognition", "in_zgc",
    "jjj_park", "key_industry", "strategic_emerging", "bank_loan_need", "had_bank_loan", "plans_listing",
    "patent_application_pending", "buys_ip_services", "buys_credit_services", "ip_service_business",
    "hosts_intl_event", "new_product_first_use", "joint_rd", "military_project", "standard_work", "patent_pool",
    "own_brand", "intl_cooperation", "headquarters", "foreign_invested_rd", "equity_incentive", "beijing_st_project",
    "talent_programme", "basic_research_contribution_wan", "credit_service_business", "main_tech_field",
    "new_type_rd_institution", "runs_concept_verification_platform", "purchases_rd_services", "builds_open_platform",
    "industry_leading_firm", "niche_market_position", "high_growth_startup", "specialised_incubator",
    "hard_tech_incubation", "incubated_landed_haidian", "international_brand", "service_domain", "plans_foreign_debt",
    "ip_license_income_wan", "needs_industrial_space", "owns_industrial_property", "recruited_top_talent",
    "founded_by_intl_talent", "company_not_yet_registered", "employs_foreign_talent", "hires_foreign_graduates",
    "runs_international_carrier", "going_global", "implements_reform_task", "has_tech_transfer_office",
    "does_basic_research", "relocating_as_whole", "hkmt_cooperation",
)
INDEX = {key: i for i, key in enumerate(KEYS_1)}


def encode_answers(answers: Any) -> Any:
    """The stored form of a client's answers (empty answers, a form already stored and anything not a dict are kept as
    they are)."""
    if not isinstance(answers, dict) or not answers or is_stored(answers):
        return answers
    flat: list[Any] = []
    for key, value in answers.items():
        flat += (INDEX.get(key, key), value)
    text = dumps(flat)
    packed = deflate(text.encode("utf-8", "surrogatepass"), DEFLATER)  # a JSON upload's lone surrogate kept as is
    return {"answers": FORMAT, "z": base64.b64encode(packed).decode("ascii")}


def decode_answers(stored: Any) -> Any:
    """The answers dict of a stored form (a plain dict stored before this form, or anything else, is returned as it
    is)."""
    if not is_stored(stored):
        return stored
    flat = flat_list(stored)
    return {KEYS_1[key] if isinstance(key, int) else key: value for key, value in zip(flat[::2], flat[1::2])}


def flat_list(stored: dict[str, Any]) -> list[Any]:
    """A stored form's flat list [key or its index, value, ...]."""
    if stored["answers"] == 1:
        return list(stored["kv"])
    return list(json.loads(inflate(base64.b64decode(stored["z"]), 2, ZDICT).decode("utf-8", "surrogatepass")))


def is_stored(value: Any) -> bool:
    """Whether a value is a stored form (a dict of exactly its two keys: format 1's list, or format 2's text)."""
    if not isinstance(value, dict) or len(value) != 2:
        return False
    form = value.get("answers")
    return form == 1 and isinstance(value.get("kv"), list) or form == 2 and isinstance(value.get("z"), str)


class StoredAnswers(TypeDecorator[dict[str, Any]]):
    """A JSON column holding a client's answers in the compact stored form, read back as the plain dict."""

    impl = JSON
    cache_ok = True
    should_evaluate_none = True  # as JSON: an explicit None is stored as JSON null, not replaced by the default

    def process_bind_param(self, value: dict[str, Any] | None, dialect: Dialect) -> dict[str, Any] | None:
        """Encode on write (a JsonText is a stored form serialised already)."""
        return value if isinstance(value, JsonText) else encode_answers(value)

    def process_result_value(self, value: dict[str, Any] | None, dialect: Dialect) -> dict[str, Any] | None:
        """Decode on read."""
        return decode_answers(value)
