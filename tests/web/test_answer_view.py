"""Sources name their document: seed titles, 文号 and links; money in words of each language."""

from __future__ import annotations

from checker.rules.schema import Source
from checker.web.answer import seed_titles, source_view


def test_seed_clauses_are_named_by_the_seed_title():
    view = source_view(Source(seed="001", clause="三(三)2", quote="x"))
    assert view.title == "关于进一步加快核心区自主创新和战略性新兴产业发展的意见（海淀，2014）"
    assert view.clause == "三(三)2" and view.number == ""
    assert len(seed_titles()) == 5


def test_document_number_and_link_are_picked_out():
    source = Source(document="《北京市关于支持科技企业的若干措施》（京政发〔2022〕12号）", article="第三条",
                    quote="原文", url="https://www.beijing.gov.cn/x.html")
    view = source_view(source)
    assert view.number == "京政发〔2022〕12号" and view.clause == "第三条"
    assert view.url == "https://www.beijing.gov.cn/x.html"


def test_money_reads_cny_first_in_english(app):
    from checker.web.company_text import money, unit

    with app.test_request_context("/?lang=en"):
        assert money(20) == "CNY 200k" and money(520) == "CNY 5.2 million"
        assert unit("10k CNY") == "万元 (CNY 10k)"
    with app.test_request_context("/?lang=zh"):
        assert money(14.4) == "14.4 万元"


def test_a_title_that_is_its_number_is_not_repeated():
    view = source_view(Source(document="财税〔2015〕119号", article="第四条", quote="原文"))
    assert view.title == "财税〔2015〕119号" and view.number == ""
