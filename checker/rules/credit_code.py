"""Facts read from a 统一社会信用代码 (GB 32100-2015): legal form and registering region."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from checker.rules.profile import CREDIT_CHARS, CREDIT_WEIGHTS, credit_code_valid

CHARS, WEIGHTS = CREDIT_CHARS, CREDIT_WEIGHTS  # the check-digit alphabet and weights (GB 32100-2015)

# Characters 1-2: 登记管理部门码 + 机构类别码.
LEGAL_FORMS = {
    "91": "enterprise",  # 工商: 企业
    "92": "enterprise",  # 工商: 个体工商户
    "93": "enterprise",  # 工商: 农民专业合作社
    "11": "government",  # 机构编制: 机关
    "12": "public_institution",  # 机构编制: 事业单位
    "51": "social_organisation",  # 民政: 社会团体
    "52": "private_non_enterprise",  # 民政: 民办非企业单位
}

# Characters 3-4 of the 行政区划码 (characters 3-8).
PROVINCES = {"11": "beijing", "12": "tianjin", "13": "hebei"}

BEIJING_DISTRICTS = {
    "110101": "dongcheng", "110102": "xicheng", "110105": "chaoyang", "110106": "fengtai",
    "110107": "shijingshan", "110108": "haidian", "110109": "mentougou", "110111": "fangshan",
    "110112": "tongzhou", "110113": "shunyi", "110114": "changping", "110115": "daxing",
    "110116": "huairou", "110117": "pinggu", "110118": "miyun", "110119": "yanqing",
}


@dataclass(frozen=True)
class CreditCodeFacts:
    """What a credit code says: legal form, province, Beijing district (None when not read)."""

    legal_form: str
    province: str
    district: str | None


def valid(code: str) -> bool:
    """Whether an 18-character code carries the right GB 32100-2015 check digit."""
    return credit_code_valid(code)


def parse(code: str) -> CreditCodeFacts:
    """Legal form, province and district of a valid code; ValueError for an invalid one."""
    code = code.strip().upper()
    if not valid(code):
        raise ValueError(f"{code!r} is not a valid 统一社会信用代码 (GB 32100-2015 check digit)")
    region = code[2:8]
    province = PROVINCES.get(region[:2], "other")
    district = BEIJING_DISTRICTS.get(region) if province == "beijing" else None
    return CreditCodeFacts(LEGAL_FORMS.get(code[:2], "other"), province, district)


def legal_form_of(answers: Mapping[str, Any]) -> str | None:
    """The legal form answered, else the one a valid credit code says, else None."""
    answered = answers.get("legal_form")
    if answered:
        return str(answered)
    code = str(answers.get("credit_code") or "").strip().upper()
    return parse(code).legal_form if code and valid(code) else None


def applicant_kinds(answers: Mapping[str, Any]) -> frozenset[str] | None:
    """The entity types an applicant counts as: what it does (`entity_type`) plus 企业 when its legal form is one
    (profile.md "Answer, version 2"); None while the entity type is unknown (every question and measure concerns it)."""
    entity = answers.get("entity_type")
    if not entity:
        return None
    kinds = {str(entity)}
    if legal_form_of(answers) == "enterprise":
        kinds.add("enterprise")
    return frozenset(kinds)
