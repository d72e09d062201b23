"""The guided interview: which questions to ask next, given the answers so far.

A question is worth asking only while some measure of the applicant's own that it could still qualify for (status
`undetermined`) names it in `missing`; questions are ranked by the worth of the measures they hold up (their
benefit's size). Only measures that would be counted (confirmed in force, the applicant's own) drive questions, so
the interview ends once nothing left can change the counted answer.
An answer of "don't know" is kept as "" so the question is not asked again.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from checker.company.answers import check as check_all
from checker.engine import Checker
from checker.engine.conditions import holds
from checker.i18n import N_
from checker.intake import applies, asked, parse_answers
from checker.rules import credit_code
from checker.rules.expr import ExprError
from checker.rules.pack import Measure, RulePack
from checker.web import pledge
from checker.web.answer import concerns

FIRST_STEP = ("credit_code", "entity_type")
# What the company has at hand, in the order a step shows them: each question is answered from one paper.
PAPERS = (N_("doc_license"), N_("doc_accounts"), N_("doc_ip_list"), N_("doc_certificates"), N_("doc_incubation"),
          N_("doc_situation"))
DOCUMENTS = tuple(p.removeprefix("doc_") for p in PAPERS)
SECTION_DOCUMENT = {"basic": "license", "location": "license", "size": "accounts", "loans": "accounts",
                    "rd_ip": "ip_list", "record": "certificates", "incubation": "incubation"}
FIELD_DOCUMENT = {  # exceptions to the section's paper
    "rd_expense_wan": "accounts", "rd_expense_prev_wan": "accounts", "rd_intangible_amortisation_wan": "accounts",
    "rd_expense_3y_wan": "accounts", "rd_expense_3y_domestic_wan": "accounts", "ip_license_income_wan": "accounts",
    "basic_research_contribution_wan": "accounts", "tax_assessment": "accounts", "hpi_industry": "situation",
    "key_industry": "situation", "strategic_emerging": "situation", "bank_loan_need": "situation",
    "had_bank_loan": "situation", "plans_listing": "situation", "plans_foreign_debt": "situation",
    "innovation_score": "certificates", "specialised_score": "certificates", "niche_market_years": "situation",
    "employees": "accounts", "tech_staff": "accounts",
}
STEP_SIZE = 5
UNKNOWN_WORTH = 2.0  # a benefit whose amount the answers do not fix yet: as if about 10万元
ROLE_WEIGHT = 10.0  # a measure of the applicant's own role (incubator, maker space, …) weighs this many times more


@dataclass
class Progress:
    """Where an interview stands: questions answered, and the open ones ranked by measures held up."""

    answered: int
    known: int
    open_fields: list[tuple[str, int]] = field(default_factory=list)

    @property
    def done(self) -> bool:
        """Whether no remaining question can change a verdict."""
        return not self.open_fields

    @property
    def percent(self) -> int:
        """A rough share of the way done, for the progress bar."""
        total = self.answered + len(self.open_fields)
        return 100 if total == 0 else round(100 * self.answered / total)


def given(answers: dict[str, str]) -> dict[str, str]:
    """The answers with a value (not "don't know")."""
    return {k: v for k, v in answers.items() if v != ""}


def values_of(pack: RulePack, answers: dict[str, str], as_of: dt.date) -> dict[str, Any]:
    """The typed values of valid answers (an invalid one counts as not given)."""
    raw = given(answers)
    parsed = parse_answers(pack, raw)
    checked = check_all(pack, raw, as_of, parsed)
    if checked.errors:  # again without the rejected answers, each still parsed only once
        good = {k: v for k, v in checked.raw.items() if k not in checked.errors}
        checked = check_all(pack, good, as_of, ({k: v for k, v in parsed[0].items() if k in good}, {}))
    return checked.values


def open_fields(pack: RulePack, checker: Checker, answers: dict[str, str], as_of: dt.date) -> list[tuple[str, int]]:
    """Unasked questions that could still change a verdict that matters, with how many measures each holds up."""
    return [(fid, count) for fid, count, _weight in weighed(pack, checker, answers, as_of)]


def weighed(pack: RulePack, checker: Checker, answers: dict[str, str], as_of: dt.date) -> list[tuple[str, int, float]]:
    """The open questions, most decisive first: each with how many measures it holds up and its weight.

    Only measures that would be counted matter (the applicant's own, confirmed in force: one to verify with the
    authority first is never counted, and its open answers are listed on the result); a question's weight adds, for
    each such open measure it holds up, the measure's worth shared among that measure's open questions.
    """
    values = values_of(pack, answers, as_of)
    result = checker.check(values, as_of).to_json()
    counts: dict[str, int] = {}
    weights: dict[str, float] = {}
    dated = pack.at(as_of)
    for item in result["results"]:
        measure = dated.measure(item["measure"])
        if not open_for(pack, measure, item, values, as_of):
            continue
        fids = [f for f in item.get("missing", []) if _askable(pack, f, answers, values, as_of)]
        for fid in fids:
            counts[fid] = counts.get(fid, 0) + 1
            weights[fid] = weights.get(fid, 0.0) + worth(item) * role_weight(measure, values) / len(fids)
    order = {fid: i for i, fid in enumerate(pack.fields)}
    ranked = sorted(counts, key=lambda f: (-round(weights[f], 6), -counts[f], order[f]))
    return [(fid, counts[fid], weights[fid]) for fid in ranked]


def open_for(pack: RulePack, measure: Measure, item: dict[str, Any], values: dict[str, Any], as_of: dt.date) -> bool:
    """Whether a result is open and would be counted once eligible: undetermined, confirmed in force, the applicant's
    own application, for its kind of applicant, not already held."""
    return (item["status"] == "undetermined" and confirmed(item) and item.get("applicant") in (None, "company")
            and concerns(measure, values) and not held(pack, measure, item, values, as_of))


def confirmed(item: dict[str, Any]) -> bool:
    """Whether a result would be counted once eligible: a measure confirmed in force."""
    return item.get("currency", "in_force") == "in_force"


def role_weight(measure: Measure, values: dict[str, Any]) -> float:
    """ROLE_WEIGHT for a measure of the applicant's own role (an incubator's measures for an incubator run by a
    company), so what it came for is asked before the company measures it also gets; else 1."""
    role = values.get("entity_type")
    return ROLE_WEIGHT if role and role != "enterprise" and role in measure.spec.entities else 1.0


def worth(item: dict[str, Any]) -> float:
    """How much settling a result matters: 1 plus the order of magnitude of its benefit in 万元 (UNKNOWN_WORTH when
    the answers do not fix it yet), so a 500万 deduction outweighs a 1万 subsidy without drowning every other."""
    benefit = item.get("benefit") or {}
    value = benefit.get("tax_saving_wan") or benefit.get("amount_wan")
    return 1.0 + math.log10(1.0 + float(value)) if value else UNKNOWN_WORTH


def held(pack: RulePack, measure: Measure, item: dict[str, Any], values: dict[str, Any], as_of: dt.date) -> bool:
    """Whether the applicant already holds this recognition: the result's `held`, else the measure's held test."""
    if item.get("held"):
        return True
    spec = getattr(measure.spec, "held", None)
    if spec is None:
        return False
    try:
        return holds(pack, spec.test, values, as_of) is True
    except (ExprError, KeyError, TypeError):
        return False


def _askable(pack: RulePack, fid: str, answers: dict[str, str], values: dict[str, Any], as_of: dt.date) -> bool:
    """Whether a question is declared, not yet answered, and asked of this applicant given the answers."""
    decl = pack.fields.get(fid)
    if decl is None or fid in answers:
        return False
    return applies(decl, credit_code.applicant_kinds(values)) and asked(pack, decl, values, as_of)


def progress(pack: RulePack, checker: Checker, answers: dict[str, str], as_of: dt.date) -> Progress:
    """The interview's progress with these answers."""
    return Progress(len(answers), len(given(answers)), open_fields(pack, checker, answers, as_of))


def next_step(pack: RulePack, checker: Checker, answers: dict[str, str], as_of: dt.date,
              size: int = STEP_SIZE) -> list[str]:
    """The questions of the next step: the basic facts first, then the most decisive open questions."""
    first = [f for f in FIRST_STEP if f in pack.fields and f not in answers]
    if first:
        return first
    follow = follow_ups(pack, answers)
    return follow + by_document(pack, weighed(pack, checker, answers, as_of), size - len(follow))


def document_of(pack: RulePack, fid: str) -> str:
    """The paper the answer is found on (营业执照, 财务报表, 知识产权清单, …), one of DOCUMENTS."""
    if fid in FIELD_DOCUMENT:
        return FIELD_DOCUMENT[fid]
    decl = pack.fields.get(fid)
    return SECTION_DOCUMENT.get(decl.section, "situation") if decl is not None else "situation"


def paper_key(pack: RulePack, fid: str) -> str:
    """The catalogue key of the paper a question is answered from ("doc_accounts", …)."""
    return "doc_" + document_of(pack, fid)


def by_document(pack: RulePack, ranked: list[tuple[str, int, float]], size: int) -> list[str]:
    """Up to `size` open questions, a document at a time: the papers whose questions weigh most together first, each
    paper's questions most decisive first (so a step asks what one paper at hand answers)."""
    docs: dict[str, list[str]] = {}
    weight: dict[str, float] = {}
    for fid, _count, w in ranked:
        doc = document_of(pack, fid)
        docs.setdefault(doc, []).append(fid)
        weight[doc] = weight.get(doc, 0.0) + w
    ordered = sorted(docs, key=lambda d: (-round(weight[d], 6), DOCUMENTS.index(d)))
    return [fid for doc in ordered for fid in docs[doc]][:max(size, 0)]


def follow_ups(pack: RulePack, answers: dict[str, str]) -> list[str]:
    """Questions asked after an answer that leaves an estimate open: the planned loan when no interest is paid yet."""
    if answers.get(pledge.PAID) not in ("", "0") or answers.get("core_ip") == "false":
        return []
    return [f for f in (pledge.LOAN, pledge.RATE) if f in pack.fields and f not in answers]
