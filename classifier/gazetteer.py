"""Places and units named in a text, from the organisation's own names; pure given the org.

Place recognition is screened (classifier.places): a region alias inside a longer dictionary
word (长治久安, 神农架) or a name the org lists as outside, a name right after another
province's or city's name (北京市东城街道) and an alias followed by the wrong level (凤城市 for
凤城镇) name no region of ours, and say so in `Mentions.notes`. A bare department alias right
after a region that has no such department (陵川县财政局 when 陵川县 has none modelled) is not
moved up to another level: the region stays, and a note says the body is not modelled.

One trie-shaped regex matches every surface form leftmost-longest, without overlaps:
region names and aliases, the bodies of a region (高平市人民政府 → 高平市), department full
names, qualified forms "<region or alias><department alias>" (高平教育局, 阳城县城管) and bare
department aliases (教育局, 市教育局). A bare alias is resolved by context: the lowest region
the text names, walking up its ancestors (the home region when none is named); a leading
市/县/区/镇 hints the level. Common words that contain a region alias block it (河西走廊).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from classifier.keywords import Trie
from classifier.places import screen, unmodelled_note
from routing.orgchart import LEVEL_RANK, Level, OrgChart, Region

# Aliases too common to stand alone (they still qualify: 城区教育局).
AMBIGUOUS_ALIASES = frozenset({"城区", "市区", "郊区", "矿区", "新区", "县城", "开发区", "高新区", "老城区"})
# Words that contain a region alias without naming the region; matched and dropped.
STOPWORDS = (
    "河西走廊", "河东狮吼", "黄河", "老城区", "新城区", "主城区", "城区内", "城区外", "东城门", "西城门",
)
LEVEL_HINTS = ("省", "市", "县", "区", "镇", "乡")
# Two characters ending in a hint character that are a word of their own (小区教育局 is no hint).
HINT_WORDS = frozenset(
    {"小区", "社区", "园区", "景区", "校区", "营区", "城市", "超市", "都市", "集市", "门市", "股市", "城镇", "乡镇", "村镇", "集镇", "古镇"}
)
BODY_FIELDS = ("government", "office", "propaganda", "party_committee", "leader")


@dataclass(frozen=True)
class Mentions:
    regions: tuple[str, ...] = ()  # full names, in order of first mention
    departments: tuple[str, ...] = ()
    surfaces: tuple[tuple[str, str], ...] = ()  # (surface form, full name)
    notes: tuple[str, ...] = ()  # why a name was not taken as ours, bodies the org does not model


class _Entry(NamedTuple):
    kind: str  # region | dept | bare | stop | outside
    target: str  # full name (region, dept) or the bare alias
    hint: str = ""  # level hint of a bare alias


class Gazetteer:
    def __init__(self, org: OrgChart, entries: dict[str, _Entry]):
        self.org = org
        self._entries = entries
        self._pattern = re.compile(trie_pattern(entries))
        # (region, dept alias) → department full name
        self._local: dict[tuple[str, str], str] = {
            (d.region, a): d.name for d in org.departments.values() for a in d.aliases
        }

    @classmethod
    def from_org(cls, org: OrgChart, stopwords: Iterable[str] = STOPWORDS) -> Gazetteer:
        return cls(org, _build_entries(org, stopwords))

    # --- matching ------------------------------------------------------------------------
    def find(self, text: str) -> Mentions:
        hits = [(m.start(), m.group(), self._entries[m.group()]) for m in self._pattern.finditer(text)]
        hits, notes = screen(self.org, self._entries, text, hits)
        context = self._context(hits)
        regions: dict[str, None] = {}
        depts: dict[str, None] = {}
        surfaces: dict[tuple[str, str], None] = {}
        ends = {pos + len(surface): entry for pos, surface, entry in hits if entry.kind == "region"}
        for pos, surface, entry in hits:
            if entry.kind in ("stop", "outside"):
                continue
            if entry.kind == "bare":
                qualifier = ends.get(pos)
                if qualifier is not None and self.org.regions[qualifier.target].level is not Level.TOWNSHIP:  # 陵川县|财政局: that region's body, or none modelled
                    target = self._local.get((qualifier.target, entry.target))
                    if target is None:
                        notes.append(unmodelled_note(self.org, qualifier.target, entry.target))
                        continue
                else:
                    target = self._resolve_bare(entry, pos, text, context)
                if target is None:
                    continue
            else:
                target = entry.target
            (regions if entry.kind == "region" else depts)[target] = None
            surfaces[(surface, target)] = None
        return Mentions(tuple(regions), tuple(depts), tuple(surfaces), tuple(dict.fromkeys(notes)))

    def _context(self, hits: list[tuple[int, str, _Entry]]) -> list[tuple[int, str]]:
        """(position, region) of every named region and of every named department's region."""
        out = []
        for pos, _surface, entry in hits:
            if entry.kind == "region":
                out.append((pos, entry.target))
            elif entry.kind == "dept":
                out.append((pos, self.org.departments[entry.target].region))
        return out

    def _resolve_bare(self, entry: _Entry, pos: int, text: str, context: list[tuple[int, str]]) -> str | None:
        hint = entry.hint
        if hint and text[max(pos - 1, 0) : pos + 1] in HINT_WORDS:
            hint = ""
        order = _context_order(self.org, pos, context) or [self.org.home]
        for use_hint in ([hint, ""] if hint else [""]):
            for region in order:
                found = self._up_chain(region, entry.target, use_hint)
                if found:
                    return found
        return None

    def _up_chain(self, region: str, alias: str, hint: str) -> str | None:
        for r in reversed(self.org.ancestors(region)):
            if hint and not r.name.endswith(hint):
                continue
            dept = self._local.get((r.name, alias))
            if dept:
                return dept
        return None


# --- building ------------------------------------------------------------------------------
def _build_entries(org: OrgChart, stopwords: Iterable[str]) -> dict[str, _Entry]:
    """Surface → entry; later layers override earlier ones (full names win over aliases)."""
    entries: dict[str, _Entry] = {}
    bare = {a for d in org.departments.values() for a in d.aliases}
    for alias in bare:  # 教育局, 市教育局, 县教育局 …
        entries[alias] = _Entry("bare", alias)
        entries.update({h + alias: _Entry("bare", alias, h) for h in LEVEL_HINTS})
    for alias, owner in _region_aliases(org).items():
        if alias not in AMBIGUOUS_ALIASES:
            entries[alias] = _Entry("region", owner)
    entries.update({w: _Entry("stop", "") for w in stopwords})
    entries.update({w: _Entry("outside", w) for w in org.outside_names})
    for region in org.regions.values():
        for name in (region.name, *region.aliases):
            for dept in (org.departments[d] for d in region.departments):
                entries.update({name + a: _Entry("dept", dept.name) for a in dept.aliases})
    for variant, owner in _variants(org).items():  # 建宁镇 for 建宁乡, 东城街道 for 东城办事处
        entries.setdefault(variant, _Entry("region", owner))
    for region in org.regions.values():
        entries.update({getattr(region, f): _Entry("region", region.name) for f in BODY_FIELDS})
        entries[region.name] = _Entry("region", region.name)
    entries.update({d: _Entry("dept", d) for d in org.departments})
    entries.pop("", None)
    return entries


def _region_aliases(org: OrgChart) -> dict[str, str]:
    """Region alias → region, leaving out aliases two regions claim and single characters."""
    owners: dict[str, set[str]] = {}
    for region in org.regions.values():
        for alias in region.aliases:
            owners.setdefault(alias, set()).add(region.name)
    return {a: next(iter(r)) for a, r in owners.items() if len(r) == 1 and len(a) >= 2}


def _variants(org: OrgChart) -> dict[str, str]:
    """Common variant spellings of township names: the other township suffix (镇 ↔ 乡) and the
    street-office forms (X办事处 → X街道, X街道办, X街道办事处); never another region's name."""
    out: dict[str, str] = {}
    for r in org.regions.values():
        if r.level is not Level.TOWNSHIP:
            continue
        if r.name.endswith(("镇", "乡")) and len(r.name) > 2:
            base = r.name[:-1]
            out[base + ("乡" if r.name.endswith("镇") else "镇")] = r.name
        elif r.name.endswith("办事处") and len(r.name) > 3:
            base = r.name[:-3]
            out.update({base + s: r.name for s in ("街道", "街道办", "街道办事处")})
    return {v: r for v, r in out.items() if v not in org.regions}


def _context_order(org: OrgChart, pos: int, context: list[tuple[int, str]]) -> list[str]:
    """Named regions, lowest level first; among equals, the nearest mention before `pos`."""

    def key(item: tuple[int, str]) -> tuple[int, int, int]:
        at, name = item
        region: Region = org.regions[name]
        return (-LEVEL_RANK[region.level], 0 if at <= pos else 1, abs(pos - at))

    seen: dict[str, None] = {}
    for _at, name in sorted(context, key=key):
        seen[name] = None
    return list(seen)


def trie_pattern(words: Iterable[str]) -> str:
    """A regex matching any of `words`, longest first at each position (a character trie)."""
    trie: Trie = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _node_pattern(trie) if trie else "(?!)"


def _node_pattern(node: Trie) -> str:
    branches = [re.escape(ch) + _node_pattern(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" in node:  # a word may end here: the longer continuation is optional (greedy)
        return body + "?" if len(branches) == 1 and len(body) == 1 else "(?:" + body + ")?"
    return body
