"""Whether two signatures report one incident: the place, the problem, a learned weighing; pure.

Three signals per pair (issue 16): the *place* (title heads and entities, compared fuzzily so
that 中茂城/中贸城 and 白鹤咀/白咀鹤 meet), the *problem* (term vectors of the complaint with the
places cut out, of the text and of the title), and *time* (routing.grouping checks the long
lookback; recurrence after quiet months is normal, so the gap is not weighed here). Thresholds
learned from labelled pairs (bench/events_train.py, with cross-validation) decide; they live in
the policy (grouping.model), so a deployment re-learns them on its own labelled history and its
coordinators' merges and splits (service.learning.merge_pairs) without touching code.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# Generic tails cut off before comparing names: 凤凰小区 ~ 凤凰, 美聚龙楚公司 ~ 美聚龙楚.
_TAILS = tuple(sorted(
    "小区 花园 家园 公司 有限公司 集团 项目 楼盘 二期 三期 一期 四期 五期 社区 公园 新村".split(), key=len, reverse=True))


# Generic parts of names: two names sharing only these (厚海玉龙国际 / 中海国际社区) are two places.
_GENERIC_PARTS = re.compile(
    "国际|社区|新城|花园|广场|中心|家园|大厦|公寓|实验|学校|幼儿园|小学|中学|有限|科技|信息|网络|集团|股份"
    "|地产|开发|置业|实业|发展|商贸|建设|工程|管理|服务|投资")


@lru_cache(maxsize=1 << 16)
def name_key(name: str) -> str:
    """A name as compared: NFKC, lower case, generic tails cut (kept when nothing else is left)."""
    name = unicodedata.normalize("NFKC", name).lower().strip()
    if len(name) > 3 and name[0] in "区市县":
        name = name[1:]  # a name cut after a region's first character (A3区金路小区 → 区金路)
    for tail in _TAILS:
        if name.endswith(tail) and len(name) - len(tail) >= 2:
            return name[: -len(tail)]
    return name


def _core(name: str) -> str:
    core = _GENERIC_PARTS.sub("", name)
    return core if len(core) >= 2 else name


# The kind a name's suffix says: a hospital, an estate and a road of one name are three places.
_KINDS = (
    ("estate", ("小区", "花园", "家园", "新村", "公寓", "山庄", "公馆", "大厦", "苑", "府")),
    ("road", ("大道", "路", "街", "巷", "胡同")),
    ("village", ("社区", "村")),
    ("school", ("幼儿园", "小学", "中学", "大学", "学院", "学校", "附中")),
    ("hospital", ("卫生院", "卫生室", "医院", "诊所")),
    ("company", ("公司", "集团", "工厂", "厂", "酒店", "宾馆", "加油站", "银行", "行")),
    ("market", ("农贸市场", "市场", "商场", "超市")),
    ("park", ("公园", "广场", "景区")),
)


def kind(name: str) -> str | None:
    for k, suffixes in _KINDS:
        if name.endswith(suffixes):
            return k
    return None


@lru_cache(maxsize=1 << 18)
def name_similarity(a: str, b: str) -> float:
    """Dice overlap of the characters of two names, order ignored (白鹤咀 = 白咀鹤, 中茂城 ~ 中贸城
    0.67); a name held whole in the other (王陵国家考古公园 in 国王陵国家考古公园) counts 0.9 at least."""
    ka, kb = kind(a), kind(b)
    if ka and kb and ka != kb:
        return 0.0  # 锦绣医院 is not 锦绣小区
    da, db = _DIGITS.findall(a), _DIGITS.findall(b)
    if da and db and da != db:
        return 0.0  # 805路 is not 808路, 3号线 not 4号线
    a, b = _core(name_key(a)), _core(name_key(b))
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 2 and short in long_:
        return 0.9
    a, b = _distinct(a, b)
    common = sum((Counter(a) & Counter(b)).values())
    return 2 * common / (len(a) + len(b))


def _distinct(a: str, b: str) -> tuple[str, str]:
    """Two names without the leading part of two characters or more they share (a township, a
    developer: 星沙万科城 and 星沙中茂城 are 万科城 and 中茂城), each keeping KEPT characters."""
    n = 0
    while n < min(len(a), len(b)) - KEPT and a[n] == b[n]:
        n += 1
    return (a[n:], b[n:]) if n >= 2 else (a, b)


KEPT = 3  # characters of each name kept after a shared lead (中茂城 of 星沙中茂城)


_DIGITS = re.compile(r"\d+")


def best_pair(a: Iterable[str], b: Iterable[str]) -> tuple[float, str, str]:
    """The most similar pair of names across two sets: (similarity, name in a, name in b)."""
    best = (0.0, "", "")
    bs = list(b)
    for x in a:
        for y in bs:
            s = name_similarity(x, y)
            if s > best[0]:
                best = (s, x, y)
    return best


MIN_SHARED = 2  # terms two complaints must share to be about one problem at all


def cosine(a: Mapping[str, float], b: Mapping[str, float], weight: Callable[[str], float] | None = None) -> float:
    """Cosine of two term vectors, each term scaled by `weight` (how telling it is) if given;
    0 when they share fewer than MIN_SHARED terms (one common word is no common problem)."""
    common = a.keys() & b.keys()
    if len(common) < MIN_SHARED:
        return 0.0
    w = weight or (lambda _t: 1.0)
    dot = sum(a[t] * b[t] * w(t) ** 2 for t in common)
    na = math.sqrt(sum((v * w(t)) ** 2 for t, v in a.items()))
    nb = math.sqrt(sum((v * w(t)) ** 2 for t, v in b.items()))
    return dot / (na * nb) if na and nb else 0.0


@dataclass(frozen=True)
class PairSignals:
    place: float  # best fuzzy match of any names (title heads and entities) of the two
    head: float  # best fuzzy match of the title heads alone (what the titles are about)
    problem: float  # cosine of the text terms, places cut out, telling terms weighing more
    title: float  # the same of the title terms
    named_both: bool  # both name some place (title heads or entities)
    topic: bool  # the topics agree (or one is unknown)
    place_pair: tuple[str, str] = ("", "")
    shared: int = 0  # names of the item matching some name of the other (estate, road, builder …)
    gap_days: float = 0.0  # days between the item and the other's nearest item
    titled: float = 0.0  # best match of names where one side is a title head (the place a title is about)

    @property
    def words(self) -> float:
        return max(self.problem, self.title)

    @property
    def specific(self) -> float:
        """How specific the best common name is: a long name (万润滨江天著) is one place, a short
        one (东方) many; 0 … 1 over 2 … 8 characters of the compared core."""
        if self.place < NAMED:
            return 0.0
        core = min((_core(name_key(n)) for n in self.place_pair), key=len)
        return min(max(len(core) - 2, 0) / 6, 1.0)


NAMED = 0.6  # name similarity at which two names count as one place


def signals(heads_a: frozenset[str], names_a: frozenset[str], terms_a: Mapping[str, float],
            title_a: Mapping[str, float], heads_b: frozenset[str], names_b: frozenset[str],
            terms_b: Mapping[str, float], title_b: Mapping[str, float], same_topic: bool = True,
            weight: Callable[[str], float] | None = None, gap_days: float = 0.0) -> PairSignals:
    place, pa, pb, head, titled, shared = 0.0, "", "", 0.0, 0.0, 0
    # sorted: of equally similar name pairs the first in this order is kept, whatever the
    # process's hash seed (set order would make the features, and a retrain, vary run to run)
    names_b_all = sorted(heads_b | names_b)
    for x in sorted(heads_a | names_a):  # one pass over the name pairs: each similarity computed once
        x_head, matched = x in heads_a, False
        for y in names_b_all:
            sim = name_similarity(x, y)
            if sim > place:
                place, pa, pb = sim, x, y
            if x_head or y in heads_b:
                titled = max(titled, sim)
                if x_head and y in heads_b:
                    head = max(head, sim)
            matched = matched or sim >= NAMED
        shared += matched
    named_both = bool((heads_a | names_a) and names_b_all)
    return PairSignals(place, head, cosine(terms_a, terms_b, weight), cosine(title_a, title_b, weight), named_both,
                       same_topic, (pa, pb), shared, gap_days, titled)


@dataclass(frozen=True)
class PairModel:
    """When two items are one incident, as thresholds learned from labelled pairs
    (bench/events_train.py, cross-validated):

    - the same place (a name similarity of `place_min` or more) and the same problem: a problem
      similarity of `problem_with_place` (low: the same person writes again months later in
      other words);
    - no common place: never when both name places (the neighbouring estate, a copied template
      with another estate's name); when one names none, near-identical wording
      (`problem_without_place`).
    """

    place_min: float
    problem_with_place: float
    problem_without_place: float

    def joins(self, s: PairSignals) -> bool:
        if s.place >= self.place_min:
            return s.words >= self.problem_with_place
        return not s.named_both and s.words >= self.problem_without_place

    @staticmethod
    def strength(s: PairSignals) -> float:
        """How alike the two are (place and problem equally), to rank the incidents an item may join."""
        return round((s.place + s.words) / 2, 4)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PairModel:
        values = {k: float(data[k]) for k in ("place_min", "problem_with_place", "problem_without_place")}
        bad = [k for k, v in values.items() if not 0 <= v <= 1]
        if bad:
            raise ValueError(f"grouping.model.{bad[0]}: must be between 0 and 1")
        return cls(**values)

    def to_dict(self) -> dict[str, float]:
        return {"place_min": self.place_min, "problem_with_place": self.problem_with_place,
                "problem_without_place": self.problem_without_place}


# --- the learned pair model (logistic regression over the signals) --------------------------
FEATURES = ("place", "head", "titled", "problem", "title", "place_x_words", "titled_x_words", "named_both", "topic",
            "shared", "specific", "gap")
TEMPLATE_WORDS = 0.5  # near-identical wording with different places named: a copied template


def features(s: PairSignals) -> tuple[float, ...]:
    """The signals as the logistic model reads them, in the order of FEATURES, each in 0 … 1."""
    return (s.place, s.head, s.titled, s.problem, s.title, s.place * s.words, s.titled * s.words,
            float(s.named_both), float(s.topic),
            min(s.shared, 3) / 3, s.specific, math.log1p(max(s.gap_days, 0.0)) / math.log1p(365))


@dataclass(frozen=True)
class LogisticPairModel:
    """P(one incident) = σ(bias + Σ weight·feature), learned from labelled pairs (bench/events_train.py:
    logistic regression, grouped cross-validation; the threshold chosen on clustering the
    training folds). A pair naming two different places with near-identical wording is a template
    copied for another estate and never joins, whatever the weights (issue 16)."""

    weights: tuple[float, ...]
    bias: float
    threshold: float

    def probability(self, s: PairSignals) -> float:
        z = self.bias + sum(w * x for w, x in zip(self.weights, features(s), strict=True))
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))

    def joins(self, s: PairSignals) -> bool:
        if s.named_both and s.place < NAMED and s.words >= TEMPLATE_WORDS:
            return False
        return self.probability(s) >= self.threshold

    def strength(self, s: PairSignals) -> float:
        return round(self.probability(s), 4)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LogisticPairModel:
        raw = data["weights"]
        if not isinstance(raw, Mapping) or set(raw) != set(FEATURES):
            raise ValueError(f"grouping.model.weights: one weight for each of {', '.join(FEATURES)}")
        threshold = float(data["threshold"])
        if not 0 < threshold < 1:
            raise ValueError("grouping.model.threshold: must be between 0 and 1")
        return cls(tuple(float(raw[f]) for f in FEATURES), float(data["bias"]), threshold)

    def to_dict(self) -> dict[str, Any]:
        return {"weights": {f: round(w, 4) for f, w in zip(FEATURES, self.weights, strict=True)},
                "bias": round(self.bias, 4), "threshold": round(self.threshold, 6)}


AnyPairModel = PairModel | LogisticPairModel


def model_from_dict(data: Mapping[str, Any]) -> AnyPairModel:
    """The model a policy's grouping.model describes: weights (logistic) or thresholds."""
    return LogisticPairModel.from_dict(data) if "weights" in data else PairModel.from_dict(data)
