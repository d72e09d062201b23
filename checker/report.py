"""A readable text report of a check, in Chinese (default) or English."""

from __future__ import annotations

from checker.engine import CheckResult, MeasureResult
from checker.rules.pack import RulePack

LABELS = {
    "zh": {"eligible": "可申报", "ineligible": "不符合", "undetermined": "待完善",
           "met": "✓", "not_met": "✗", "unknown": "?", "value": "值", "threshold": "门槛",
           "missing": "尚需回答", "benefit": "支持", "amount": "估算金额", "source": "依据",
           "in_force": "在政策有效期内", "assumed": "【假设，非官方】", "title": "政策匹配结果",
           "rulepack": "规则包版本", "as_of": "检查日期", "wan": "万元", "conflict": "不可同时享受"},
    "en": {"eligible": "eligible", "ineligible": "not eligible", "undetermined": "undetermined",
           "met": "✓", "not_met": "✗", "unknown": "?", "value": "value", "threshold": "threshold",
           "missing": "still to answer", "benefit": "benefit", "amount": "estimated amount", "source": "source",
           "in_force": "within the period of force", "assumed": "[assumption, not official]",
           "title": "Eligibility report", "rulepack": "rule pack", "as_of": "as of", "wan": "10k CNY",
           "conflict": "cannot both be claimed"},
}
ORDER = ("eligible", "undetermined", "ineligible")


def render_text(pack: RulePack, result: CheckResult, lang: str = "zh") -> str:
    """The whole report: one block per measure, eligible first."""
    words = LABELS[lang]
    lines = [f"{words['title']} — {words['as_of']} {result.as_of.isoformat()}, {words['rulepack']} {result.rulepack}", ""]
    for status in ORDER:
        for item in (r for r in result.results if r.status == status):
            lines += _measure_block(pack, item, lang)
    for conflict in result.conflicts:
        a, b = (getattr(pack.measure(m).spec.title, lang) for m in conflict["measures"])
        lines.append(f"{words['conflict']}: {a} / {b} — {conflict['note']}")
    return "\n".join(lines).rstrip() + "\n"


def _measure_block(pack: RulePack, item: MeasureResult, lang: str) -> list[str]:
    words = LABELS[lang]
    spec = pack.measure(item.measure).spec
    head = f"[{words[item.status]}] {getattr(spec.title, lang)} ({item.measure})"
    lines = [head]
    if item.amount_wan is not None:
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


def _criterion_text(texts: dict, cid: str, lang: str, words: dict) -> str:
    if cid == "in_force":
        return words["in_force"]
    crit = texts[cid]
    assumed = f" {words['assumed']}" if crit.assumption else ""
    return getattr(crit.text, lang) + assumed


def _figures(crit, words: dict) -> str:  # type: ignore[no-untyped-def]
    parts = []
    if crit.value is not None:
        parts.append(f"{words['value']} {_fmt(crit.value)}")
    if crit.threshold is not None:
        parts.append(f"{words['threshold']} {_fmt(crit.threshold)}")
    return f" ({', '.join(parts)})" if parts else ""


def _fmt(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _cite(source) -> str:  # type: ignore[no-untyped-def]
    if source.seed:
        return f"seed {source.seed} {source.clause}「{source.quote}」"
    return f"{source.document} {source.article}"
