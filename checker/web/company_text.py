"""UI strings of the company pages (results, interview, saved versions), added to the shared table."""

from __future__ import annotations

from checker.web.i18n import MESSAGES_ZH, STRINGS, current_lang

TEXTS: dict[str, tuple[str, str]] = {
    "verify": ("需向主管部门核实", "Check with the authority first"),
    "verify_note": ("向主管部门核实：该政策未规定截止日期，也没有后续文件确认仍在执行，不计入合计。",
                    "Check with the authority: no end date and no later document confirms it still applies; "
                    "not counted in the totals."),
    "held": ("已获得", "Already held"),
    "held_until": ("有效期至", "valid until"),
    "renew_by": ("请在{}前重新申报", "re-apply before {}"),
    "comma": ("，", ", "),
    "staff": ("面向员工个人的项目", "Programmes for individual staff"),
    "staff_note": ("由员工个人申请，不计入本单位的可申报数量和金额。",
                   "Individuals apply for these; they are not counted in your eligible measures or totals."),
    "folded_note": ("点击展开", "click to expand"),
    "notices": ("政策动向（不是可申报项目）", "Policy intentions (nothing to apply for yet)"),
    "money_cash": ("现金补贴", "cash paid to you"),
    "money_tax_saving": ("节税", "tax saved"),
    "money_deduction": ("加计扣除额（不是节税额）", "extra deductible expense (not a tax saving)"),
    "money_financing": ("融资额度", "loan or guarantee amount"),
    "money_other": ("金额类型未注明", "amount of unstated kind"),
    "totals": ("估算合计（按金额类型分列，不相加）", "Estimated totals by kind of money (never added together)"),
    "no_totals": ("暂无可估算的金额。", "No amount can be estimated yet."),
    "deadline": ("截止", "closes"),
    "window": ("申报窗口", "Application window"),
    "window_open": ("正在申报", "open now"),
    "window_upcoming": ("即将开始", "opens soon"),
    "window_closed": ("本轮已截止", "closed for this round"),
    "window_none": ("未公布申报时间", "no dates announced"),
    "opens": ("开始", "opens"),
    "notice_link": ("申报通知", "call for applications"),
    "period_from": ("起", "from"),
    "period_to": ("至", "until"),
    "no_end": ("未规定截止日期", "no end date"),
    "settle_with": ("回答即可确定：", "Answer to decide: "),
    "more_open": ("另有{}项待答", "{} more to answer"),
    "fails": ("不符合：", "fails: "),
    "details": ("详细条件与材料", "Full criteria and materials"),
    "doc_number": ("文号", "document no."),
    "official_link": ("官方原文", "official text"),
    "hidden_other": ("另有{}项面向其他类型申报主体（高校、协会等）的政策未列出。",
                     "{} measures for other kinds of applicant (universities, associations…) are not listed."),
    "print_detail": ("打印详细版", "Print with details"),
    "print_summary": ("打印摘要", "Print summary"),
    "counted_note": ("可申报数量不含已获得、需核实和面向员工个人的项目。",
                     "The eligible count leaves out measures already held, those to check and staff programmes."),
    "interview_title": ("逐步问答", "Step-by-step questions"),
    "interview_intro": ("每一步只问仍可能改变结论的问题，按能确定的政策数量排序。不清楚就选“不清楚”。",
                        "Each step asks only questions that can still change a verdict, the most decisive first. "
                        "Choose “don't know” when unsure."),
    "step_of": ("第 {} 步", "Step {}"),
    "answered_n": ("已回答 {} 题", "{} answered"),
    "open_n": ("还有 {} 个问题可能改变结论", "{} questions could still change a verdict"),
    "next": ("下一步", "Next"),
    "back_step": ("上一步", "Back"),
    "finish_now": ("现在就看结果", "Show me the answer now"),
    "restart": ("重新开始", "Start again"),
    "full_form": ("改用完整表单（全部问题在一页）", "Use the full form instead (every question on one page)"),
    "guided_start": ("推荐：逐步问答，通常 15–25 个问题即可得到结论", "Recommended: step-by-step, usually 15–25 questions"),
    "prefill_note": ("已从统一社会信用代码读出（可修改）：", "Read from the credit code (you can change it): "),
    "change": ("修改", "change"),
    "interview_done": ("已根据您回答的 {} 个问题得出结论并保存。", "Checked and saved from your {} answers."),
    "error_summary": ("请更正以下 {} 处问题：", "Please correct these {} problems:"),
    "bad_code": ("不是有效的18位统一社会信用代码（校验位不符，GB 32100-2015）",
                 "not a valid 18-character unified social credit code (check digit, GB 32100-2015)"),
    "estimate_title": ("贴息估算（尚未付息，仅为估算）", "Interest subsidy estimate (before any interest is paid)"),
    "about": ("约", "about"),
    "per_year": ("/年", " a year"),
    "estimate_basis": ("（贷款 {} × 年利率 {}% = 年利息约 {}，按该政策的贴息公式计算）",
                       "(loan {} × {}% a year = about {} of interest, through the measure's own formula)"),
    "estimate_note": ("估算不计入合计；实际贴息按已支付利息和付息凭证核定。",
                      "Not counted in the totals; the actual subsidy is set from interest actually paid."),
    "cert_after_check_date": ("高企证书发证日期不能晚于检查日期", "The HTE certificate date cannot be after the check date"),
    "cert_before_registration": ("高企证书发证日期不能早于企业注册成立日期",
                                 "The HTE certificate cannot be older than the company"),
    "saved_readonly": ("这是第 {} 版，只读。凭本页链接可随时查看；修改回答会另存为新版本并生成新链接，本版本保持不变。",
                       "This is version {}, read-only. Its link always shows these answers; editing saves a new "
                       "version with its own link and leaves this one as it is."),
    "retention_note": ("自最后一次打开起保留 {} 天，之后自动删除。", "Kept for {} days after it was last opened, then deleted."),
    "versions": ("版本", "Versions"),
    "version_n": ("第 {} 版", "version {}"),
    "newer_version": ("本链接是旧版本；最新为", "This link shows an older version; the newest is"),
    "edit_new_version": ("修改回答（另存为新版本）", "Edit answers (saves a new version)"),
}
STRINGS.update(TEXTS)
MESSAGES_ZH.insert(0, (r"^must be at most (.+) in size$", r"数值过大：不能超过 \1"))


def money(amount: float | None) -> str:
    """An amount in 万元 as people read it: '20 万元', or 'CNY 200k' / 'CNY 5.2 million' in English."""
    if amount is None:
        return ""
    if current_lang() != "en":
        return f"{amount:,.6g} 万元"
    yuan = amount * 10_000
    if abs(yuan) >= 1_000_000:
        return f"CNY {yuan / 1_000_000:,.4g} million"
    return f"CNY {yuan / 1_000:,.4g}k"


def unit(text: str) -> str:
    """A unit as shown: the English '10k CNY' becomes '万元 (CNY 10k)'."""
    return "万元 (CNY 10k)" if text.strip() == "10k CNY" else text
