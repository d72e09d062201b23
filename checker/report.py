"""A readable text report of a check, in Chinese (default) or English."""

from __future__ import annotations

from checker.engine import CheckResult, CriterionResult, MeasureResult
from checker.rules.pack import RulePack
from checker.rules.schema import Criterion, Source

LABELS = {
    "zh": {"eligible": "可申报", "ineligible": "不符合", "undetermined": "待完善",
           "met": "✓", "not_met": "✗", "unknown": "?", "value": "值", "threshold": "门槛",
           "missing": "尚需回答", "benefit": "支持", "amount": "估算金额", "source": "依据",
           "in_force": "在政策有效期内", "assumed": "【假设，非官方】", "title": "政策匹配结果",
           "rulepack": "规则包版本", "as_of": "检查日期", "wan": "万元", "conflict": "不可同时享受",
           "held": "已获得", "held_until": "有效期至 {until}（{since} 起），到期前重新申请",
           "verify": "向主管部门核实：未见确认该政策仍在执行的正式文件", "notices": "政策意向（不是可申报项目）",
           "totals": "合计（可申报且确认有效）", "cash_wan": "资金支持", "tax_saving_wan": "少缴税款",
           "financing_wan": "融资额度", "deduction": "加计扣除额 {amount:g} 万元，约少缴税 {saving} 万元",
           "staff": "面向员工个人申请，不计入企业可申报", "institution": "面向机构申请",
           "eligible:staff": "员工可申报", "eligible:institution": "机构可申报"},
    "en": {"eligible": "eligible", "ineligible": "not eligible", "undetermined": "undetermined",
           "met": "✓", "not_met": "✗", "unknown": "?", "value": "value", "threshold": "threshold",
           "missing": "still to answer", "benefit": "benefit", "amount": "estimated amount", "source": "source",
           "in_force": "within the period of force", "assumed": "[assumption, not official]",
           "title": "Eligibility report", "rulepack": "rule pack", "as_of": "as of", "wan": "10k CNY",
           "conflict": "cannot both be claimed",
           "held": "already held", "held_until": "valid until {until} (since {since}); re-apply before it ends",
           "verify": "check with the authority: no official document confirms this policy is still applied",
           "notices": "Policy intentions (not programmes you can apply for)",
           "totals": "Totals (eligible and confirmed in force)", "cash_wan": "cash", "tax_saving_wan": "tax saved",
           "financing_wan": "financing", "deduction": "extra deduction {amount:g} (10k CNY), saving about {saving} in tax",
           "staff": "for your staff to apply for as individuals; not counted for the company",
           "institution": "for institutions to apply for",
           "eligible:staff": "for your staff", "eligible:institution": "for institutions"},
}
ORDER = ("eligible", "undetermined", "ineligible")
ORDER_GROUPS = [("eligible", True), ("eligible", False)] + [(s, own) for s in ORDER[1:] for own in (True, False)]


def render_text(pack: RulePack, result: CheckResult, lang: str = "zh") -> str:
    """The whole report: one block per measure, eligible first."""
    words = LABELS[lang]
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
    words = LABELS[lang]
    spec = pack.measure(item.measure).spec
    label = words["held"] if item.held else words[item.status]
    if item.status == "eligible" and item.applicant != "company":
        label = words[f"eligible:{item.applicant}"]
    lines = [f"[{label}] {getattr(spec.title, lang)} ({item.measure})"]
    if item.held:
        lines.append("  " + words["held_until"].format(**item.held))
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
        lines.append(f"  {words[crit.status]} {_criterion_text(texts, crit.id, lang, words)}{_figures(crit, words)}")
    if item.missing:
        labels = [f"{getattr(pack.fields[f].label, lang)} ({f})" for f in item.missing]
        lines.append(f"  {words['missing']}: " + "; ".join(labels))
    lines.append(f"  {words['benefit']}: {getattr(spec.benefit.text, lang)}")
    lines.append(f"  {words['source']}: " + "; ".join(_cite(s) for s in spec.source))
    return lines + [""]


def _criterion_text(texts: dict[str, Criterion], cid: str, lang: str, words: dict[str, str]) -> str:
    if cid == "in_force":
        return words["in_force"]
    crit = texts[cid]
    assumed = f" {words['assumed']}" if crit.assumption else ""
    return getattr(crit.text, lang) + assumed


def _figures(crit: CriterionResult, words: dict[str, str]) -> str:
    parts = []
    if crit.value is not None:
        parts.append(f"{words['value']} {_fmt(crit.value)}")
    if crit.threshold is not None:
        parts.append(f"{words['threshold']} {_fmt(crit.threshold)}")
    return f" ({', '.join(parts)})" if parts else ""


def _fmt(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _cite(source: Source) -> str:
    if source.seed:
        return f"seed {source.seed} {source.clause}「{source.quote}」"
    return f"{source.document} {source.article}"
