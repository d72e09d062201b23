"""Lint messages for non-programmers: YAML traps in words, 'did you mean', Chinese, no cascade errors."""

from __future__ import annotations

import pytest

from checker.rules.loader import RulePackError, load_pack
from tests.rules.test_lint_fixtures import make_pack

MEASURE = "measures/demo/demo-measure.yaml"


def lint(tmp_path, old: str, new: str) -> list:
    """The errors of the base pack with one replacement in the demo measure."""
    rules = make_pack(tmp_path)
    path = rules / MEASURE
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RulePackError) as caught:
        load_pack(rules)
    return caught.value.errors


TRAPS = [
    ("full-width colon", "kind: subsidy", "kind：subsidy", 4, "full-width colon", "全角冒号"),
    ("tab", "    test: \"rd_expense_wan >= 100\"", "\ttest: \"rd_expense_wan >= 100\"", 20, "a tab character", "制表符"),
    ("comma in a flow mapping", "text: {zh: 奖励, en: A reward}", "text: {zh: 奖励, 按年度, en: A reward}", 22,
     "a comma inside { … }", "含逗号的文字请加引号"),
    ("unquoted 5,000", "profile: {rd_expense_wan: 99}", "profile: {rd_expense_wan: 5,000}", 29, "without thousands", "千分位"),
]


@pytest.mark.parametrize("old, new, line, words, zh", [t[1:] for t in TRAPS], ids=[t[0] for t in TRAPS])
def test_yaml_traps_are_explained_in_words(tmp_path, old, new, line, words, zh):
    errors = lint(tmp_path, old, new)
    assert len(errors) == 1, errors
    assert (errors[0].file, errors[0].line) == (f"rules/{MEASURE}", line)
    assert words in errors[0].message
    assert "could not find" not in errors[0].message and "valid string" not in errors[0].message  # not the parser's text
    assert zh in errors[0].problem.text("zh")


def test_unknown_names_suggest_the_closest(tmp_path):
    found = lint(tmp_path, "rd_expense_wan >= 100", "rd_expens_wan >= 100")
    assert [str(e) for e in found] == [f"rules/{MEASURE}:20: criteria[1].test: unknown field 'rd_expens_wan'; "
                                       "did you mean 'rd_expense_wan'? (in 'rd_expens_wan >= 100', column 1)"]
    zh = "表达式 rd_expens_wan >= 100 第 1 列：未知字段 'rd_expens_wan'，是否想写 'rd_expense_wan'？"
    assert found[0].problem.text("zh") == zh
    assert found[0].problem.text("en") == found[0].message
    assert found[0].problem.code == "lint.in_expression"
    assert found[0].problem.params["reason"].code == "lint.unknown_field_close"
    keys = [str(e) for e in lint(tmp_path / "b", "summary:", "sumary:")]
    assert any("unknown key 'sumary'; did you mean 'summary'?" in e for e in keys), keys


def test_a_broken_measure_causes_no_errors_in_files_that_relate_to_it(tmp_path):
    rules = make_pack(tmp_path)
    other = (rules / MEASURE).read_text(encoding="utf-8").replace("id: demo-measure", "id: other-measure")
    other += "relations:\n  - {type: overlaps, measure: demo-measure, note: {zh: 重叠, en: overlaps}}\n"
    (rules / "measures/demo/other-measure.yaml").write_text(other, encoding="utf-8")
    index = rules / "measures/demo/index.yaml"
    index.write_text(index.read_text(encoding="utf-8").replace("[demo-measure]", "[demo-measure, other-measure]"),
                     encoding="utf-8")
    load_pack(rules)  # both load
    path = rules / MEASURE
    path.write_text(path.read_text(encoding="utf-8").replace("kind: subsidy", "kind: gift"), encoding="utf-8")
    with pytest.raises(RulePackError) as caught:
        load_pack(rules)
    assert {e.file for e in caught.value.errors} == {f"rules/{MEASURE}"}


def test_a_broken_derived_value_or_parameter_file_causes_no_errors_in_measures(tmp_path):
    from tests.rules.test_parameters import LIMITS, dated_pack

    rules = dated_pack(tmp_path / "p", LIMITS.replace("value: 150", "value: 1,50"))
    with pytest.raises(RulePackError) as caught:
        load_pack(rules)
    assert {e.file for e in caught.value.errors} == {"rules/parameters/limits.yaml"}, caught.value.errors
    rules = make_pack(tmp_path / "d")
    derived = rules / "derived.yaml"
    text = derived.read_text(encoding="utf-8")
    assert "expr:" in text
    derived.write_text(text.replace("expr: ", "expr: nosuchfield + ", 1), encoding="utf-8")
    measure = rules / MEASURE
    measure.write_text(measure.read_text(encoding="utf-8").replace('"rd_expense_wan >= 100"', '"rd_doubled >= 100"'),
                       encoding="utf-8")
    with pytest.raises(RulePackError) as caught:
        load_pack(rules)
    assert {e.file for e in caught.value.errors} == {"rules/derived.yaml"}, caught.value.errors


def test_an_unclosed_bracket_is_named_on_its_own_line_not_the_comma_of_the_next(tmp_path):
    errors = lint(tmp_path, "kind: subsidy", "kind: [subsidy")
    assert [(e.file, e.line) for e in errors] == [(f"rules/{MEASURE}", 4)]  # the kind line, not the issuer line 5
    problem = errors[0].problem
    assert "这一行的 [ 没有配对的 ]" in problem.text("zh") and "逗号" not in problem.text("zh")
    assert "opens [ but never closes it with ]" in problem.text("en")
    braces = lint(tmp_path / "braces", "text: {zh: 奖励, en: A reward}", "text: {zh: 奖励, en: A reward")
    assert "这一行的 { 没有配对的 }" in braces[0].problem.text("zh") and braces[0].line == 22


def test_a_mis_indented_line_is_named_not_the_comma_on_the_line_above(tmp_path):
    for spaces, name in ((5, "deeper"), (3, "shallower")):
        errors = lint(tmp_path / name, '    test: "rd_expense_wan >= 100"', " " * spaces + 'test: "rd_expense_wan >= 100"')
        assert [(e.file, e.line) for e in errors] == [(f"rules/{MEASURE}", 20)]  # the test line, not the text line 19
        problem = errors[0].problem
        assert f"缩进不对（{spaces} 个空格）" in problem.text("zh") and "与上面的 text 对齐，缩进 4 个空格" in problem.text("zh")
        assert f"indented wrongly ({spaces} spaces)" in problem.text("en") and "lines up with text above" in problem.text("en")
        assert "逗号" not in problem.text("zh") and "comma" not in problem.text("en")


def test_a_key_outside_its_block_says_where_it_belongs(tmp_path):
    errors = lint(tmp_path, "apply: {zh", 'amount: "5"\napply: {zh')
    assert [(e.line, e.key) for e in errors] == [(23, "amount")]
    assert errors[0].problem.text("zh") == "键 'amount' 不能写在这里：它属于 benefit: 之下（写在该键下面，并比它多缩进两个空格）"
    assert "goes under benefit:" in errors[0].problem.text("en") and "did you mean" not in errors[0].message


FULL_WIDTH = [
    ("（", '"rd_expense_wan >= 100"', '"（rd_expense_wan >= 100）"', 20, "("),
    ("‘", "\"entity_type == 'enterprise'\"", "\"entity_type == ‘enterprise’\"", 17, "'"),
    ("“", "\"entity_type == 'enterprise'\"", "\"entity_type == “enterprise”\"", 17, "'"),  # a \" would end the YAML string
    ("≥", '"rd_expense_wan >= 100"', '"rd_expense_wan ≥ 100"', 20, ">="),
]


@pytest.mark.parametrize("char, old, new, line, fix", FULL_WIDTH, ids=[c[0] for c in FULL_WIDTH])
def test_a_full_width_character_in_an_expression_names_the_half_width_one(tmp_path, char, old, new, line, fix):
    errors = lint(tmp_path, old, new)
    assert [e.line for e in errors] == [line]
    reason = errors[0].problem.params["reason"]
    assert reason.text("zh") == f"{char} 是全角（中文输入法）字符：请改用半角字符 {fix}"
    assert reason.text("en") == f"{char!r} is a full-width (Chinese keyboard) character: write the half-width {fix} instead"


def test_thousands_separators_in_an_expression_say_write_5000(tmp_path):
    errors = lint(tmp_path, '"rd_expense_wan >= 100"', '"rd_expense_wan >= 5,000"')
    assert [e.line for e in errors] == [20]
    assert "数字不要写千分位逗号：请写 5000，不要写 5,000" in errors[0].problem.text("zh")
    assert "write 5000, not 5,000" in errors[0].message
    other = lint(tmp_path / "b", '"rd_expense_wan >= 100"', '"rd_expense_wan >= 100, 5"')
    assert "write" not in other[0].message and "unexpected ','" in other[0].message  # a comma not inside a number


def test_a_thousands_separator_inside_a_call_is_refused_not_read_as_two_arguments(tmp_path):
    """min(revenue_wan, 5,000) parsed as min(revenue_wan, 5, 0): a cap of 0 with no error. A comma between digits with
    no space inside a call reads two ways, so it is refused naming both (5000, or 5, 000); with the space it parses."""
    errors = lint(tmp_path, '"rd_expense_wan >= 100"', '"min(rd_expense_wan, 5,000) >= 100"')
    assert [e.line for e in errors] == [20]
    assert "write 5000 for one number" in errors[0].message and "5, 000 for separate arguments" in errors[0].message
    assert "若是一个数，请写 5000" in errors[0].problem.text("zh") and "5, 000" in errors[0].problem.text("zh")
    from checker.rules.expr import Call, parse

    spaced = parse("min(rd_expense_wan, 5, 0)")
    assert isinstance(spaced, Call) and len(spaced.args) == 3


@pytest.mark.parametrize("written, zh, en", [
    ("5,000", "数字不要写千分位逗号：请写 5000，不要写 5,000", "write 5000, not 5,000"),
    ("１50", "数字用了全角字符：请改用半角数字，写 150，不要写 １50", "full-width characters: write 150, not １50"),
], ids=["thousands", "full-width digits"])
def test_a_parameter_value_written_as_text_says_the_number_to_write(tmp_path, written, zh, en):
    from tests.rules.test_parameters import LIMITS, dated_pack

    with pytest.raises(RulePackError) as caught:
        load_pack(dated_pack(tmp_path, LIMITS.replace("value: 150", f"value: {written}")))
    [error] = caught.value.errors
    assert (error.file, error.line) == ("rules/parameters/limits.yaml", 10)
    assert error.problem.text("zh") == zh and en in error.problem.text("en")
