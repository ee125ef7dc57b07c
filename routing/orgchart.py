"""The organisation as plain, frozen data: regions, their standing bodies, departments.

Everything the routing rules and the gazetteer need to know about the administrative tree
lives here, with no I/O. `routing.orgfile` builds an `OrgChart` from YAML.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from routing.register import UnitRegister


class Level(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"  # 县、县级市、市辖区
    TOWNSHIP = "township"  # 乡、镇、街道办事处


LEVEL_RANK = {Level.PROVINCE: 0, Level.CITY: 1, Level.COUNTY: 2, Level.TOWNSHIP: 3}
LEVEL_LABEL = {Level.PROVINCE: "省级", Level.CITY: "市级", Level.COUNTY: "县级", Level.TOWNSHIP: "乡镇（街道）级"}


@dataclass(frozen=True)
class Department:
    """A department of a region's government, e.g. 高平市教育局.

    `functions` are the business functions (keys of the taxonomy's `authority`, e.g. 教育)
    it is the business authority (业务主管部门) for. A vertically managed (垂直管理) department
    names its higher-level department in `vertical_superior`; that one need not be in the org.
    """

    name: str
    region: str
    functions: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    vertical_superior: str | None = None

    @property
    def vertical(self) -> bool:
        return self.vertical_superior is not None


@dataclass(frozen=True)
class Region:
    """An administrative region and the full names of its standing bodies."""

    name: str  # 高平市
    level: Level
    parent: str | None
    government: str  # 高平市人民政府 (a street office: 东城办事处)
    office: str  # 高平市人民政府办公室
    propaganda: str  # 中共高平市委宣传部
    party_committee: str  # 中共高平市委
    leader: str  # 高平市人民政府主要负责人
    aliases: tuple[str, ...] = ()  # other names matched in text, e.g. 高平
    departments: tuple[str, ...] = ()  # full names of its departments
    children: tuple[str, ...] = ()
    # The region whose government office, propaganda department, principal leader and party
    # committee take the 本级 roles for items at this level; None: the level's default (a
    # township or street office has no 宣传部 and its county's plan assigns the roles to the
    # county: seed 001 四 "市政府办公室会同宣传部门"; any other region takes them itself).
    roles_from: str | None = None


@dataclass(frozen=True)
class OrgChart:
    regions: Mapping[str, Region]
    departments: Mapping[str, Department]
    home: str  # the deployment's own region: where items with no known place go
    _alias_index: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    # names that contain one of ours but point elsewhere (神农架 is not 神农镇): never ours
    outside_names: tuple[str, ...] = ()
    # the units of the annual 政务公开 assessment (seed 001 考核方案 附件1), in the scheme's order
    assessed_units: tuple[str, ...] = ()
    # the org file's 政务舆情 registers by unit (routing.register); the admin's edits live in the DB
    registers: Mapping[str, UnitRegister] = field(default_factory=dict, compare=False)

    # --- lookups -------------------------------------------------------------------------
    def region(self, name: str) -> Region:
        return self.regions[name]

    def department(self, name: str) -> Department:
        return self.departments[name]

    def parent(self, name: str) -> Region | None:
        parent = self.regions[name].parent
        return self.regions[parent] if parent else None

    def ancestors(self, name: str) -> list[Region]:
        """From the root down to and including `name`."""
        chain: list[Region] = []
        current: str | None = name
        while current is not None:
            region = self.regions[current]
            chain.append(region)
            current = region.parent
        return list(reversed(chain))

    def is_ancestor(self, ancestor: str, name: str) -> bool:
        """True when `ancestor` is `name` itself or above it."""
        return any(r.name == ancestor for r in self.ancestors(name))

    def common_ancestor(self, names: Iterable[str]) -> Region:
        """The lowest region covering all `names` (the home region when `names` is empty)."""
        chains = [self.ancestors(n) for n in names]
        if not chains:
            return self.regions[self.home]
        lowest = chains[0][0]
        for depth in range(min(len(c) for c in chains)):
            candidates = {c[depth].name for c in chains}
            if len(candidates) != 1:
                break
            lowest = chains[0][depth]
        return lowest

    def roles_region(self, name: str) -> Region:
        """The region whose bodies coordinate, lead and are reported to for items at `name`."""
        region = self.regions[name]
        if region.roles_from is not None:
            return self.regions[region.roles_from]
        if region.level is Level.TOWNSHIP and region.parent is not None:
            return self.roles_region(region.parent)
        return region

    def authority(self, region: str, function: str) -> Department | None:
        """The department of `region` that is business authority for `function`."""
        for dept_name in self.regions[region].departments:
            dept = self.departments[dept_name]
            if function in dept.functions:
                return dept
        return None

    @cached_property
    def handling_units(self) -> frozenset[str]:
        """The units an incident can be assigned or supervised to: every unit name but a
        region's leader, which is a person's title, not a unit."""
        return frozenset(self.unit_names() - {r.leader for r in self.regions.values()})

    @cached_property
    def body_index(self) -> dict[str, str]:
        """A region's bodies (government, office, propaganda, party committee, leader) → the
        region; built once per org, not once per item routed."""
        index: dict[str, str] = {}
        for r in self.regions.values():
            for body in (r.government, r.office, r.propaganda, r.party_committee, r.leader):
                index.setdefault(body, r.name)
        return index

    def unit_names(self) -> set[str]:
        """Every unit full name the org knows (bodies of regions, departments)."""
        names: set[str] = set(self.departments)
        for r in self.regions.values():
            names.update({r.government, r.office, r.propaganda, r.party_committee, r.leader})
        return names

    def resolve(self, name: str) -> str | None:
        """Region or department full name for a full name or alias, else None."""
        if name in self.regions or name in self.departments:
            return name
        return self._alias_index.get(name)


def build_alias_index(regions: Mapping[str, Region], departments: Mapping[str, Department]) -> dict[str, str]:
    """Alias → full name; an alias claimed by two units is dropped (it would be ambiguous)."""
    index: dict[str, str] = {}
    clashes: set[str] = set()
    for full, aliases in [(r.name, r.aliases) for r in regions.values()] + [
        (d.name, d.aliases) for d in departments.values()
    ]:
        for alias in aliases:
            if alias in index and index[alias] != full:
                clashes.add(alias)
            index[alias] = full
    for alias in clashes:
        del index[alias]
    return index
