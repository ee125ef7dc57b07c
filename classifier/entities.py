"""Concrete places and entities that identify an event (凤凰小区, 建设路东段, 米山中学); pure.

A suffix (小区, 路, 村, 小学, 医院, 公司 …) is found by regex; its proper-name stem is read
leftwards with jieba's part-of-speech tags, stopping at pronouns, numerals, prepositions,
verbs further out, region names and the end of an earlier entity. Generic mentions
(我们小区, 该村, 附近学校, 一所学校) leave no stem and are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

MIN_STEM, MAX_STEM = 2, 10

ESTATE = ("小区", "花园", "家园", "新村", "公寓", "山庄", "公馆", "大厦", "之城", "苑", "府", "城")
ROAD = ("大道", "路", "街", "巷", "胡同")
VILLAGE = ("社区", "村")
SCHOOL = ("幼儿园", "小学", "中学", "大学", "学院", "学校", "附中")
HOSPITAL = ("卫生院", "卫生室", "医院", "诊所")
COMPANY = ("有限公司", "公司", "煤矿", "集团", "工厂", "厂", "酒店", "宾馆", "加油站")
WATER = ("水库", "河", "江", "湖")
OTHER = ("农贸市场", "市场", "商场", "超市", "公园", "广场", "景区", "大桥", "桥", *WATER)
INSTITUTION = SCHOOL + HOSPITAL

# Text that must not follow a suffix for it to end a name (城管, 厂房, 小学生, 市场监管).
_NOT_AFTER = {
    "街": "道坊头",
    "城": "管市区乡镇中际里",
    "厂": "房家长商区址",
    "村": "民级务容规",
    "小学": "生",
    "中学": "生",
    "大学": "生",
    "市场": "监经化价秩主准营行份需调部环",
    "府": "办",
    "路": "由径线费况",
}
# 河/江/湖/桥 end a name only before a break or these (丹河边, but not 滨河|苑, 湖|南).
_OPEN_ENDED = frozenset("河江湖桥")
_NAME_CONTINUES = frozenset("的边畔岸道段里内沿上下头中被污治附周旁一两")
_WEAK = frozenset(s for s in ESTATE + ROAD + VILLAGE + COMPANY + OTHER if len(s) == 1)  # 中茂城|小区
_ROAD_TAIL = re.compile(r"[东西南北中一二三四五六七八九十\d]+段|\d+号")
_SUFFIX_RE = re.compile(
    "|".join(sorted(ESTATE + ROAD + VILLAGE + SCHOOL + HOSPITAL + COMPANY + OTHER, key=len, reverse=True))
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_ORDINAL = re.compile(r"第[一二三四五六七八九十\d]+")
_TOWNSHIP_NAME = re.compile(r"(?:(?![市县区省镇乡])[\u4e00-\u9fff]){2,4}(?:镇|乡|街道|办事处)$")
_TOWNSHIP_TAIL = re.compile(r"街道|办事处|[镇乡县省组号栋]")  # the stem window starts after these

_NAME_FLAGS = ("n", "a", "j", "l", "i", "s", "z", "vn", "eng", "g")  # jieba tags of name parts
_PROPER = frozenset({"ns", "nr", "nt", "nz", "nrt", "nrfg"})
_REGION_TAIL = ("市", "县", "区", "镇", "乡", "省")
# Verbs common in names (解放路, 振兴街); other verbs end a stem (投诉|凤凰小区, 使得|小区).
_NAME_VERBS = frozenset("解放 振兴 前进 跃进 奋进 创业 建新 兴业 迎宾 发展 繁荣 兴旺 腾飞".split())
# Words never part of a name (they lead into one): generic nouns, qualifiers, verbs of place.
_LEAD_STOP = frozenset(
    """
    商品房 楼盘 项目 业主 居民 住户 村民 学生 家长 老师 市民 群众 孩子 家属 地址 位置 门口 区域 片区
    学区 辖区 范围 生活 人口 密集 周边 附近 保障房 廉租房 公租房 当地 本地 外地 同一 其他 其它 相关
    有关 全体 原本 原来 现在 目前 最近 配套 安置 新建 在建 老旧 拆迁 回迁 高档 大型 小型 私人 民办
    公办 附属 设置 开设 设立 开办 修建 影响 就读于 距离 听闻 地处 位于 建议 科学 规划
    """.split()
)
# Stems or whole entities that are kinds, not names.
_GENERIC = frozenset(
    """
    物业 开发 建筑 燃气 自来水 供水 供热 热力 电力 房地产 装修 普惠 普惠性 普惠制 公立 私立 营利性
    非营利性 三甲 二甲 专科 综合 定点 中小学 民营 乡镇 中心 重点 实验 职业 培训 寄宿 外国语 眼科
    住宅 居民 封闭 开放 标志性 国际 小 大 内 外 山 界 母 护城 城乡结合部 人民政府 步行街 商业街
    菜市场 农贸市场 批发市场 城中村 自然村 行政村 贫困村 高速公路 城际铁路 水泥路 泥巴路 红绿灯路
    """.split()
)
_GENERIC_TAILS = ("天桥", "立交桥", "高架桥", "跨线桥", "十字路", "交叉路", "丁字路")
# A first character jieba may glue to a name: a conjunction (和长|平大道) or a region's tail (A市|麓山).
_GLUED = frozenset("和与及或在到从向对把被给跟同市县区镇乡省")
_BUSINESS = frozenset(
    "建设 开发 置业 股份 物业 管理 服务 投资 工程 市政 房地产 实业 发展 科技 贸易 经济 技术 有限 责任 "
    "集团 公司 控股 城投 交通 运输 公交 燃气 自来水 供水 电力 电信 移动 联通 保险 银行 有限责任 国有 资产".split()
)
_ESTATE_CITY = ("国际", "新", "花", "华", "星", "名", "之", "睿", "锦", "御", "豪", "悦", "府", "翠", "都", "汇", "商业", "旅游")


def extract_entities(text: str, exclude: Iterable[str] = ()) -> tuple[str, ...]:
    """Named places and entities of `text`, in order of first appearance, deduplicated.

    `exclude`: region names and aliases (from the gazetteer); they are neither entities
    nor part of one (高平市凤凰小区 → 凤凰小区).
    """
    excluded = frozenset(e for e in exclude if e)
    spans: list[tuple[int, int, str]] = []
    cut = 0  # the stem of a later entity may not reach before this
    for m in _SUFFIX_RE.finditer(text):
        suffix, start, end = m.group(), m.start(), m.end()
        if not _ends_name(text, suffix, end):
            continue
        lo = cut
        if spans and spans[-1][1] == start and suffix == "小区" and spans[-1][2].endswith(ESTATE):
            lo = spans[-1][0]  # 杜鹃文苑|小区: one name
        found = _entity(text, lo, start, end, suffix, excluded)
        if found:
            spans = [s for s in spans if not (found[0] <= s[0] and s[1] <= found[1])]
            spans.append(found)
            cut = found[1]
        elif suffix not in _WEAK:
            cut = end  # 小区|幼儿园: a failed suffix still ends the stem window
    return tuple(dict.fromkeys(name for _b, _e, name in spans if name not in excluded))


def _ends_name(text: str, suffix: str, end: int) -> bool:
    nxt = text[end : end + 1]
    if nxt and nxt in _NOT_AFTER.get(suffix, ""):
        return False
    return not (suffix in _OPEN_ENDED and _CJK.match(nxt) and nxt not in _NAME_CONTINUES)


def _entity(text: str, lo: int, start: int, end: int, suffix: str,
            excluded: frozenset[str]) -> tuple[int, int, str] | None:
    """(begin, end, name) of the entity whose suffix is text[start:end], or None."""
    stem = _stem(_window(text, max(lo, start - MAX_STEM), start, excluded))
    begin = start - len(stem)
    if suffix in ROAD:
        tail = _ROAD_TAIL.match(text, end)
        end = tail.end() if tail else end
    named = _is_name(stem, suffix)
    if suffix in INSTITUTION and (not named or _ORDINAL.fullmatch(stem)):
        place = _place_before(text, max(lo, begin - 8), begin, excluded)
        if place:  # named by its place: 米山镇卫生院, 油麻乡中心学校, 高平市第一中学
            return begin - len(place), end, place + stem + text[start:end]
    return (begin, end, _normal(stem, text[start:end], suffix)) if named else None


def _is_name(stem: str, suffix: str) -> bool:
    shortest = 1 if suffix in WATER else MIN_STEM  # 丹河, 沁河
    if not shortest <= len(stem) <= MAX_STEM or _is_generic(stem, suffix):
        return False
    if suffix == "城":
        return stem.endswith(_ESTATE_CITY)
    return not (suffix == "府" and stem.endswith("政"))


def _normal(stem: str, tail: str, suffix: str) -> str:
    """丽发新城小区 → 丽发新城; 雅华物业有限公司 → 雅华公司; 建设路东段 as is."""
    if suffix == "小区" and stem.endswith(ESTATE):
        return stem
    if suffix in ("公司", "有限公司"):
        words = [w for w, _f in _tags(stem)]
        while len(words) > 1 and words[-1] in _BUSINESS:
            words.pop()
        core = "".join(words)
        return (core if len(core) >= MIN_STEM else stem) + "公司"
    return stem + tail


def _place_before(text: str, lo: int, pos: int, excluded: frozenset[str]) -> str:
    """The region or township name ending at `pos`, if any."""
    chunk = text[lo:pos]
    named = [n for n in excluded if chunk.endswith(n)]
    if named:
        return max(named, key=len)
    m = _TOWNSHIP_NAME.search(chunk)
    return m.group() if m else ""


def _is_generic(stem: str, suffix: str) -> bool:
    """A kind, not a name: 物业公司, 公交线路 (线路), 住宅小区, 普惠性幼儿园, 建设开发公司."""
    if stem in _GENERIC or stem + suffix in _GENERIC or stem.endswith(suffix):  # 道路|路口
        return True
    if (stem + suffix).endswith(_GENERIC_TAILS):
        return True
    if suffix in COMPANY and all(w in _BUSINESS for w, _f in _tags(stem)):
        return True
    freq, tags = _lexicon()
    for k in range(1, min(3, len(stem)) + 1):  # the suffix glued to the stem's end is a common word
        word = stem[-k:] + suffix
        common = freq.get(word, 0) >= (1 if k == len(stem) else 20)
        if common and tags.get(word) not in _PROPER:
            return True
    return False


def _window(text: str, lo: int, start: int, excluded: frozenset[str]) -> str:
    """The Chinese characters just before `start`, cut after breaks, townships and regions."""
    window = text[lo:start]
    breaks = [m.end() for m in re.finditer(r"[^\u4e00-\u9fff]", window)]
    breaks += [m.end() for m in _TOWNSHIP_TAIL.finditer(window)]
    breaks += [window.rfind(n) + len(n) for n in excluded if n in window]
    return window[max(breaks, default=0) :]


def _stem(window: str) -> str:
    """The proper-name part at the end of `window`, read right to left by jieba tags."""
    stem = ""
    for word, flag in reversed(_tags(window)):
        part = flag.startswith(_NAME_FLAGS) or _name_part(word, flag) or (flag == "q" and stem)  # 米|山
        if word in _LEAD_STOP or not part:
            break  # a verb, pronoun, numeral, particle …: 投诉|凤凰小区, 我们|小区
        if flag in _PROPER and word.endswith(_REGION_TAIL) and len(word) > 1:
            break  # a place ending in 市/县/区: the region, not the name
        stem = word + stem
    if len(stem) >= 3 and stem[0] in _GLUED and not _lexicon()[0].get(stem[:2]):
        stem = stem[1:]
    return stem


def _name_part(word: str, flag: str) -> bool:
    """Words tagged otherwise that still belong in names: 解放 (v), 东 (f), 一 (m)."""
    if flag == "v":
        return word in _NAME_VERBS
    if flag.startswith("m") and _ORDINAL.fullmatch(word):
        return True
    return len(word) == 1 and word in "东西南北中一二三四五六七八九十"


@lru_cache(maxsize=1)
def _lexicon() -> tuple[dict[str, int], dict[str, str]]:
    import jieba.posseg

    jieba.posseg.dt.tokenizer.check_initialized()
    return jieba.posseg.dt.tokenizer.FREQ, jieba.posseg.dt.word_tag_tab


@lru_cache(maxsize=4096)
def _tags(window: str) -> tuple[tuple[str, str], ...]:
    import jieba.posseg

    return tuple((p.word, p.flag) for p in jieba.posseg.lcut(window))
