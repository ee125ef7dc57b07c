"""Finding a unit of the org by what a person types: its full name, its short name (the full
name without its region, 高平市市场监督管理局 → 市场监督管理局), an alias (市场监管局), or the
business functions it holds (市场监管). Pure over the `OrgChart`: the unit picker, the board's
unit filter and its search all resolve a typed name the same way.

A name typed by hand must be the full name in 转办/指定牵头/审定/督办单 (service.incidents.
service._known_units): the picker turns a short one into the full one first (issue 17 part 4).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from routing.orgchart import OrgChart


@dataclass(frozen=True)
class UnitName:
    name: str  # the full name, what the services take
    region: str
    short: str  # the name without its region's name
    kind: str  # department / government / office / propaganda / party_committee
    aliases: tuple[str, ...] = ()
    functions: tuple[str, ...] = ()

    def keys(self) -> tuple[str, ...]:
        return (self.name, self.short, *self.aliases, *self.functions)


def _short(name: str, region: str) -> str:
    return name.removeprefix(region) or name


def unit_names(org: OrgChart, regions: Iterable[str] | None = None,
               topics_of: Mapping[str, Iterable[str]] | None = None) -> list[UnitName]:
    """Every handling unit of `regions` (all regions when None): departments and the standing
    bodies a region holds (a region's leader is a person's title, not a unit). `topics_of`
    (function → the taxonomy's topics it is the authority for) lets a topic word find the
    department: 食品 → 食品药品监管 → 市场监管 → 市场监督管理局."""
    topics_of = topics_of or {}
    wanted = set(org.regions) if regions is None else set(regions)
    out: list[UnitName] = []
    for r in org.regions.values():
        if r.name not in wanted:
            continue
        bodies = (("government", r.government), ("office", r.office), ("propaganda", r.propaganda),
                  ("party_committee", r.party_committee))
        out += [UnitName(name, r.name, _short(name.replace("中共", ""), r.name), kind) for kind, name in bodies]
        for d in (org.departments[n] for n in r.departments if n in org.departments):
            functions = (*d.functions, *(t for f in d.functions for t in topics_of.get(f, ())))
            out.append(UnitName(d.name, r.name, _short(d.name, r.name), "department", d.aliases, functions))
    return list({u.name: u for u in out}.values())


def _rank(unit: UnitName, query: str) -> int | None:
    """0 exact name, 1 exact short name or alias, 2 a name/short/alias starting with the
    query, 3 containing it, 4 a function containing it; None: no match."""
    if query == unit.name:
        return 0
    if query == unit.short or query in unit.aliases:
        return 1
    names = (unit.name, unit.short, *unit.aliases)
    if any(n.startswith(query) for n in names):
        return 2
    if any(query in n for n in names):
        return 3
    if any(query in f for f in unit.functions):
        return 4
    return None


def match_units(units: Iterable[UnitName], query: str, *, home: str | None = None,
                limit: int = 20) -> list[UnitName]:
    """The units matching `query`, best first: by how they match, then the `home` region's
    own units before others (市场监管局 typed in 高平市 means 高平市's), then by name."""
    query = query.strip()
    if not query:
        return []
    ranked = [(rank, u) for u in units if (rank := _rank(u, query)) is not None]
    ranked.sort(key=lambda p: (p[0], p[1].region != home, len(p[1].name), p[1].name))
    return [u for _, u in ranked[:limit]]


def resolve_names(units: Iterable[UnitName], query: str) -> list[str]:
    """Full names a typed unit filter stands for: the exact unit when the query is one's
    full name, otherwise every unit it matches (市场监管局 → each level's 市场监督管理局)."""
    matches = match_units(units, query, limit=10_000)
    if matches and matches[0].name == query.strip():
        return [query.strip()]
    return [u.name for u in matches]
