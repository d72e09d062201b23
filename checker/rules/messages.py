"""Lint messages a policy officer understands: 'did you mean', YAML traps in words, and a Chinese rendering."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable

from pydantic import BaseModel


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """'; did you mean 'x'?' for the closest known name, else ''."""
    close = difflib.get_close_matches(name, sorted(set(known)), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def schema_keys(*models: type[BaseModel]) -> set[str]:
    """Every key (alias first) of the given models and the models nested in them."""
    keys: set[str] = set()
    todo, seen = list(models), set()
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, info in model.model_fields.items():
            keys.add(info.alias or name)
            todo.extend(_nested(info.annotation))
    return keys


def _nested(annotation: object) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in getattr(annotation, "__args__", ()) for m in _nested(arg)]


TAB = "a tab character is used for indentation: YAML indents with spaces only (two per level)"
FULL_WIDTH_COLON = "a full-width colon '：' follows the key: YAML needs the ASCII colon ':' and a space (key: value)"
FLOW_COMMA = ("a comma inside { … } separates entries: put a text that contains a comma in quotes, "
              "e.g. zh: \"甲, 乙\"")
THOUSANDS = "write numbers without thousands separators: 5000, not 5,000 (a comma would split the value)"
GENERIC = ("this line does not fit the file's structure: check the indentation, colons, quotes and brackets "
           "here and on the line above")


_TRAPS: list[tuple[Callable[[str], bool], str]] = [
    (lambda row: row.startswith("\t") or "\t" in row[: len(row) - len(row.lstrip())], TAB),
    (lambda row: bool(re.match(r"^\s*(- )?[\w\-]+\s*：", row) or re.search(r"[{,]\s*[\w\-]+：", row)), FULL_WIDTH_COLON),
    (lambda row: bool(re.search(r"\d,\d{3}", row)), THOUSANDS),
    (lambda row: "{" in row, FLOW_COMMA),
]


def yaml_trap(text: str, line: int) -> tuple[int, str]:
    """Explain a YAML error reported at this line (1-based) in words, looking at it and the line above;
    the line the trap is on."""
    lines = text.splitlines()
    rows = [(at, lines[at - 1]) for at in (line, line - 1) if 0 < at <= len(lines)]
    for test, message in _TRAPS:
        for at, row in rows:
            if test(row):
                return at, message
    return line, GENERIC


_ZH: list[tuple[str, str]] = [
    (r"^unknown field '(\w+)'; did you mean '(\w+)'\?$", "未知字段 '{0}'，是否想写 '{1}'？"),
    (r"^unknown field '(\w+)'$", "未知字段 '{0}'（字段须先在 rules/fields/ 中声明）"),
    (r"^unknown parameter '(\w+)'; did you mean '(\w+)'\?$", "未知参数 '{0}'，是否想写 '{1}'？"),
    (r"^unknown key '([^']+)'; did you mean '([^']+)'\?$", "未知的键 '{0}'，是否想写 '{1}'？"),
    (r"^unknown key '([^']+)'$", "未知的键 '{0}'（检查拼写或缩进）"),
    (r"^missing key '([^']+)'$", "缺少必填的键 '{0}'"),
    (r"^unknown measure '([^']+)'; did you mean '([^']+)'\?$", "未知的政策措施 '{0}'，是否想写 '{1}'？"),
    (r"^unknown measure '([^']+)'$", "未知的政策措施 '{0}'"),
    (r"^unknown criterion '([^']+)'; did you mean '([^']+)'\? \(criteria: (.*)\)$",
     "'logic' 引用了未知条件 '{0}'，是否想写 '{1}'？（已有条件：{2}）"),
    (r"^unknown criterion '([^']+)' \(criteria: (.*)\)$", "'logic' 引用了未知条件 '{0}'（已有条件：{1}）"),
    (r"^criterion '([^']+)' is not used in 'logic'$", "条件 '{0}' 未在 'logic' 中使用"),
    (r"^unexpected '(.*)'$", "此处不应出现 '{0}'（括号或运算符是否配对？）"),
    (r"^unexpected character '(.*)'$", "表达式中不能使用字符 '{0}'"),
    (r"^expected a (\w+) expression, found a (\w+) one$", "这里需要 {0} 类型的表达式，写成的是 {1} 类型"),
    (r"^quote is not found verbatim in seed (\w+)$", "引文在政策原文 {0} 中找不到（须逐字一致）"),
    (r"^id '([^']+)' must match the file name '([^']+)'$", "id '{0}' 必须与文件名 '{1}' 一致"),
    (r"^(.*); did you mean '([^']+)'\?$", "{0}；是否想写 '{1}'？"),
    (re.escape(TAB), "缩进里用了制表符（Tab）：YAML 只能用空格缩进（每级两个空格）"),
    (re.escape(FULL_WIDTH_COLON), "键后面用了全角冒号“：”：YAML 需要半角冒号“:”再加一个空格（键: 值）"),
    (re.escape(FLOW_COMMA), "{{ … }} 里的逗号用来分隔条目：含逗号的文字请加引号，例如 zh: \"甲, 乙\""),
    (re.escape(THOUSANDS), "数字不要写千分位逗号：写 5000，不要写 5,000（逗号会把数值拆开）"),
    (re.escape(GENERIC), "这一行不符合文件结构：请检查本行及上一行的缩进、冒号、引号和括号"),
]
_WORDS = {"bool": "是/否", "number": "数值", "text": "文字", "date": "日期"}


def in_language(message: str, lang: str) -> str:
    """The message in the page's language: Chinese by pattern (as written when no pattern fits), else as written."""
    if lang != "zh":
        return message
    inside = re.match(r"^(.*) \(in (['\"])(.*)\2, column (\d+)\)$", message, re.S)
    if inside:
        return f"表达式 {inside.group(3)} 第 {inside.group(4)} 列：{in_language(inside.group(1), lang)}"
    for pattern, template in _ZH:
        found = re.match(pattern, message, re.S)
        if found:
            return template.format(*[_WORDS.get(p, p) for p in found.groups()])
    return message
