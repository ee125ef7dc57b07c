"""Whether a new item joins an existing incident: the same place and the same concrete problem.

Pure: signatures in, decisions out. A signature is a small term vector of what the problem is
(character bigrams with places and function words removed) plus the places it names. Items
sharing a concrete place (凤凰小区) need only similar wording; items naming none need the same
region and near-identical wording; items naming different places never join (the neighbouring
estate with the same complaint is another incident). Events recur for months, so an incident
stays open to new items `lookback_days` after it was last seen.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from routing import event_match
from routing.facts import UNKNOWN_TOPIC
from routing.policy import GroupingRule

MAX_TERMS = 60
# An item naming more places than this is about an area or a network (a list of roads in a
# proposal), not one place: its places do not identify it and it groups as one naming none.
MAX_PLACES = 4

# Chinese runs, and latin/alphanumeric words (pm2.5, 5g, wifi) but not bare numbers.
_TOKEN = re.compile(r"(?P<cjk>[\u4e00-\u9fff]+)|[a-z][a-z0-9.]*[a-z0-9]|\d+[a-z][a-z0-9]*")
# A letter with digits (a7, k9: masked region codes, block letters) tells no problem.
_CODE = re.compile(r"^[a-z]\d*$")
# A bigram holding one of these is a function-word fragment (的油, 我们, 这个, 了吗).
_STOP_CHARS = frozenset("的了着吗呢吧啊呀哦嘛我你他她它们这那之其么个是在和与及或也都就还又被把给对从向将让请您很已再才于并而但该此")
_STOP_BIGRAMS = frozenset(
    """
    小区 业主 居民 住户 村民 市民 群众 百姓 老百 一个 一些 一下 一直 一样 有关 相关 部门 领导 政府
    问题 反映 希望 要求 请求 恳请 尽快 解决 处理 情况 严重 影响 谢谢 您好 尊敬 书记 市长 县长 投诉 举报
    现在 目前 已经 没有 什么 为什 怎么 如何 是否 能否 可以 能够 应该 需要 这里 那里 其中 以及 而且 但是
    因为 所以 如果 虽然 然后 时候 每天 多次 今年 去年 年月 月日 一年 多年 年来 有人 自己 大家 我们 他们
    附近 周边 门口 问下 请问 咨询 关于 存在 进行 出现 发现 造成 导致 不能 不是 不到 不了 得到 看到 知道
    觉得 认为 表示 告诉 回复 答复 重视 管理 工作 有限 公司 社区 街道 地方 时间 期间 以来 以后 之前
    """.split()
)


# --- term vectors --------------------------------------------------------------------------
def terms(text: str) -> dict[str, float]:
    """Term vector of `text`: bigrams and jieba words of Chinese runs, latin words; 1 + ln tf.

    Function words and complaint boilerplate are left out; the top MAX_TERMS terms are kept
    (ties in order of appearance) so signatures stay small.
    """
    text = unicodedata.normalize("NFKC", text).lower()
    counts: Counter[str] = Counter()  # insertion order = order of appearance
    for m in _TOKEN.finditer(text):
        run = m.group("cjk")
        if run is None:
            if not _CODE.match(m.group()):
                counts[m.group()] += 1
        else:
            counts.update(b for b in (run[i : i + 2] for i in range(len(run) - 1)) if _content(b))
            counts.update(w for w in _words(run) if len(w) > 2 or len(w) == 2 and _content(w))
    return _cap({t: 1.0 + math.log(n) for t, n in counts.items()})


def _words(run: str) -> list[str]:
    """jieba words of a Chinese run: a two-character word also counted as a bigram weighs more
    than a bigram straddling two words (油烟 over 馆油)."""
    import jieba

    return jieba.lcut(run, HMM=False)


def _content(bigram: str) -> bool:
    return bigram[0] not in _STOP_CHARS and bigram[1] not in _STOP_CHARS and bigram not in _STOP_BIGRAMS


def _cap(weights: Mapping[str, float]) -> dict[str, float]:
    """The MAX_TERMS heaviest terms (stable: ties keep their order), weights rounded for JSON."""
    top = sorted(weights.items(), key=lambda kv: -kv[1])[:MAX_TERMS]
    return {t: round(w, 4) for t, w in top}


def similarity(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Cosine of two term vectors (0 when either is empty)."""
    common = a.keys() & b.keys()
    if not common:
        return 0.0
    dot = sum(a[t] * b[t] for t in common)
    return dot / (math.hypot(*a.values()) * math.hypot(*b.values()))


# --- signatures ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Signature:
    key: str  # the item's key, or the incident's (the key of its first item)
    topic: str
    regions: frozenset[str]
    entities: frozenset[str]
    terms: Mapping[str, float]
    first_seen: datetime
    last_seen: datetime
    size: int = 1
    heads: frozenset[str] = frozenset()  # what the titles are about (classifier.event_entities)
    title_terms: Mapping[str, float] = field(default_factory=dict)  # the titles' problem words


def signature_for_item(
    key: str,
    text: str,
    topic: str,
    regions: Iterable[str],
    entities: Iterable[str],
    received_at: datetime,
    title: str | None = None,
    heads: Iterable[str] = (),
) -> Signature:
    """The signature of one item; its places are cut out of the text so terms say the problem."""
    regions, entities, heads = frozenset(regions), frozenset(entities), frozenset(heads)
    text, title = cut_places(text, title or "", regions | entities | heads)
    if len(entities) > MAX_PLACES:
        entities = frozenset()
    return Signature(key, topic, regions, entities, terms(text), received_at, received_at,
                     heads=heads, title_terms=terms(title) if title.strip() else {})


def cut_places(text: str, title: str, places: Iterable[str]) -> tuple[str, str]:
    """`text` and `title` with the places cut out, longest first, then in character order: a set's
    order follows the process's hash seed, and with two overlapping places of one length
    (凤凰小区, 小区楼下) the one cut first decides the terms — each worker would group otherwise."""
    for place in sorted(set(places), key=lambda p: (-len(p), p)):
        text, title = text.replace(place, " "), title.replace(place, " ")
    return text, title


@dataclass(frozen=True)
class GroupMatch:
    key: str  # the incident joined
    score: float
    shared_entities: tuple[str, ...]
    explanation: str  # Chinese, for the coordinator


def match(item: Signature, candidates: Iterable[Signature], rule: GroupingRule) -> GroupMatch | None:
    """The incident `item` belongs to, or None: the best score, ties to the most recent."""
    best: tuple[tuple[float, datetime], float, Signature] | None = None
    # the cheap refusals before any scoring: most candidates share only an estate name with the
    # item and lie in another town or outside the lookback (whose bounds are the item's alone)
    earliest, latest = _lookback(item, rule)
    for cand in candidates:
        if cand.last_seen < earliest or cand.first_seen > latest:
            continue
        if rule.model is not None and _elsewhere(item.regions, cand.regions):
            continue
        score = _score_within(item, cand, rule)
        if score is None:
            continue
        rank = (round(score, 9), cand.last_seen)
        if best is None or rank > best[0]:
            best = (rank, score, cand)
    if best is None:
        return None
    _rank, score, cand = best
    shared = tuple(sorted(item.entities & cand.entities))
    text = explain_pair(item, cand, score, rule.model) if rule.model is not None else explain(item, cand, score)
    return GroupMatch(cand.key, round(score, 4), shared, text)


def _score_within(item: Signature, cand: Signature, rule: GroupingRule) -> float | None:
    """How alike `cand` and `item` are when `cand` takes `item` under `rule`, else None, for a
    candidate match() found within the lookback and, with a pair model, not in another town.
    With a pair model in the policy (learned over place and problem) it decides; the strict
    rule below still joins on its own."""
    strict = _strict_score(item, cand, rule)
    if rule.model is None:
        return strict
    s = pair_signals(item, cand)
    return rule.model.strength(s) if strict is not None or rule.model.joins(s) else None


def pair_signals(item: Signature, cand: Signature) -> event_match.PairSignals:
    topic = item.topic == cand.topic or UNKNOWN_TOPIC in (item.topic, cand.topic)
    return event_match.signals(item.heads, item.entities, item.terms, item.title_terms, cand.heads,
                               cand.entities, cand.terms, cand.title_terms, topic, term_weight, gap_days(item, cand))


def gap_days(item: Signature, cand: Signature) -> float:
    """Days between the item and the incident's span (0 inside it)."""
    if item.first_seen < cand.first_seen:
        return (cand.first_seen - item.first_seen).total_seconds() / 86400
    return max((item.first_seen - cand.last_seen).total_seconds() / 86400, 0.0)


@lru_cache(maxsize=1 << 16)
def term_weight(term: str) -> float:
    """How telling a term is of one problem: its inverse frequency in jieba's dictionary (a
    general count of Chinese words, not of this deployment). 严重 and 业主 weigh little, 核价
    and 竣工 much; a bigram that is no word (across two words) weighs as a rare-ish word."""
    freq, total = _dictionary()
    return min(math.log(total / (freq.get(term, 0) or UNLISTED)), MAX_WEIGHT)


UNLISTED = 200  # the count a bigram missing from the dictionary is given
MAX_WEIGHT = 14.0


@lru_cache(maxsize=1)
def _dictionary() -> tuple[Mapping[str, int], int]:
    import jieba

    jieba.dt.check_initialized()
    return jieba.dt.FREQ, jieba.dt.total


def _strict_score(item: Signature, cand: Signature, rule: GroupingRule) -> float | None:
    """The rule without a model: a shared entity and similar words, or the same regions and
    near-identical words; never across topics or across two named places."""
    if item.topic != cand.topic and UNKNOWN_TOPIC not in (item.topic, cand.topic):
        return None
    if item.entities and cand.entities:
        if not item.entities & cand.entities:
            return None  # the neighbouring estate: another incident
        if _elsewhere(item.regions, cand.regions):
            return None  # 米山镇的凤凰小区 is not 三甲镇的凤凰小区: estate names repeat across towns
        threshold = rule.min_similarity_with_entity
    elif item.regions and item.regions == cand.regions:
        threshold = rule.min_similarity_without_entity
    else:
        return None
    score = similarity(item.terms, cand.terms)
    return score if score >= threshold else None


def _elsewhere(a: frozenset[str], b: frozenset[str]) -> bool:
    """Two region sets that cannot be the same place. Signatures carry the regions above the
    ones named (see pipeline), so 高平市 ⊂ 高平市 + 米山镇 is compatible, while 米山镇 and 三甲镇
    (neither within the other) are not; an item naming no region is compatible with any."""
    return bool(a) and bool(b) and not (a <= b or b <= a)


def _within_lookback(item: Signature, cand: Signature, rule: GroupingRule) -> bool:
    """The item falls in the incident's span widened by the lookback on both sides. Items
    arrive out of order (parallel workers, backfilled history), so one received a little
    before the incident's first item is the same event, not a new one."""
    earliest, latest = _lookback(item, rule)
    return earliest <= cand.last_seen and cand.first_seen <= latest


def _lookback(item: Signature, rule: GroupingRule) -> tuple[datetime, datetime]:
    """The span an incident must touch for `item` to join it: the item's time ± the lookback."""
    window = timedelta(days=rule.lookback_days)
    return item.first_seen - window, item.first_seen + window


def explain(item: Signature, cand: Signature, score: float) -> str:
    """E.g. 同一地点「凤凰小区」，问题相近（相似度0.41：油烟、餐馆），主题同为环境保护，距上次出现37天."""
    shared = sorted(item.entities & cand.entities)
    if shared:
        place = "同一地点" + "、".join(f"「{e}」" for e in shared)
        problem = "问题相近"
    else:
        place = "同一地区" + "、".join(f"「{r}」" for r in sorted(item.regions))
        problem = "表述几乎相同"
    words = "、".join(shared_terms(item.terms, cand.terms))
    detail = f"相似度{score:.2f}" + (f"：{words}" if words else "")
    return f"{place}，{problem}（{detail}），{_topic_note(item.topic, cand.topic)}，{_gap_note(item, cand)}"


def explain_pair(item: Signature, cand: Signature, score: float, model: object = None) -> str:
    """E.g. 同一地点「中茂城」~「中贸城」（名称相似度0.67），同一问题（相似度0.52：购房、退还），
    综合相似度0.60，主题同为城乡建设，距上次出现120天."""
    s = pair_signals(item, cand)
    a, b = s.place_pair
    if s.place >= NAMED_PLACE and a:
        same = f"「{a}」" if event_match.name_key(a) == event_match.name_key(b) else f"「{a}」~「{b}」"
        place = f"同一地点{same}（名称相似度{s.place:.2f}）"
    else:
        place = "未见同一地名，表述几乎相同"
    words = "、".join(shared_terms({**item.title_terms, **item.terms}, {**cand.title_terms, **cand.terms}))
    problem = f"同一问题（相似度{max(s.problem, s.title):.2f}" + (f"：{words}）" if words else "）")
    # the learned model's score is its probability that the two are one incident
    overall = f"同一事件概率{score:.2f}" if isinstance(model, event_match.LogisticPairModel) else f"综合相似度{score:.2f}"
    return f"{place}，{problem}，{overall}，{_topic_note(item.topic, cand.topic)}，{_gap_note(item, cand)}"


NAMED_PLACE = 0.6  # name similarity at which the explanation says "the same place"


def shared_terms(a: Mapping[str, float], b: Mapping[str, float], n: int = 3) -> list[str]:
    common = sorted(set(a) & set(b), key=lambda t: (-a[t] * b[t], t))  # ties by the term: not by hash order
    return common[:n]


def _topic_note(item_topic: str, incident_topic: str) -> str:
    if item_topic == incident_topic:
        return f"主题同为{item_topic}"
    if item_topic == UNKNOWN_TOPIC:
        return f"主题为{incident_topic}（新留言{UNKNOWN_TOPIC}）"
    return f"主题为{item_topic}（原事件{UNKNOWN_TOPIC}）"


def _gap_note(item: Signature, cand: Signature) -> str:
    if item.first_seen < cand.first_seen:
        days = (cand.first_seen - item.first_seen).days
        return f"早于事件首次出现{days}天" if days >= 1 else "与事件首次出现相隔不足1天"
    days = (item.first_seen - cand.last_seen).days
    return f"距上次出现{days}天" if days >= 1 else "上次出现不足1天"


# --- incidents -----------------------------------------------------------------------------
def merge(incident: Signature, item: Signature) -> Signature:
    """The incident after `item` joined it: places united, terms averaged by size, span extended."""
    total = incident.size + item.size
    keys = list(dict.fromkeys([*incident.terms, *item.terms]))
    combined = {
        t: (incident.terms.get(t, 0.0) * incident.size + item.terms.get(t, 0.0) * item.size) / total for t in keys
    }
    topic = item.topic if incident.topic == UNKNOWN_TOPIC else incident.topic
    return Signature(
        key=incident.key,
        topic=topic,
        regions=incident.regions | item.regions,
        entities=incident.entities | item.entities,
        terms=_cap(combined),
        first_seen=min(incident.first_seen, item.first_seen),
        last_seen=max(incident.last_seen, item.last_seen),
        size=total,
        heads=incident.heads | item.heads,
        title_terms=_averaged(incident.title_terms, incident.size, item.title_terms, item.size),
    )


def _averaged(a: Mapping[str, float], na: int, b: Mapping[str, float], nb: int) -> dict[str, float]:
    keys = list(dict.fromkeys([*a, *b]))
    return _cap({t: (a.get(t, 0.0) * na + b.get(t, 0.0) * nb) / (na + nb) for t in keys})


@dataclass(frozen=True)
class Assignment:
    incidents: dict[str, Signature]  # incident key → its signature after the batch
    incident_of: dict[str, str]  # item key → incident key
    matches: dict[str, GroupMatch]  # item key → why it joined (items that opened an incident are absent)


def assign(items: Sequence[Signature], existing: Iterable[Signature], rule: GroupingRule) -> Assignment:
    """Place items, in received order, into `existing` incidents or new ones (keyed by their first item)."""
    incidents = {sig.key: sig for sig in existing}
    index: dict[object, set[str]] = {}  # entity / region set → incident keys (may hold stale keys)
    for sig in incidents.values():
        for k in _index_keys(sig):
            index.setdefault(k, set()).add(sig.key)
    incident_of: dict[str, str] = {}
    matches: dict[str, GroupMatch] = {}
    for item in sorted(items, key=lambda s: s.first_seen):
        keys = set().union(*(index.get(k, set()) for k in _lookup_keys(item)))
        found = match(item, (incidents[k] for k in sorted(keys)), rule)
        incident = merge(incidents[found.key], item) if found else item
        if found:
            matches[item.key] = found
        incidents[incident.key] = incident
        incident_of[item.key] = incident.key
        for k in _index_keys(incident):
            index.setdefault(k, set()).add(incident.key)
    return Assignment(incidents, incident_of, matches)


def group_batch(items: Sequence[Signature], rule: GroupingRule) -> dict[str, str]:
    """item key → incident key (the key of the incident's first item), in received order."""
    return assign(items, (), rule).incident_of


def _index_keys(sig: Signature) -> list[object]:
    # no region named is no place: keyed under the empty set, an item naming no region would be
    # scored against every incident naming none — a deployment's whole history of messages from
    # places its org does not know (service.incidents.signatures.places keys them alike)
    regions: list[object] = [("regions", sig.regions)] if sig.regions else []
    keys: list[object] = [("entity", e) for e in sig.entities] + regions
    keys += [("name", k) for k in name_blocks(sig)] + [("term", t) for t in term_blocks(sig)]
    return keys if sig.entities or not sig.regions else [*keys, ("bare", sig.regions)]


def _lookup_keys(item: Signature) -> list[object]:
    """The index keys that can hold the incidents `item` may join (see _score): with entities,
    those sharing one, or naming its very regions without any entity; without entities, all
    naming its very regions. Looking up every incident of the same regions would score the
    item against the whole town. Fuzzy names meet through shared character pairs of their
    names (name_blocks); an item naming no place at all, through its title's main words. No
    region named is not a region: such an item meets incidents only through names and words
    (as ingest's query does: tests/incidents/test_grouping_candidates.py)."""
    keys: list[object] = [("name", k) for k in name_blocks(item)]
    if not keys:
        keys += [("term", t) for t in term_blocks(item)]
    region = [("bare" if item.entities else "regions", item.regions)] if item.regions else []
    return keys + [("entity", e) for e in item.entities] + region


MAX_NAME_BLOCKS = 40
TERM_BLOCKS = 3


def name_blocks(sig: Signature) -> list[str]:
    """Blocking keys of fuzzy name matching: the unordered character pairs, adjacent and one
    apart, of each name's key (白鹤咀 and 白咀鹤 share all three; 中茂城 and 中贸城 share 中城).
    Two names similar by event_match.name_similarity (a Dice of their characters) almost
    always share one, and a pair of characters is rare enough to keep the candidates few."""
    return list(_name_blocks(sig.heads | sig.entities))


@lru_cache(maxsize=1 << 16)
def _name_blocks(names: frozenset[str]) -> tuple[str, ...]:
    # per set of names: an incident's are indexed again after each item it takes, and a worker
    # meets the same candidates batch after batch
    out: dict[str, None] = {}
    for name in sorted(names):
        k = event_match.name_key(name)
        for i in range(len(k) - 1):
            for j in (i + 1, i + 2):
                if j < len(k):
                    out["".join(sorted(k[i] + k[j]))] = None
    return tuple(out)[:MAX_NAME_BLOCKS]


def term_blocks(sig: Signature) -> list[str]:
    """The title's heaviest problem words: how an item naming no place finds its incident."""
    return [t for t, _w in sorted(sig.title_terms.items(), key=lambda kv: -kv[1])[:TERM_BLOCKS]]
