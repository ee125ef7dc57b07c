"""The place a message's title is about, read without the org's gazetteer; pure.

Real titles name the place first: "<lead verb> <region> <place> <problem>" (投诉A市农商行乱扣月供,
A5区保利大都汇违规调规, 坚决反对在A7县诺亚山林小区门口设置医院). Estate and project names often
carry no suffix (万润滨江天著, 美麓阳光, 保利大都汇) and the org's gazetteer never knows them all, so
the suffix rules of classifier.entities miss them. The *head* of a title is what follows the
lead verbs and region names, up to the first verb, adverb, particle or complaint word: the
place, often with a word or two of the problem. Heads are compared fuzzily (routing.event_match),
so 中茂城/中贸城 or 白鹤咀/白咀鹤 still meet.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

MAX_HEAD = 10  # characters: a head longer than this has run into the problem
MIN_HEAD = 2

# Masked regions of the sample data (A市, A4区, A7县) and real ones ending in 省/市/县/区 at the start.
_REGION = re.compile(r"^(?:[A-Z]\d*(?:市|区|县)+|[\u4e00-\u9fff]{1,3}(?:省|市|县)|[\u4e00-\u9fff]{2}区(?!小))")
_LEADS = tuple(sorted(
    """
    反映 投诉 举报 请问 问问 咨询 关于 建议 请求 恳请 希望 质疑 坚决反对 强烈反对 反对 控告 控诉 说说
    呼吁 请解决 请求解决 建议解决 解决 请 再次反映 再次 又一次 给 对 在 我觉得 为什么 强烈要求 要求 严惩 问一下 求助 紧急求助
    """.split(), key=len, reverse=True))
# Tags that end a head: verbs, adverbs, prepositions, pronouns, particles, conjunctions, punctuation.
_STOP_FLAGS = ("v", "d", "p", "r", "u", "c", "x", "y", "e", "o", "t", "ad", "a", "f")
_KEEP_VERBS = frozenset("解放 振兴 前进 跃进 奋进 创业 建新 兴业 迎宾 发展 繁荣".split())
_PARTICLES = frozenset("的了在和与及对被把将等向从给让由于为是有无很也都就还又吗呢吧啊我你他她它")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# Nouns of complaints, not of places: a head stops before them.
_PROBLEM = frozenset(
    """
    业主 居民 住户 村民 市民 群众 学生 家长 老师 员工 工人 职工 问题 情况 质量 建筑 房屋 噪音 噪声 油烟 垃圾
    交房 精装 装修 全装修 开发商 物业 物业费 施工 工程 工地 规划 建设 拆迁 停车 路灯 出口 出入口 违建 违章
    恶性 安全 隐患 污染 环境 消防 价格 费用 工资 欠款 资金 合同 虚假 宣传 诈骗 扰民 门口 门前 周边 附近 旁边 楼下
    何时 什么 怎么 如何 为何 为什么 能否 是否 小区 项目 楼盘 一期 二期 三期 四期 五期 部门 政府 领导 相关 有关 事宜 进展 审批 证明 办理 手续 用地
    """.split()
)


def title_heads(title: str | None, exclude: Iterable[str] = ()) -> tuple[str, ...]:
    """The head of each clause of `title` (a title may have two: …A市庆和里路、太平路的问题…)."""
    if not title:
        return ()
    text = unicodedata.normalize("NFKC", title)
    for name in sorted({e for e in exclude if e}, key=lambda e: (-len(e), e)):
        text = text.replace(name, "，")
    heads = (_head(part) for part in re.split(r"[，,。！!？?；;：:、“”\"'（）()\s]+", text))
    return tuple(dict.fromkeys(h for h in heads if h))


def _head(clause: str) -> str:
    rest = _strip_leads(clause)
    out = ""
    for word, flag in _tags(rest):
        if _ends_head(word, flag, bool(out)):
            if out:
                break
            continue  # a stray lead word before the place (在, 的)
        out += word
        if len(out) >= MAX_HEAD:
            break
    out = out[:MAX_HEAD]
    return out if len(out) >= MIN_HEAD and not out.isdigit() and not _generic(out) else ""


_TOWNSHIP = re.compile(r"^[\u4e00-\u9fff]{1,4}(?:街道|镇|乡|办事处)$")


def _generic(head: str) -> bool:
    """A common word (教师, 消费者, 基础设施) or a township (西湖街道): not a place of one event."""
    if _TOWNSHIP.match(head):
        return True
    words = _tags(head)
    if len(words) != 1:
        return False
    word, flag = words[0]
    return flag not in ("ns", "nz", "nt", "nr", "nrt") and _freq(word) >= _COMMON


_COMMON = 50  # jieba dictionary count above which a word is common


def _freq(word: str) -> int:
    import jieba

    jieba.dt.check_initialized()
    return jieba.dt.FREQ.get(word, 0)


def _ends_head(word: str, flag: str, started: bool) -> bool:
    """A complaint word, a verb, adverb … of two or more characters, or a particle. jieba cuts
    a name it does not know into single characters with any tag (樃|梨|领|东|汇), so a single
    character never ends a head unless it is a particle or punctuation."""
    if word in _PROBLEM:
        return True
    if len(word) == 1:
        return word in _PARTICLES or not _CJK.match(word) and not word.isalnum()
    if started and word == "之" or not started and flag == "a":  # 魅力之城; 辉煌国际城
        return False
    return flag.startswith(_STOP_FLAGS) and word not in _KEEP_VERBS


def _strip_leads(clause: str) -> str:
    """Lead verbs and region names, in any order, off the front (投诉A市…, A市A3区…, 请A市加快…)."""
    changed = True
    while changed and clause:
        changed = False
        for lead in _LEADS:
            if clause.startswith(lead):
                clause, changed = clause[len(lead):], True
                break
        m = _REGION.match(clause)
        if m:
            clause, changed = clause[m.end():], True
    return clause


@lru_cache(maxsize=8192)
def _tags(text: str) -> tuple[tuple[str, str], ...]:
    import jieba.posseg

    return tuple((p.word, p.flag) for p in jieba.posseg.lcut(text))
