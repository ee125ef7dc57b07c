"""Severity of an item from its text: the triggers of rules.md, with words kept in YAML.

Each trigger raises the level to its own (重大 for all packaged ones); casualty counts
("3人死亡", "造成十人遇难", "受伤12人", "3死12伤") raise it by the thresholds in the YAML.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from classifier.base import SeverityAssessment
from classifier.keywords import fold, trie_regex
from classifier.normalize import normalize
from routing.facts import SEVERITY_RANK, Severity

if TYPE_CHECKING:
    from classifier.features import Tokenizer

DEFAULT_RULES = "severity.yaml"
CASUALTIES = "casualties"


@dataclass(frozen=True)
class Trigger:
    key: str
    label: str
    level: Severity
    words: re.Pattern[str]
    scale_words: re.Pattern[str] | None = None  # fire only for a hot topic or tag
    hot: frozenset[str] = frozenset()
    # ordinary wordings: a word of every group in one clause (多名学生 … 发热)
    combos: tuple[tuple[re.Pattern[str], ...], ...] = ()


@dataclass(frozen=True)
class CasualtyLevel:
    level: Severity
    deaths: int
    injured: int


@dataclass(frozen=True)
class SeverityRules:
    default: Severity
    triggers: dict[str, Trigger]
    emergency: frozenset[str]
    negation: re.Pattern[str]  # before a hit: 未造成, 一旦发生 …
    hazard: re.Pattern[str]  # after a hit: 隐患, 风险 …
    verification_trigger: str
    casualty_label: str
    casualty_levels: tuple[CasualtyLevel, ...]  # highest first
    casualty_topics: dict[str, str]  # topic → trigger a casualty report on it also fires

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SeverityRules:
        triggers = {key: _trigger(key, raw) for key, raw in (data.get("triggers") or {}).items()}
        cas = data.get("casualties") or {}
        levels = tuple(
            CasualtyLevel(Severity(x["level"]), int(x["deaths"]), int(x["injured"])) for x in cas.get("levels") or ()
        )
        rules = cls(
            default=Severity(data.get("default", Severity.GENERAL)),
            triggers=triggers,
            emergency=frozenset(data.get("emergency_triggers") or ()),
            negation=_negation_regex(data.get("negations") or ()),
            hazard=_alternation(data.get("hazard_suffixes") or ()),
            verification_trigger=data.get("verification_trigger", "superior_demand"),
            casualty_label=cas.get("label", "人员伤亡"),
            casualty_levels=tuple(sorted(levels, key=lambda c: -SEVERITY_RANK[c.level])),
            casualty_topics=dict(cas.get("topic_triggers") or {}),
        )
        named = {rules.verification_trigger, *rules.casualty_topics.values(), *rules.emergency}
        if missing := named - set(triggers):
            raise ValueError(f"severity rules name unknown triggers: {sorted(missing)}")
        return rules


def _trigger(key: str, raw: dict[str, Any]) -> Trigger:
    scale = [fold(str(w)) for w in raw.get("scale_words") or ()]
    return Trigger(
        key=key,
        label=raw.get("label", key),
        level=Severity(raw.get("level", Severity.MAJOR)),
        words=trie_regex(fold(str(w)) for w in raw.get("words") or ()),
        scale_words=trie_regex(scale) if scale else None,
        hot=frozenset(raw.get("hot") or ()),
        combos=tuple(tuple(trie_regex(fold(str(w)) for w in group) for group in combo)
                     for combo in raw.get("combos") or ()),
    )


def _alternation(words: Iterable[str]) -> re.Pattern[str]:
    alts = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) or r"(?!x)x"
    return re.compile(f"(?:{alts})")


def _negation_regex(words: Iterable[str]) -> re.Pattern[str]:
    # A negation right before the hit, optionally with a filler: 未造成(任何)人员伤亡, 无伤亡.
    return re.compile(_alternation(words).pattern + "(?:任何|人员|重大|明显)?$")


def load_rules(path: str | Path | None = None) -> SeverityRules:
    if path is None:
        return _packaged_rules()
    return SeverityRules.from_dict(yaml.safe_load(Path(path).read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def _packaged_rules() -> SeverityRules:
    text = resources.files("classifier.data").joinpath(DEFAULT_RULES).read_text(encoding="utf-8")
    return SeverityRules.from_dict(yaml.safe_load(text))


# --- casualty numbers ---------------------------------------------------------------------
_CN_DIGITS = {ch: i for i, ch in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_VAGUE = {"数十": 10, "几十": 10, "数百": 100, "几百": 100, "上百": 100, "上千": 1000}
_NUM = r"(\d+|数十|几十|数百|几百|上百|上千|[零〇一二两三四五六七八九十百千万]+)"
_DEATH = "死亡|遇难|身亡|丧生|罹难|殒命|丧命|死"
_HURT = "受伤|重伤|轻伤|伤亡|伤"
_BEFORE = re.compile(_NUM + r"(?:多|余)?(?:人|名|位|个人)[^\d，。；！？,.;!?\s]{0,4}?(" + _DEATH + "|" + _HURT + ")")
_AFTER = re.compile("(" + _DEATH + "|" + _HURT + r")(?:人数)?(?:达|为|升至|增至|上升至|已达)?" + _NUM + r"(?:多|余)?(?:人|名|位)")
_PAIR = re.compile(_NUM + "死" + _NUM + "伤")


def parse_number(s: str) -> int:
    """Arabic or Chinese numerals: 12, 十二, 二十, 一百零三, 两千, 数十 (→ 10, a lower bound)."""
    if s.isdigit():
        return int(s)
    if s in _VAGUE:
        return _VAGUE[s]
    total, cur = 0, 0
    for ch in s:
        if ch in _CN_DIGITS:
            cur = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (cur or 1) * _CN_UNITS[ch]
            cur = 0
        elif ch == "万":
            total, cur = (total + cur) * 10000, 0
    return total + cur


def count_casualties(text: str) -> tuple[int, int]:
    """(deaths, injured) reported in `text`: the largest figure of each (reports repeat)."""
    deaths, injured = 0, 0
    found = [(m.group(1), m.group(2)) for m in _BEFORE.finditer(text)]
    found += [(m.group(2), m.group(1)) for m in _AFTER.finditer(text)]
    for m in _PAIR.finditer(text):
        found += [(m.group(1), "死"), (m.group(2), "伤")]
    for number, kind in found:
        n = parse_number(number)
        if re.fullmatch(_DEATH, kind):
            deaths = max(deaths, n)
        else:
            injured = max(injured, n)
    return deaths, injured


# --- assessment ---------------------------------------------------------------------------
def find_words(text: str, pattern: re.Pattern[str], rules: SeverityRules) -> list[str]:
    """Distinct words of `pattern` in `text`, in order, skipping negated or hazard-only hits."""
    words: list[str] = []
    for m in pattern.finditer(text):
        word, start, end = m.group(), m.start(), m.end()
        if word in words or rules.hazard.match(text, end):
            continue
        if not rules.negation.search(text, max(0, start - 8), start):
            words.append(word)
    return words


_CLAUSE = re.compile(r"[。！？!?；;\n]+")


def find_combo(text: str, trig: Trigger, rules: SeverityRules) -> list[str] | None:
    """The words of the first combo whose every group is hit in one clause, else None."""
    for clause in _CLAUSE.split(text):
        for combo in trig.combos:
            words = [find_words(clause, group, rules) for group in combo]
            if all(words):
                return [w[0] for w in words]
    return None


def _quote(words: Iterable[str]) -> str:
    return "".join(f"“{w}”" for w in words)


def _casualty_level(rules: SeverityRules, deaths: int, injured: int) -> Severity | None:
    for c in rules.casualty_levels:
        if deaths >= c.deaths or injured >= c.injured:
            return c.level
    return None


def assess_severity(
    text: str,
    *,
    topic: str | None = None,
    tags: Iterable[str] = (),
    verification_request: bool = False,
    rules: SeverityRules | None = None,
    learned: bool = True,
    cut: Tokenizer | None = None,
) -> SeverityAssessment:
    """Severity level, the triggers that fired and why; the default level when none fired.

    `learned`: also ask the learned signal (classifier.severity_model) when the rules saw nothing:
    no trigger fired (要求核实处置 included) and no trigger word was set aside as negated; `cut`:
    the topic model's tokenizer, so that the learned signal reads the words the triage already cut.
    """
    rules = rules or load_rules()
    folded = fold(normalize(text))
    hot_names = {name for name in (topic, *tags) if name is not None}
    fired: dict[str, Severity] = {}
    reasons: list[str] = []
    ruled_out = False  # a trigger word negated or only a hazard (未造成伤亡, 火灾隐患): the rules decided
    for key, trig in rules.triggers.items():
        words = find_words(folded, trig.words, rules)
        ruled_out = ruled_out or (not words and trig.words.search(folded) is not None)
        if words:
            fired[key] = trig.level
            reasons.append(f"{trig.label}：命中{_quote(words)}")
        elif trig.combos and (combo := find_combo(folded, trig, rules)):
            fired[key] = trig.level
            reasons.append(f"{trig.label}：同一句中命中{'+'.join(f'“{w}”' for w in combo)}")
        hot = sorted(hot_names & trig.hot)
        if hot and trig.scale_words and (scale := find_words(folded, trig.scale_words, rules)):
            fired[key] = trig.level
            reasons.append(f"{trig.label}：热点民生（{'、'.join(hot)}）且命中{_quote(scale)}")
    if verification_request:
        trig = rules.triggers[rules.verification_trigger]
        fired[trig.key] = trig.level
        reasons.append(f"{trig.label}：上级要求核实处置")
    _casualties(rules, folded, topic, fired, reasons)
    if learned and not fired and not ruled_out:  # only where the rules saw nothing at all
        _learned(rules, text, fired, reasons, cut)
    level = max((rules.default, *fired.values()), key=SEVERITY_RANK.__getitem__)
    return SeverityAssessment(level, tuple(fired), tuple(reasons), bool(rules.emergency & fired.keys()))


def _learned(rules: SeverityRules, text: str, fired: dict[str, Severity], reasons: list[str],
             cut: Tokenizer | None) -> None:
    """The learned signal, when the rules found no grave trigger: its trigger and its words."""
    from classifier.severity_model import packaged_model

    signal = packaged_model(cut).signal(text)
    if signal is None or signal.trigger not in rules.triggers:
        return
    trig = rules.triggers[signal.trigger]
    fired[trig.key] = trig.level
    reasons.append(f"{trig.label}：学习模型判断（概率{signal.probability:.2f}），依据词语{_quote(signal.words)}")


def _casualties(rules: SeverityRules, text: str, topic: str | None, fired: dict[str, Severity],
                reasons: list[str]) -> None:
    deaths, injured = count_casualties(text)
    level = _casualty_level(rules, deaths, injured)
    if level is None:
        return
    fired[CASUALTIES] = level
    counts = "、".join(f"{k}{n}人" for k, n in (("死亡", deaths), ("受伤", injured)) if n)
    reasons.append(f"{rules.casualty_label}：{counts}，达到{level}标准")
    if (key := rules.casualty_topics.get(topic or "")) and key not in fired:
        fired[key] = rules.triggers[key].level
        reasons.append(f"{rules.triggers[key].label}：{topic}事件有人员伤亡")
