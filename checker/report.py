"""A readable text report of a check, in Chinese (default) or English."""

from __future__ import annotations

from checker.engine import CheckResult, CriterionResult, MeasureResult
from checker.engine.answer import in_force_word
from checker.i18n import N_, translate
from checker.rules.pack import RulePack
from checker.rules.schema import Criterion, Source

# The words of the report, in the message catalogue as "report.<key>".
WORDS = (
    N_("report.eligible"), N_("report.ineligible"), N_("report.undetermined"), N_("report.met"),
    N_("report.not_met"), N_("report.unknown"), N_("report.value"), N_("report.threshold"),
    N_("report.missing"), N_("report.benefit"), N_("report.amount"), N_("report.source"),
    N_("report.in_force"), N_("report.in_force_unconfirmed"), N_("report.assumed"), N_("report.title"),
    N_("report.rulepack"), N_("report.as_of"),
    N_("report.wan"), N_("report.conflict"), N_("report.held"), N_("report.held_until"), N_("report.verify"),
    N_("report.notices"), N_("report.totals"), N_("report.cash_wan"), N_("report.tax_saving_wan"),
    N_("report.financing_wan"), N_("report.deduction"), N_("report.staff"), N_("report.institution"),
    N_("report.eligible:staff"), N_("report.eligible:institution"), N_("report.eligible:condition"),
    N_("report.eligible:unconfirmed"), N_("report.condition"),
)
ORDER = ("eligible", "undetermined", "ineligible")
ORDER_GROUPS = [("eligible", True), ("eligible", False)] + [(s, own) for s in ORDER[1:] for own in (True, False)]


def render_text(pack: RulePack, result: CheckResult, lang: str = "zh") -> str:
    """The whole report: one block per measure, eligible first."""
    words = _words(lang)
    pack = pack.at(result.as_of)  # each measure's text as it stood on the check date
    lines = [f"{words['title']} — {words['as_of']} {result.as_of.isoformat()}, {words['rulepack']} {result.rulepack}", ""]
    for item in (r for r in result.results if r.held):
        lines += _measure_block(pack, item, lang)
    for status, own in ORDER_GROUPS:
        for item in (r for r in result.results if r.status == status and not r.held and (r.applicant == "company") == own):
            lines += _measure_block(pack, item, lang)
    for conflict in result.conflicts:
        a, b = (getattr(pack.measure(m).spec.title, lang) for m in conflict["measures"])
        lines.append(f"{words['conflict']}: {a} / {b} — {conflict['note']}")
    lines += _totals(result, words) + _notices(result, words)
    return "\n".join(lines).rstrip() + "\n"


def _eligible_key(item: MeasureResult) -> str:
    """The label of an eligible result: someone else applies, a condition or an unconfirmed period holds it back, or 可申报."""
    if item.applicant != "company":
        return f"eligible:{item.applicant}"
    if item.condition:
        return "eligible:condition"
    return "eligible" if item.currency == "in_force" else "eligible:unconfirmed"


def _words(lang: str) -> dict[str, str]:
    """The report's words in the language, by key."""
    return {key.removeprefix("report."): translate(key, lang) for key in WORDS}


def _totals(result: CheckResult, words: dict[str, str]) -> list[str]:
    parts = [f"{words[key]} {value:g} {words['wan']}" for key, value in result.totals.items()]
    return ["", f"{words['totals']}: " + "; ".join(parts)] if parts else []


def _notices(result: CheckResult, words: dict[str, str]) -> list[str]:
    if not result.notices:
        return []
    lines = ["", words["notices"] + ":"]
    for item in result.notices:
        lines.append(f"  - {item['title']} ({item['measure']}): {item['clause'] or ''}「{item['quote'] or ''}」")
    return lines


def _measure_block(pack: RulePack, item: MeasureResult, lang: str) -> list[str]:
    words = _words(lang)
    spec = pack.measure(item.measure).spec
    label = words["held"] if item.held else words[item.status]
    if item.status == "eligible" and not item.held:
        label = words[_eligible_key(item)]
    lines = [f"[{label}] {getattr(spec.title, lang)} ({item.measure})"]
    if item.held:
        lines.append("  " + words["held_until"].format(**item.held))
    if item.condition:
        lines.append("  " + words["condition"].format(until=item.condition["until"], text=item.condition["text"]))
    if item.status != "ineligible" and item.currency == "unconfirmed":
        lines.append(f"  {words['verify']}")
    if item.applicant != "company":
        lines.append(f"  {words[item.applicant]}")
    if item.benefit_type == "deduction" and item.amount_wan is not None:
        saving = "?" if item.tax_saving_wan is None else f"{item.tax_saving_wan:g}"
        lines.append("  " + words["deduction"].format(amount=item.amount_wan, saving=saving))
    elif item.amount_wan is not None:
        lines.append(f"  {words['amount']}: {item.amount_wan:g} {words['wan']}")
    texts = {c.id: c for c in spec.criteria}
    for crit in item.criteria:
        in_force = crit.id == "in_force"
        text = words[in_force_word(crit.status, item.currency)] if in_force else _criterion_text(texts, crit.id, lang, words)
        lines.append(f"  {words[crit.status]} {text}{_figures(crit, words)}")
    if item.missing:
        labels = [f"{getattr(pack.fields[f].label, lang)} ({f})" for f in item.missing]
        lines.append(f"  {words['missing']}: " + "; ".join(labels))
    lines.append(f"  {words['benefit']}: {item.benefit_text or getattr(spec.benefit.text, lang)}")
    lines.append(f"  {words['source']}: " + "; ".join(_cite(s) for s in spec.source))
    return lines + [""]


def _criterion_text(texts: dict[str, Criterion], cid: str, lang: str, words: dict[str, str]) -> str:
    crit = texts[cid]
    assumed = f" {words['assumed']}" if crit.assumption else ""
    return getattr(crit.text, lang) + assumed


def _figures(crit: CriterionResult, words: dict[str, str]) -> str:
    parts = []
    if crit.value is not None:
        parts.append(f"{words['value']} {_fmt(crit.value)}")
    if crit.threshold is not None and str(crit.threshold).strip("."):  # a period with neither end: no threshold
        parts.append(f"{words['threshold']} {_fmt(crit.threshold)}")
    return f" ({', '.join(parts)})" if parts else ""


def _fmt(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _cite(source: Source) -> str:
    if source.seed:
        return f"seed {source.seed} {source.clause}「{source.quote}」"
    return f"{source.document} {source.article}"
