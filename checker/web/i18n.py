"""Chinese-first, English-second UI strings and the language of the current request."""

from __future__ import annotations

from typing import Any

from flask import request, session

from checker.messages import MESSAGES_ZH, problem_text  # noqa: F401  (re-exported for the web layer)

LANGS = ("zh", "en")

STRINGS: dict[str, tuple[str, str]] = {
    "app_title": ("政策申报自评", "Policy self-assessment"),
    "nav_assess": ("开始自评", "Self-assessment"),
    "nav_measures": ("政策目录", "Measures"),
    "nav_agency": ("服务机构", "Agencies"),
    "nav_staff": ("规则管理", "Rule pack"),
    "switch_lang": ("English", "中文"),
    "intro": ("回答下列问题，系统将根据规则包判断贵单位可能符合的北京、中关村、海淀支持政策。不清楚的问题请选“不清楚”或留空。",
              "Answer the questions below to see which Beijing, Zhongguancun and Haidian measures you may qualify for. "
              "Choose “don't know” or leave a question blank when unsure."),
    "yes": ("是", "Yes"), "no": ("否", "No"), "unknown": ("不清楚", "Don't know"),
    "unknown_blank": ("留空表示不清楚", "Leave blank if you don't know"),
    "unknown_blank_note": ("（留空表示不清楚）", " (leave blank if you don't know)"),
    "pick_entity": ("只看与本单位类型相关的问题：", "Show only the questions for: "),
    "all_questions": ("全部问题", "all questions"),
    "only_for": ("仅适用于：", "Only for: "),
    "asked_when": ("仅在以下情况回答：", "Only if: "),
    "sep": ("、", ", "), "colon": ("：", ": "), "lp": ("（", " ("), "rp": ("）", ")"), "lb": ("【", "["), "rb": ("】", "] "),
    "as_of": ("检查日期", "Check date"),
    "as_of_help": ("按此日期判断政策是否在有效期内、证书是否有效", "Decides which measures are in force and certificates valid"),
    "submit": ("检查并保存", "Check and save"),
    "recheck": ("保存修改并重新检查", "Save changes and re-check"),
    "fix_errors": ("请更正标出的问题后再提交。", "Please correct the marked answers."),
    "eligible": ("可申报", "Eligible"),
    "undetermined": ("待完善", "Needs more answers"),
    "ineligible": ("不符合", "Not eligible"),
    "met": ("符合", "met"), "not_met": ("不符合", "not met"), "unknown_status": ("未知", "unknown"),
    "value": ("实际", "value"), "threshold": ("门槛", "threshold"),
    "benefit": ("支持内容", "Benefit"), "amount": ("估算金额", "Estimated amount"),
    "wan": ("万元", "万元 (CNY 10k)"),
    "total": ("可申报政策估算金额合计", "Total estimated amount of eligible measures"),
    "total_note": ("估算仅供参考，不同政策的金额口径不同（如加计扣除额并非节税额）。",
                   "Estimates only; amounts differ in kind (a super-deduction is not a tax saving)."),
    "criteria": ("条件", "Criteria"),
    "open_questions": ("尚需回答", "Still to answer"),
    "manual_checks": ("需人工核实", "Check by hand"),
    "materials": ("申报材料", "Materials"),
    "apply": ("申报方式", "How to apply"),
    "source": ("政策依据", "Source"),
    "relations": ("政策关系", "Related measures"),
    "top_questions": ("回答这些问题可确定更多政策", "Answer these to decide more measures"),
    "holds_up": ("涉及待完善政策数：", "measures waiting: "),
    "chains": ("申报路径", "Paths between measures"),
    "chains_note": ("取得前一项后可申请或享受后一项。", "Obtaining a measure opens the next one."),
    "excludes": ("互斥", "excludes"), "unlocks": ("解锁", "unlocks"),
    "requires": ("前置", "requires"), "overlaps": ("重叠", "overlaps"),
    "conflict": ("冲突：两项均可申报但不能同时享受", "Conflict: both are eligible but cannot be combined"),
    "assumption": ("假设，非官方", "assumption, not official"),
    "in_force": ("在政策有效期内", "Within the period of force"),
    "results_title": ("自评结果", "Assessment result"),
    "rulepack": ("规则包版本", "Rule pack"),
    "saved_note": ("结果已保存。请妥善保存本页链接，凭链接可重新打开、修改和重新检查；任何持有链接的人都能查看。",
                   "Saved. Keep this page's link: it reopens, edits and re-checks your answers. "
                   "Anyone holding it can see them."),
    "edit": ("修改回答", "Edit answers"),
    "json": ("JSON 格式", "JSON"),
    "print": ("打印", "Print"),
    "delete": ("删除本次自评", "Delete this assessment"),
    "deleted": ("已删除。", "Deleted."),
    "outdated": ("规则包已更新，结果可能过时，请重新检查。",
                 "The rule pack has changed since this check; re-check for current results."),
    "recheck_now": ("按当前规则重新检查", "Re-check with current rules"),
    "none": ("无", "none"),
    "measure": ("政策", "Measure"),
    "catalogue": ("政策目录", "Measure catalogue"),
    "search": ("搜索", "Search"), "keyword": ("关键词", "Keyword"),
    "kind": ("类别", "Kind"), "issuer": ("发布/受理单位", "Issuer"), "entity": ("适用主体", "For"),
    "in_force_on": ("某日有效", "In force on"), "all": ("全部", "all"),
    "filter": ("筛选", "Filter"), "count": ("条政策", "measures"),
    "summary": ("概要", "Summary"), "period": ("有效期", "Period"),
    "assumptions": ("假设", "Assumptions"),
    "implementing_rules": ("实施细则", "Implementing rules"),
    "examples": ("示例", "Examples"),
    "always": ("长期有效", "no end date"),
    "not_found": ("未找到该页面", "Page not found"),
    "back": ("返回", "Back"),
    "expected": ("预期结果", "expected"),
    "kind_subsidy": ("资金补贴", "Subsidy"), "kind_tax": ("税收优惠", "Tax"), "kind_financing": ("融资支持", "Financing"),
    "kind_recognition": ("资质认定", "Recognition"), "kind_service": ("服务支持", "Service"),
    "kind_talent": ("人才支持", "Talent"), "kind_space": ("空间支持", "Space"),
    "ent_enterprise": ("企业", "Enterprise"), "ent_incubator": ("科技企业孵化器", "Incubator"),
    "ent_maker_space": ("众创空间", "Maker space"), "ent_research_institute": ("科研院所", "Research institute"),
    "ent_university": ("高等学校", "University"), "ent_service_agency": ("科技服务机构", "Service agency"),
    "ent_industry_association": ("产业联盟或行业协会", "Industry association"),
    "bad_date": ("日期格式应为 YYYY-MM-DD", "Date must be YYYY-MM-DD"),
    "csrf": ("表单已过期，请重新提交。", "The form expired; please submit again."),
}

# English messages of checker.profile, and their Chinese forms.


def current_lang() -> str:
    """The language of this request: ?lang=, else the session, else Chinese."""
    lang = request.args.get("lang") if request else None
    if lang in LANGS:
        return lang
    stored = session.get("lang")
    return stored if stored in LANGS else "zh"


def t(key: str) -> str:
    """A UI string in the current language."""
    zh, en = STRINGS[key]
    return en if current_lang() == "en" else zh


def pick(text: Any) -> str:
    """The current-language form of a rule text (an object with .zh and .en), or '' for None."""
    if text is None:
        return ""
    return getattr(text, current_lang(), None) or text.zh


def problem_message(message: str) -> str:
    """A validation message of checker.profile in the current language."""
    return problem_text(message, current_lang())
