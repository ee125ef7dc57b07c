import pytest

from classifier.normalize import normalize, strip_html, to_half_width, to_simplified
from tests.support.shared import SHARED

SEED_004 = SHARED / "seeds" / "004_38f7583137ba7a7e.txt"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("政務輿情回應", "政务舆情回应"),
        ("關於進一步做好政務公開工作的通知", "关于进一步做好政务公开工作的通知"),
        ("多家餐館被曝使用過期食材", "多家餐馆被曝使用过期食材"),
    ],
)
def test_traditional_to_simplified(raw, expected):
    assert normalize(raw) == expected
    assert to_simplified(raw) == expected


def test_simplified_text_is_unchanged():
    text = "河西镇、马村镇多家餐馆被曝使用过期食材"
    assert normalize(text) == text


def test_seed_004_becomes_simplified():
    text = normalize(SEED_004.read_text(encoding="utf-8")[:2000])
    assert "政务公开" in text and "輿" not in text and "關於" not in text


def test_full_width_to_half_width():
    assert to_half_width("ＡＢＣ１２３，！？（）") == "ABC123,!?()"
    assert normalize("１２人受伤　ＰＭ２．５") == "12人受伤 PM2.5"


def test_html_tags_and_entities():
    assert normalize("<p>城管<b>暴力</b>执法</p><br/>第二段&amp;&nbsp;完") == "城管暴力执法 第二段& 完"
    assert strip_html("<!-- 注释 -->正文") == "正文"
    assert normalize("1 < 2 and 3 > 2") == "1 < 2 and 3 > 2"  # not a tag


def test_whitespace_collapsed_and_excel_escapes():
    assert normalize("  停水\n\t三天_x000D_  无人管 ") == "停水 三天 无人管"


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_empty_input(empty):
    assert normalize(empty) == ""


def test_to_simplified_none_safe():
    assert to_simplified(None) == ""
