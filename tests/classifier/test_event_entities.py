"""Title heads: the place a real title is about, read without the org's gazetteer."""

from __future__ import annotations

import pytest

from classifier.event_entities import title_heads


@pytest.mark.parametrize(
    ("title", "head"),
    [
        ("A市无良万润滨江天著牟取精装暴利", "无良万润滨江天著"),  # no suffix: the gazetteer and suffix rules miss it
        ("A5区保利大都汇违规调规", "保利大都汇"),
        ("投诉A市农商行乱扣月供", "农商行乱扣月供"),  # lead verb and region cut; jieba cuts 乱|扣 to single characters
        ("A7县樃梨领东汇小区非法住改商麻将馆噪音很大！", "樃梨领东汇"),  # an unknown name in single characters
        ("A7县星沙中贸城欺诈业主、不退还业主购房资金", "星沙中贸城"),
        ("坚决反对在A7县诺亚山林小区门口设置医院", "诺亚山林"),
        ("A1区辉煌国际城二期商铺被开发商违法出租给别人做餐饮", "辉煌国际城"),
    ],
)
def test_the_head_is_the_place_after_leads_and_regions(title: str, head: str) -> None:
    assert title_heads(title)[0] == head


def test_generic_words_and_townships_are_not_places() -> None:
    assert title_heads("A3区教师招聘报名只给报考考生一次修改资料的机会") == ()
    assert "西湖街道" not in title_heads("我房子被拆多年，A3区西湖街道安置办一直没给我安置")


def test_region_names_of_the_org_are_cut_and_clauses_read_apart() -> None:
    assert title_heads("高平市凤凰小区油烟扰民", exclude=["高平市"]) == ("凤凰",)
    assert title_heads("A市庆和里路、太平路的问题何时能解决") == ("庆和里路", "太平路")
    assert title_heads("") == () and title_heads(None) == ()
