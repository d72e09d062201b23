"""UI strings of the agency pages, Chinese first, English second."""

from __future__ import annotations

from checker.web.i18n import current_lang

STRINGS: dict[str, tuple[str, str]] = {
    "agency": ("服务机构", "Service agency"),
    "login": ("登录", "Sign in"), "logout": ("退出", "Sign out"),
    "email": ("邮箱", "Email"), "password": ("密码", "Password"),
    "bad_login": ("邮箱或密码不正确。", "Wrong email or password."),
    "throttled": ("登录失败次数过多，请稍后再试。", "Too many failed sign-ins; try again later."),
    "need_login": ("请先登录。", "Please sign in."),
    "dashboard": ("批量检查", "Batch checks"),
    "upload": ("上传客户名单", "Upload client profiles"),
    "upload_help": ("支持 CSV（UTF-8 或 GBK）、XLSX、JSONL。每行一个客户，第一行为字段编号（或中文/英文标签）。",
                    "CSV (UTF-8 or GBK), XLSX or JSONL. One client per row; the first row holds field ids "
                    "(or their Chinese/English labels)."),
    "limits": ("文件上限", "Limits"), "rows": ("行", "rows"),
    "file": ("文件", "File"), "as_of": ("检查日期", "Check date"),
    "start": ("上传并检查", "Upload and check"),
    "template": ("下载模板（XLSX）", "Download the template (XLSX)"),
    "jobs": ("批次", "Batches"), "job": ("批次", "Batch"),
    "status": ("状态", "Status"), "created": ("创建时间", "Created"),
    "progress": ("进度", "Progress"),
    "st_queued": ("排队中", "queued"), "st_running": ("检查中", "running"), "st_done": ("已完成", "done"),
    "st_cancelled": ("已取消", "cancelled"), "st_failed": ("失败", "failed"),
    "cancel": ("取消批次", "Cancel the batch"),
    "cancelled": ("批次已取消。", "The batch was cancelled."),
    "checked": ("已检查", "checked"), "bad_rows": ("有问题的行", "Rows with problems"),
    "row": ("行", "Row"), "column": ("列", "Column"), "reason": ("原因", "Reason"),
    "row_note": ("行号为数据行序号（不含表头）。", "Row numbers count data rows, not the header."),
    "no_problems": ("所有行均通过校验。", "Every row passed validation."),
    "summary": ("汇总", "Summary"), "measure": ("政策", "Measure"),
    "eligible": ("可申报", "Eligible"), "undetermined": ("待完善", "Needs answers"), "ineligible": ("不符合", "Not eligible"),
    "amount": ("估算金额（万元）", "Estimated amount (10k CNY)"),
    "total": ("可申报估算金额合计（万元）", "Total estimated amount of eligible measures (10k CNY)"),
    "clients": ("客户", "Clients"), "client": ("客户", "Client"), "name": ("名称", "Name"),
    "matrix": ("客户 × 政策", "Clients × measures"),
    "matrix_note": ("页面仅显示前 {n} 个客户，完整结果请下载。", "Only the first {n} clients are shown; download for all."),
    "download": ("下载结果", "Download results"),
    "portfolio": ("客户库", "Portfolio"),
    "portfolio_help": ("上传过的客户均保存在客户库中，可按当前规则包重新检查并查看变化。",
                       "Uploaded clients are kept here; re-check them against the current rule pack to see what changed."),
    "recheck": ("按当前规则重新检查", "Re-check with the current rules"),
    "changes": ("变化", "Changes"),
    "newly_eligible": ("新增可申报", "Newly eligible"),
    "no_longer_eligible": ("不再可申报", "No longer eligible"),
    "newly_undetermined": ("新增待完善", "Newly undetermined"),
    "newly_ineligible": ("变为不符合", "Now ineligible"),
    "no_changes": ("没有变化。", "Nothing changed."),
    "before": ("之前", "Before"), "after": ("现在", "Now"),
    "rulepack": ("规则包版本", "Rule pack"), "backend": ("判定引擎", "Decided by"), "latest": ("最近结果", "Latest result"),
    "answers": ("回答", "Answers"), "history": ("检查记录", "Checks"),
    "tokens": ("API 令牌", "API tokens"),
    "new_token": ("生成新令牌", "Create a token"),
    "token_once": ("请立即复制此令牌，它只显示这一次：", "Copy this token now; it is shown only once:"),
    "token_name": ("名称", "Name"), "token_days": ("有效期（天）", "Valid for (days)"),
    "token_created": ("创建", "Created"), "token_expires": ("到期", "Expires"),
    "token_used": ("最近使用", "Last used"), "token_state": ("状态", "State"),
    "token_active": ("有效", "active"), "token_expired": ("已过期", "expired"), "token_revoked": ("已撤销", "revoked"),
    "revoke": ("撤销", "Revoke"), "no_tokens": ("还没有令牌。", "No tokens yet."),
    "never": ("从未", "never"), "token_revoked_flash": ("令牌“{name}”已撤销。", "Token “{name}” revoked."),
    "label": ("备注", "Label"),
    "no_file": ("请选择文件。", "Choose a file."),
    "bad_file": ("无法读取文件：", "Cannot read the file: "),
    "too_large": ("文件过大。", "The file is too large."),
    "failed_criteria": ("未满足条件", "Criteria failed"), "open_questions": ("尚需回答", "Open questions"),
    "none": ("无", "none"),
    "money_cash": ("资金支持（万元）", "Cash (10k CNY)"), "money_tax_saving": ("税收减免（万元）", "Tax saving (10k CNY)"),
    "money_financing": ("融资支持（万元）", "Financing (10k CNY)"),
    "amount_unknown": ("部分可申报政策的金额无法估算", "Some eligible measures have no estimable amount"),
    "amount_unknown_n": ("{n} 个客户有可申报政策的金额无法估算（显示为“—”），合计仅含可估算部分。",
                         "{n} clients have eligible measures whose amount cannot be estimated (shown as “—”); "
                         "totals include only the estimable part."),
    "all_rechecks": ("变化报告", "Change reports"), "refresh": ("刷新", "Refresh"),
    "after_publish": ("规则发布后自动重新检查", "re-checked after a rule publication"),
    "rules_changed": ("政策规则已于 {date} 更新，客户库已在后台按新规则重新检查。",
                      "The rules changed on {date}; your portfolio was re-checked in the background."),
    "rules_changed_done": ("新增可申报 {new} 项，不再可申报 {lost} 项。", "{new} newly eligible, {lost} no longer eligible."),
    "rules_changed_running": ("正在检查……", "Checking…"), "see_changes": ("查看变化报告", "See the change report"),
    "webhook": ("Webhook 通知", "Webhook"),
    "webhook_help": ("批次完成、规则更新后出现新增可申报客户时，系统向此地址 POST JSON；请求头 X-Checker-Signature "
                     "为用密钥对请求体计算的 HMAC-SHA256（sha256=十六进制）。",
                     "When a batch finishes, or a rule change makes clients newly eligible, JSON is POSTed here; the header "
                     "X-Checker-Signature carries the HMAC-SHA256 of the body under the secret (sha256=hex)."),
    "webhook_secret": ("请立即复制密钥，它只显示这一次：", "Copy the secret now; it is shown only once:"),
    "webhook_current": ("当前地址", "Current URL"), "save": ("保存并生成新密钥", "Save and make a new secret"),
    "page": ("页", "Page"), "pdf_report": ("客户报告（PDF）", "Client report (PDF)"),
    "pdf_reports": ("客户报告（PDF，每包 {n} 家）", "Client reports (PDF, {n} a zip)"),
    "held": ("已获得", "Already held"), "eligible_count": ("可申报项数", "Eligible"),
}


def tr(key: str, **values: object) -> str:
    """An agency UI string in the current language."""
    zh, en = STRINGS[key]
    text = en if current_lang() == "en" else zh
    return text.format(**values) if values else text
