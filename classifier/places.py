"""Screening of place-name hits: which matched names really are the org's places; pure.

A gazetteer hit of a region is dropped, with a note saying why, when
- the text at that point is a name the org lists as outside (神农架 begins like 神农镇);
- an alias lies inside a longer dictionary word (长治久安 holds 长治), or segmentation cuts
  across it into common words (提高|平均 holds 高平): the dictionary words win;
- the name follows another province's or city's name (北京市东城街道办事处 is not ours), or
  one of our regions it does not lie in (长治市东城街道: our 东城办事处 is in 高平市);
- an alias is followed by a level the region does not have (凤城市 is not 凤城镇).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from routing.orgchart import Level, OrgChart

# Province-level divisions of China (short forms); a name right after one of them that is not
# ours points outside the org.
PROVINCES = (
    "北京", "天津", "上海", "重庆", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽",
    "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "四川", "贵州", "云南", "西藏",
    "陕西", "甘肃", "青海", "宁夏", "新疆", "香港", "澳门", "台湾",
)
PROVINCE_TAILS = ("省", "市", "自治区", "壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "")
_PROVINCE_NAME = re.compile(
    "(?:" + "|".join(PROVINCES) + ")(?:" + "|".join(sorted(PROVINCE_TAILS, key=len, reverse=True)) + ")"
)
# jieba tags these as places, but they are no other place than ours
NOT_FOREIGN = frozenset({"中国", "我国", "全国", "国内", "本地", "当地", "本市", "本县", "全市", "全县", "全省"})
LEVEL_TAIL = "省市县区"
PLACE_FLAGS = frozenset({"ns", "n", "nz"})
NOT_PLACES = frozenset({"大城市", "小城市", "新城区", "老城区", "主城区", "各省市", "全省市", "开发区", "示范区", "风景区",
                        "居民区", "住宅区", "生活区", "办公区", "工业区", "商业区", "无人区"})
MIN_WORD_FREQ = 5  # a dictionary word that covers an alias must be this common to win
MAX_WORD = 8
MIN_CUT_FREQ = 100  # a word segmentation cuts across an alias with must be this common

Hit = tuple[int, str, Any]  # (position, surface, gazetteer entry with .kind and .target)


def screen(org: OrgChart, entries: Mapping[str, Any], text: str, hits: list[Hit]) -> tuple[list[Hit], list[str]]:
    """The hits that name the org's places and units, and notes on those that do not."""
    kept: list[Hit] = []
    notes: list[str] = []
    spans = [(p, p + len(s)) for p, s, e in hits if e.kind in ("region", "dept", "bare")]
    for pos, surface, entry in hits:
        if entry.kind == "outside":
            notes.append(f"“{surface}”是组织架构以外的地名，不作为本组织地区")
            continue
        why = _not_ours(org, entries, text, pos, surface, entry, kept, spans) if entry.kind == "region" else None
        if why is None:
            kept.append((pos, surface, entry))
        else:
            notes.append(why)
    return kept, notes


def _not_ours(org: OrgChart, entries: Mapping[str, Any], text: str, pos: int, surface: str, entry: Any,
              kept: list[Hit], spans: list[tuple[int, int]]) -> str | None:
    region = org.regions[entry.target]
    end = pos + len(surface)
    alias = surface in region.aliases
    if alias and (word := _covering_word(entries, text, pos, end)):
        return f"“{surface}”在词语“{word}”中，不作地名"
    if alias and (cut := _cut_across(entries, text, pos, end, [sp for sp in spans if sp != (pos, end)])):
        return f"“{surface}”被切分在词语“{cut}”中，不作地名"
    before = kept[-1][2] if kept and kept[-1][0] + len(kept[-1][1]) == pos and kept[-1][2].kind == "region" else None
    if before is not None and (why := _under_other(org, before.target, region)):
        return why
    after_ours = bool(kept) and kept[-1][0] + len(kept[-1][1]) == pos and kept[-1][2].kind in ("region", "dept")
    if region.level is not Level.PROVINCE and not after_ours and (other := _foreign_before(entries, text, pos)):
        return f"“{surface}”前为组织架构以外的地名“{other}”，指向组织外，不是本组织的{region.name}"
    if alias and (tail := _wrong_level(region.name, text, end)):
        return f"“{surface}{tail}”与本组织的{region.name}级别不符，指向组织外"
    return None


def _covering_word(entries: Mapping[str, Any], text: str, start: int, end: int) -> str | None:
    """A common dictionary word around text[start:end] that is longer and not an org name."""
    freq = _freq()
    for a in range(max(0, end - MAX_WORD), start + 1):
        for b in range(max(end, a + 2), min(len(text), a + MAX_WORD) + 1):
            if (a, b) == (start, end):
                continue
            word = text[a:b]
            if freq.get(word, 0) >= MIN_WORD_FREQ and word not in entries:
                return word
    return None


def _cut_across(entries: Mapping[str, Any], text: str, start: int, end: int,
                others: list[tuple[int, int]]) -> str | None:
    """A common word of the segmentation that crosses the alias's start or end (提高|平均); one
    that reaches into another org name next to it is no evidence (高平|米山 cut as 高|平米|山)."""
    lo, hi = max(0, start - 4), min(len(text), end + 4)
    bounds, at = [], lo
    for token in _tokens(text[lo:hi]):
        bounds.append((at, at + len(token), token))
        at += len(token)
    freq = _freq()
    for a, b, token in bounds:
        crosses = a < start < b or a < end < b
        into_other = any(a < ob and oa < b for oa, ob in others)
        if crosses and not into_other and len(token) >= 2 and freq.get(token, 0) >= MIN_CUT_FREQ and token not in entries:
            return token
    return None


def _under_other(org: OrgChart, before: str, region: Any) -> str | None:
    """Our region right before a lower one it does not contain: a place of it we do not model."""
    from routing.orgchart import LEVEL_RANK

    other = org.regions[before]
    if LEVEL_RANK[other.level] >= LEVEL_RANK[region.level] or org.is_ancestor(before, region.name):
        return None
    return f"“{before}”之后的地名不是本组织的{region.name}（{region.name}不在{before}），按组织外地名处理"


def _foreign_before(entries: Mapping[str, Any], text: str, pos: int) -> str | None:
    """The name of a place that is not ours right before `pos` (a province's name may stand a
    few characters earlier: 福建三明|建宁), if any."""
    before = text[max(0, pos - 10) : pos]
    for found in _PROVINCE_NAME.finditer(before):
        if found.end() >= len(before) - 4 and found.group() not in entries:
            return found.group()
    if not before:
        return None
    word = _place_token(before)
    if word and len(word) >= 2 and word not in entries and word not in NOT_FOREIGN:
        return word
    return None


def _place_token(before: str) -> str | None:
    """The place name jieba sees at the end of `before` (焦作|市 taken together), else None."""
    tokens = _tagged(before)
    if not tokens:
        return None
    word, flag = tokens[-1]
    if word in LEVEL_TAIL and len(tokens) > 1 and tokens[-2][1] in PLACE_FLAGS:
        return tokens[-2][0] + word
    if flag == "ns" or (len(word) >= 3 and word[-1] in LEVEL_TAIL and word not in NOT_PLACES):
        return word  # jieba tags many city names n or nz (焦作市): a name with its level is a place
    return None


def _wrong_level(name: str, text: str, end: int) -> str | None:
    """The level character after an alias when the region is of another level (凤城|市)."""
    tail = text[end : end + 1]
    if not tail or tail not in LEVEL_TAIL or name.endswith(tail):
        return None
    two = text[end : end + 2]
    if len(two) == 2 and _freq().get(two, 0) >= 50:  # 市场, 市民, 区域, 县城: a word, not a level
        return None
    return tail


def unmodelled_note(org: OrgChart, region: str, alias: str) -> str:
    return (f"文中“{region}{alias}”未在组织架构中建模（{region}没有登记该部门），"
            f"按最近的已建模层级{region}处理")


@lru_cache(maxsize=1)
def _freq() -> dict[str, int]:
    import jieba

    jieba.dt.check_initialized()
    return jieba.dt.FREQ


@lru_cache(maxsize=4096)
def _tokens(text: str) -> tuple[str, ...]:
    import jieba

    return tuple(jieba.lcut(text, HMM=False))


@lru_cache(maxsize=4096)
def _tagged(text: str) -> tuple[tuple[str, str], ...]:
    import jieba.posseg

    return tuple((t.word, t.flag) for t in jieba.posseg.lcut(text))
