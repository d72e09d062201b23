"""Validation messages of checker.profile and the batch readers, in Chinese for pages and exports."""

from __future__ import annotations

import re

MESSAGES_ZH: list[tuple[str, str]] = [
    (r"^'(.*)' is not a number$", r"“\1”不是数字"),
    (r"^must be a finite number$", "必须是有限数字"),
    (r"^must be a whole number$", "必须是整数"),
    (r"^must be at least (.+)$", r"不能小于 \1"),
    (r"^must be at most (.+)$", r"不能大于 \1"),
    (r"^expected a number, not true/false$", "应填写数字"),
    (r"^'(.*)' is not true/false.*$", r"“\1”不是 是/否"),
    (r"^'(.*)' is not a date YYYY-MM-DD$", r"“\1”不是 YYYY-MM-DD 格式的日期"),
    (r"^'(.*)' is not one of (.*)$", r"“\1”不是可选值，可选：\2"),
    (r"^longer than 200 characters$", "超过200个字符"),
    (r"^not a valid 18-character code.*$", "不是有效的18位统一社会信用代码（校验位不符，GB 32100-2015）"),
    (r"^'(.*)' does not have the expected form$", r"“\1”格式不正确"),
    (r"^each (line|row) must be a JSON object$", "该行不是 JSON 对象"),
    (r"^not valid JSON: .*$", "该行不是有效的 JSON"),
    (r"^(\d+) cells but only (\d+) headers$", r"该行有 \1 个单元格，但表头只有 \2 列"),
    (r"^column (.*): cell longer than (\d+) characters$", r"“\1”列的内容超过 \2 个字符"),
    (r"^[^()]* \(([^()]*[\u4e00-\u9fff][^()]*)\)$", r"\1"),  # a consistency check: "English (中文)"
]


def problem_text(message: str, lang: str) -> str:
    """A validation message of checker.profile in the given language (exports, outside a request)."""
    if lang == "en":
        return message
    for pattern, replacement in MESSAGES_ZH:
        if re.match(pattern, message):
            return re.sub(pattern, replacement, message)
    return message
