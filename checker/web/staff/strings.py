"""UI strings of the staff pages, Chinese first, English second."""

from __future__ import annotations

import re

from checker.rules.messages import in_language
from checker.web.i18n import current_lang

STRINGS: dict[str, tuple[str, str]] = {
    "staff": ("规则管理", "Rules area"), "pack": ("规则包", "Rule pack"), "fields": ("字段目录", "Fields"),
    "versions": ("版本历史", "Versions"), "audit": ("审计日志", "Audit log"), "drafts": ("草稿", "Drafts"),
    "live": ("当前生效版本", "Live version"), "measure": ("政策措施", "Measure"), "state": ("状态", "State"),
    "valid": ("校验通过", "valid"), "period": ("有效期", "Period of force"),
    "in_force": ("有效", "in force"), "expired": ("已失效", "expired"), "not_yet": ("尚未生效", "not yet in force"),
    "examples": ("示例", "Examples"), "passed": ("通过", "passed"), "failed": ("失败", "failed"),
    "reads": ("读取字段", "Reads"), "coverage": ("条件覆盖", "Criterion coverage"),
    "gaps": ("示例未覆盖的条件一侧", "Criterion sides no example reaches"), "none": ("无", "none"),
    "edit": ("编辑", "Edit"), "upload": ("或上传 YAML 文件", "or upload a YAML file"),
    "save": ("保存草稿并校验", "Save the draft and check it"), "lint": ("校验结果", "Lint"),
    "no_errors": ("没有错误。", "No errors."), "line": ("行", "Line"), "key": ("键", "Key"),
    "message": ("说明", "Message"), "impact": ("影响预览", "Impact preview"),
    "publish": ("发布", "Publish"), "comment": ("修改原因（必填）", "Why (required)"),
    "refused": ("存在校验错误或示例失败时不能发布。", "Publishing is refused while there are lint errors or failing examples."),
    "published": ("已发布版本 {label}。", "Published version {label}."),
    "rolled_back": ("已回滚，当前版本 {label}。", "Rolled back; the live version is now {label}."),
    "rollback": ("回滚到此版本", "Roll back to this version"), "discard": ("放弃草稿", "Discard the draft"),
    "profiles": ("已存档企业资料", "Stored profiles"), "changes": ("结论变化", "Changed verdicts"),
    "newly_eligible": ("新增符合", "Newly eligible"), "no_longer_eligible": ("不再符合", "No longer eligible"),
    "other": ("其他变化", "Other changes"), "companies": ("涉及企业", "Companies"),
    "unreadable": ("无法按草稿读取的资料", "Profiles that do not read under a pack"),
    "as_of": ("检查日期", "Check date"), "before": ("之前", "Before"), "after": ("之后", "After"),
    "when": ("时间", "When"), "who": ("操作人", "Who"), "action": ("操作", "Action"), "why": ("原因", "Why"),
    "version": ("版本", "Version"), "field": ("字段", "Field"), "used_by": ("使用位置", "Used by"),
    "unused": ("未被任何措施使用", "not used by any measure"), "criterion": ("条件", "Criterion"),
    "text": ("规则文件", "Rule file"),
    "old_result": ("历史结果（按当时的规则包显示）", "Earlier result (shown with its own pack)"),
    "unknown_version": ("该结果的规则包版本未存档。", "The pack version of this result is not stored."),
    "results": ("历史结果", "Stored results"),
    "empty_text": ("规则文件不能为空，草稿未修改。", "A rule file cannot be empty; the draft is unchanged."),
    "not_utf8": ("文件不是 UTF-8 文本，草稿未修改。", "The file is not UTF-8 text; the draft is unchanged."),
    "conflict": ("草稿开始后，他人已修改同一文件（左：草稿起点，右：现在）",
                 "Changed by someone else since this draft began (left: where the draft began, right: now)"),
    "new_field": ("新增字段", "New field"), "new_parameter": ("新增参数（分日期取值）", "New dated parameter"),
    "new_measure": ("新增政策措施", "New measure"), "window": ("申报时间", "Application window"),
    "exists": ("该编号已存在", "This id already exists"), "create": ("生成草稿", "Create the draft"),
    "parameters": ("参数", "Parameters"), "windows": ("申报时间", "Application windows"),
    "edit_file": ("编辑此文件", "Edit this file"), "add_window": ("添加申报时间", "Add an application window"),
    "decision_table": ("判定表（只读）", "Decision table (read-only)"), "operator": ("运算", "Operator"),
    "threshold": ("门槛", "Threshold"), "source": ("依据", "Source"), "parameter": ("参数", "Parameter"),
    "window_open": ("正在申报，截止 {closes}", "Open now until {closes}"),
    "window_upcoming": ("将于 {opens} 开始申报", "Opens {opens}"),
    "window_closed": ("已截止（{closes}）", "Closed on {closes}"), "window_none": ("尚未发布申报时间", "No window published"),
    "notice": ("申报通知", "Notice"),
    "forbidden": ("无权访问此页面", "You may not see this page"),
    "forbidden_why": ("此页面只对另一类账户开放（机构用户或政策工作人员）。请用相应账户登录。",
                      "This page is for another kind of account (agency users or policy staff). Sign in with that account."),
    "sign_out": ("退出登录", "Sign out"),
    "search": ("搜索编号、名称、发文单位或字段", "Search id, title, issuer or field"),
    "all_folders": ("全部目录", "All folders"),
    "all_states": ("全部状态", "All states"), "with_problems": ("仅看有问题的", "Only with problems"),
    "filter": ("筛选", "Filter"),
    "rollback_preview": ("回滚前先看影响：已存档企业的结论变化和文件差异。确认后才会发布。",
                         "Before rolling back, see its impact: changed verdicts of stored profiles and the files. "
                         "Nothing changes until you confirm."),
    "rollback_confirm": ("确认回滚", "Confirm the rollback"),
    "status": ("结论", "Status"), "draft_of": ("草稿", "Draft"), "open_drafts": ("未发布的草稿", "Open drafts"),
    "job_status": ("进度状态", "State"), "progress": ("进度", "Progress"),
    "job_queued": ("排队中", "queued"), "job_running": ("正在比对", "running"), "job_done": ("已完成", "done"),
    "job_failed": ("失败", "failed"), "reload": ("刷新", "Reload"),
    "compared": ("比对的规则版本", "Rule versions compared"), "backend": ("判定方式", "Decided by"),
    "started": ("开始于", "Started"),
    "backend_vector": ("向量化批量判定，每批首个资料由 {engine} 复核",
                       "vectorised, the first profile of each chunk re-checked by {engine}"),
    "impact_background": ("影响预览在后台逐批比对全部已存档资料；同一草稿内容、同一生效版本和检查日期的结果会直接复用。",
                          "The preview compares every stored profile in the background, a chunk at a time; a finished "
                          "report for the same draft texts, live version and check date is reused."),
    "rows_capped": ("只列出前 {shown} 条变化（共 {total} 条）；上面的计数包含全部。",
                    "Only the first {shown} of {total} changes are listed; the counts above cover them all."),
}


def st(key: str, **values: object) -> str:
    """A staff UI string in the current language."""
    zh, en = STRINGS[key]
    text = en if current_lang() == "en" else zh
    return text.format(**values) if values else text


def lint_message(message: str) -> str:
    """A lint message in the page's language."""
    return in_language(message, current_lang())


_REASONS = [
    (r"^lint: (\S+:\d+): ([^:]+): (.*)$", lambda m, lang: f"校验错误 {m[1]} {m[2]}：{in_language(m[3], lang)}"),
    (r"^lint: (\S+:\d+): (.*)$", lambda m, lang: f"校验错误 {m[1]}：{in_language(m[2], lang)}"),
    (r"^example fails: (.*)$", lambda m, lang: f"示例未通过：{m[1]}"),
    (r"^coverage: no example reaches (.*)$", lambda m, lang: f"条件覆盖不足：没有示例达到 {m[1]}"),
    (r"^a comment saying why is required$", lambda m, lang: "必须填写修改原因"),
    (r"^the draft changes nothing$", lambda m, lang: "草稿没有任何修改"),
    (r"^(\S+) was changed on disk since this draft began \(see the diff\)$",
     lambda m, lang: f"{m[1]} 在草稿开始后已在磁盘上被修改（见下方差异），为避免覆盖，拒绝发布"),
    (r"^(\S+) was changed in the live pack since this draft began$",
     lambda m, lang: f"{m[1]} 在草稿开始后已被他人发布修改，为避免覆盖，拒绝发布"),
]


def refusal_message(reason: str) -> str:
    """Why a publish was refused, in the page's language ('' when it is English or no translation fits)."""
    lang = current_lang()
    if lang == "en":
        return ""
    for pattern, render in _REASONS:
        found = re.match(pattern, reason, re.S)
        if found:
            return render(found, lang)
    return ""


FORM_LABELS: dict[str, tuple[str, str]] = {
    "id": ("编号（英文小写）", "Id (lower case)"), "type": ("类型", "Type"), "section": ("所在分组", "Section"),
    "label_zh": ("名称（中文）", "Label (Chinese)"), "label_en": ("名称（英文）", "Label (English)"),
    "unit_zh": ("单位（中文）", "Unit (Chinese)"), "unit_en": ("单位（英文）", "Unit (English)"),
    "minimum": ("最小值", "Minimum"), "entities": ("适用主体类型", "Entity types asked"),
    "from_1": ("取值一：起始日期", "Value 1: from"), "value_1": ("取值一：数值", "Value 1: value"),
    "document_1": ("取值一：依据文件", "Value 1: document"), "article_1": ("取值一：条款", "Value 1: article"),
    "quote_1": ("取值一：原文摘录（须含该数值）", "Value 1: quote (must state the value)"),
    "url_1": ("取值一：原文链接", "Value 1: link"), "from_2": ("取值二：起始日期（可选）", "Value 2: from (optional)"),
    "value_2": ("取值二：数值", "Value 2: value"), "document_2": ("取值二：依据文件", "Value 2: document"),
    "article_2": ("取值二：条款", "Value 2: article"),
    "quote_2": ("取值二：原文摘录", "Value 2: quote"), "url_2": ("取值二：原文链接", "Value 2: link"),
    "folder": ("所在目录", "Folder"), "title_zh": ("措施名称（中文）", "Title (Chinese)"),
    "title_en": ("措施名称（英文）", "Title (English)"), "kind": ("类别", "Kind"), "issuer_zh": ("发文单位", "Issuer"),
    "document": ("依据文件", "Document"), "article": ("条款", "Article"),
    "quote": ("原文摘录（须含门槛数值）", "Quote (must state the threshold)"), "field": ("判断字段", "Field tested"),
    "op": ("比较", "Comparison"), "threshold": ("门槛（数字或参数编号）", "Threshold (a number or a parameter id)"),
    "example_value": ("符合的示例值", "An example value that qualifies"),
    "failing_value": ("不符合的示例值", "An example value that does not"),
    "opens": ("开始日期", "Opens"), "closes": ("截止日期", "Closes"), "url": ("申报通知链接", "Notice link"),
    "note_zh": ("备注（如“2026年度第一批”）", "Note (e.g. 2026 first round)"),
}


def form_label(name: str) -> str:
    """A creation form's field label in the page's language."""
    zh, en = FORM_LABELS.get(name, (name, name))
    return en if current_lang() == "en" else zh


ACTIONS = {"import": ("导入", "import"), "publish": ("发布", "publish"), "rollback": ("回滚", "rollback"),
           "refused": ("被拒绝", "refused"), "draft_saved": ("保存草稿", "draft saved")}


def action_name(action: str) -> str:
    """An audit action in the page's language (English keeps the code only)."""
    zh, _ = ACTIONS.get(action, (action, action))
    return "" if current_lang() == "en" else zh
