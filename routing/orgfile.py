"""Build an `OrgChart` (routing.orgchart) from an organisation YAML file; pure given the text.

Every problem is reported at once, one per line, naming the file, the line and the field path
in Chinese and English, so an administrator can fix an org file in one pass. The schema is
documented at the top of routing/data/demo_org.yaml, the packaged demo organisation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, TypedDict, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from pydantic_core import ErrorDetails

from routing.orgchart import LEVEL_RANK, Department, Level, OrgChart, Region, build_alias_index
from routing.register import ROLES, Contact, UnitRegister, contact_problems
from routing.taxonomy import load_taxonomy

DEMO_ORG = "demo_org.yaml"
BODIES = ("government", "office", "propaganda", "party_committee", "leader")
STREET_SUFFIX = "办事处"

FieldPath = tuple[str | int, ...]


class OrgFileError(ValueError):
    """An invalid org file; `messages` holds one located message per problem."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


# --- schema ----------------------------------------------------------------------------------
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


SpecT = TypeVar("SpecT", bound=_Spec)


class DepartmentSpec(_Spec):
    name: Name
    functions: list[Name] = []
    aliases: list[Name] = []
    vertical_superior: Name | None = None


class RegionSpec(_Spec):
    name: Name
    level: Level
    aliases: list[Name] = []
    government: Name | None = None
    office: Name | None = None
    propaganda: Name | None = None
    party_committee: Name | None = None
    leader: Name | None = None
    # whose bodies take the 本级 roles: self, parent; absent: the level's default (orgchart)
    roles_from: Literal["self", "parent"] | None = None
    # validated entry by entry, so one bad entry does not hide the errors of its siblings
    departments: list[Any] = []
    children: list[Any] = []


class ContactSpec(_Spec):
    name: Name
    phone: Name
    post: str = ""


class RegisterSpec(_Spec):
    """A unit's 政务舆情 register (routing.register; seed 000 三(五)2): every role optional here,
    the completeness report names what is missing."""

    unit: Name
    coordinating_office: ContactSpec | None = None
    responsible: ContactSpec | None = None
    liaison: ContactSpec | None = None
    handler: ContactSpec | None = None


class OrgSpec(_Spec):
    home: Name
    regions: list[Any] = Field(min_length=1)
    # names that contain one of ours but point elsewhere (神农架 ≠ 神农镇); optional
    outside_names: list[Name] = []
    # the units of the annual 政务公开 assessment (seed 001 考核方案 附件1); optional
    assessed_units: list[Name] = []
    # per-unit 政务舆情 registers, validated entry by entry; optional
    registers: list[Any] = []


def default_bodies(name: str, level: Level | None = None) -> dict[str, str]:
    """Standing bodies of a region when the file does not name them, as they are really called.

    A province's government office is 办公厅 (山西省人民政府办公厅), a city's or county's 办公室.
    A township has a Party committee (中共X镇委员会) and a 党政综合办公室 but no 宣传部 (a
    宣传委员 of the committee holds the post); a street office (X办事处) has a 党工委 instead.
    """
    if name.endswith(STREET_SUFFIX) and len(name) > len(STREET_SUFFIX):
        base = name[: -len(STREET_SUFFIX)]
        return {
            "government": name,
            "office": f"{name}党政综合办公室",
            "propaganda": f"中共{base}街道工作委员会宣传委员",
            "party_committee": f"中共{base}街道工作委员会",
            "leader": f"{name}主要负责人",
        }
    if level is Level.TOWNSHIP:
        return {
            "government": f"{name}人民政府",
            "office": f"{name}党政综合办公室",
            "propaganda": f"中共{name}委员会宣传委员",
            "party_committee": f"中共{name}委员会",
            "leader": f"{name}人民政府主要负责人",
        }
    office = "办公厅" if level is Level.PROVINCE else "办公室"
    return {
        "government": f"{name}人民政府",
        "office": f"{name}人民政府{office}",
        "propaganda": f"中共{name}委宣传部",
        "party_committee": f"中共{name}委",
        "leader": f"{name}人民政府主要负责人",
    }


# --- YAML with line numbers ------------------------------------------------------------------
def format_path(path: FieldPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "<root>"


def _index_lines(node: yaml.Node, path: FieldPath, lines: dict[FieldPath, int], duplicates: list[FieldPath]) -> None:
    """Map each field path to its line (the key's line for mapping entries)."""
    if isinstance(node, yaml.MappingNode):
        seen: set[FieldPath] = set()
        for key, value in node.value:
            sub = path + (key.value if isinstance(key, yaml.ScalarNode) else "?",)
            if sub in seen:
                duplicates.append(sub)
            seen.add(sub)
            lines[sub] = key.start_mark.line + 1
            _index_lines(value, sub, lines, duplicates)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[path + (i,)] = item.start_mark.line + 1
            _index_lines(item, path + (i,), lines, duplicates)


class _Frame(TypedDict, total=False):
    """An open collection while replaying parser events: a sequence has `index`, a mapping the rest."""

    index: int  # of the current item, -1 before the first
    key: str | None  # the current key
    want_key: bool  # the next node is a key (else its value)
    role: str  # of the last node started: key | value


def _syntax_path(text: str) -> FieldPath:
    """Field path where the parser stopped, rebuilt from the events it produced before."""
    frames: list[_Frame] = []
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            _track(frames, event)
    except yaml.YAMLError:
        pass
    path: list[str | int] = []
    for f in frames:
        if "index" in f and f["index"] >= 0:
            path.append(f["index"])
        elif not f.get("want_key", True) and (key := f.get("key")) is not None:
            path.append(key)
    return tuple(path)


def _track(frames: list[_Frame], event: yaml.Event) -> None:
    if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
        frames.pop()
        _node_done(frames)
    elif isinstance(event, yaml.NodeEvent):
        if frames and "index" in frames[-1]:
            frames[-1]["index"] += 1
        elif frames and frames[-1]["want_key"]:
            frames[-1].update({"key": getattr(event, "value", None), "role": "key"})
        elif frames:
            frames[-1]["role"] = "value"
        if isinstance(event, yaml.MappingStartEvent):
            frames.append({"key": None, "want_key": True})
        elif isinstance(event, yaml.SequenceStartEvent):
            frames.append({"index": -1})
        else:
            _node_done(frames)


def _node_done(frames: list[_Frame]) -> None:
    # after a key the mapping waits for its value; after a value, for the next key
    if frames and "want_key" in frames[-1]:
        frames[-1]["want_key"] = frames[-1].get("role") == "value"


def _parse(text: str, source: str) -> tuple[Any, dict[FieldPath, int], list[FieldPath]]:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        where = format_path(_syntax_path(text))
        problem = exc.problem or exc.context or "invalid YAML"
        raise OrgFileError([f"{source} 第{line}行 {where}: YAML 语法错误 / YAML syntax error: {problem}"]) from None
    except yaml.YAMLError as exc:
        raise OrgFileError([f"{source} 第1行 <root>: YAML 语法错误 / YAML syntax error: {exc}"]) from None
    finally:
        loader.dispose()
    lines: dict[FieldPath, int] = {(): node.start_mark.line + 1} if node is not None else {}
    duplicates: list[FieldPath] = []
    if node is not None:
        _index_lines(node, (), lines, duplicates)
    return data, lines, duplicates


# --- error collection ------------------------------------------------------------------------
_PYDANTIC = {
    "missing": ("缺少必填字段", "field required"),
    "extra_forbidden": ("未知字段", "unknown field"),
    "string_type": ("应为字符串", "must be a string"),
    "string_too_short": ("不能为空", "must not be empty"),
    "list_type": ("应为列表", "must be a list"),
    "too_short": ("不能为空", "must not be empty"),
    "model_type": ("应为映射", "must be a mapping"),
    "model_attributes_type": ("应为映射", "must be a mapping"),
}


@dataclass
class _Errors:
    source: str
    lines: dict[FieldPath, int]
    items: list[tuple[int, str]] = field(default_factory=list)

    def line(self, path: FieldPath) -> int:
        for n in range(len(path), -1, -1):  # a missing field: the line of its mapping
            if path[:n] in self.lines:
                return self.lines[path[:n]]
        return 1

    def add(self, path: FieldPath, zh: str, en: str, at: FieldPath | None = None) -> None:
        line = self.line(at or path)
        self.items.append((line, f"{self.source} 第{line}行 {format_path(path)}: {zh} / {en}"))

    def validate(self, model: type[SpecT], data: Any, path: FieldPath) -> SpecT | None:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for e in exc.errors():
                self.add(path + tuple(e["loc"]), *_explain(e))
            return None

    def raise_if_any(self) -> None:
        if self.items:
            raise OrgFileError([msg for _, msg in sorted(self.items, key=lambda item: item[0])])


def _explain(error: ErrorDetails) -> tuple[str, str]:
    if error["type"] == "enum":
        got = error["input"]
        return (
            f"未知的级别 {got!r}（应为 province/city/county/township）",
            f"unknown level {got!r} (expected province, city, county or township)",
        )
    return _PYDANTIC.get(error["type"], ("取值无效", error["msg"]))


# --- semantic checks and building ------------------------------------------------------------
@dataclass
class _Builder:
    errors: _Errors
    functions: frozenset[str]
    regions: dict[str, Region | None] = field(default_factory=dict)
    departments: dict[str, Department] = field(default_factory=dict)
    region_at: dict[str, FieldPath] = field(default_factory=dict)
    unit_at: dict[str, FieldPath] = field(default_factory=dict)
    region_aliases: list[tuple[FieldPath, str, str]] = field(default_factory=list)
    incomplete: bool = False  # some region failed validation: its name is unknown

    def region(self, raw: Any, path: FieldPath, parent: RegionSpec | None) -> str | None:
        spec = self.errors.validate(RegionSpec, raw, path)
        if spec is None:
            self.incomplete = True
            return None
        self._check_level(spec, path, parent)
        if not self._claim_region(spec.name, path):
            return None
        bodies = default_bodies(spec.name, spec.level) | {b: getattr(spec, b) for b in BODIES if getattr(spec, b)}
        for body in BODIES:
            self._claim_unit(bodies[body], path + (body,))
        self.region_aliases += [(path + ("aliases", i), a, spec.name) for i, a in enumerate(spec.aliases)]
        self.regions[spec.name] = None  # keep parents before children in the mapping
        depts = self._departments(spec, path)
        children = [self.region(c, path + ("children", i), spec) for i, c in enumerate(spec.children)]
        self.regions[spec.name] = Region(
            name=spec.name,
            level=spec.level,
            parent=parent.name if parent else None,
            aliases=tuple(spec.aliases),
            departments=tuple(depts),
            children=tuple(c for c in children if c),
            roles_from=_roles_from(spec, parent),
            **bodies,
        )
        return spec.name

    def _check_level(self, spec: RegionSpec, path: FieldPath, parent: RegionSpec | None) -> None:
        if parent is not None and LEVEL_RANK[spec.level] <= LEVEL_RANK[parent.level]:
            self.errors.add(
                path + ("level",),
                f"级别 {spec.level.value} 必须低于上级 {parent.name}（{parent.level.value}）",
                f"level {spec.level.value} must be lower than its parent {parent.name} ({parent.level.value})",
            )

    def _claim_region(self, name: str, path: FieldPath) -> bool:
        if name in self.region_at:
            line, first = self._where(self.region_at[name])
            self.errors.add(
                path + ("name",),
                f"区域名称重复 {name!r}，已见于第{line}行 {first}",
                f"duplicate region name {name!r}, already at line {line} {first}",
            )
            return False
        self.region_at[name] = path
        return True

    def _where(self, path: FieldPath) -> tuple[int, str]:
        return self.errors.line(path), format_path(path)

    def _claim_unit(self, name: str, path: FieldPath) -> None:
        if name in self.unit_at:
            line, first = self._where(self.unit_at[name])
            self.errors.add(
                path,
                f"单位全称重复 {name!r}，已见于第{line}行 {first}",
                f"duplicate unit name {name!r}, already at line {line} {first}",
            )
        else:
            self.unit_at[name] = path

    def _departments(self, region: RegionSpec, path: FieldPath) -> list[str]:
        names: list[str] = []
        served: dict[str, str] = {}  # function → department: authority() must be unambiguous
        for i, raw in enumerate(region.departments):
            at = path + ("departments", i)
            spec = self.errors.validate(DepartmentSpec, raw, at)
            if spec is None:
                continue
            self._claim_unit(spec.name, at + ("name",))
            self._check_functions(spec, at, served)
            if spec.name not in self.departments:
                self.departments[spec.name] = Department(
                    spec.name, region.name, tuple(spec.functions), tuple(spec.aliases), spec.vertical_superior
                )
                names.append(spec.name)
        return names

    def _check_functions(self, spec: DepartmentSpec, path: FieldPath, served: dict[str, str]) -> None:
        for i, function in enumerate(spec.functions):
            at = path + ("functions", i)
            if function not in self.functions:
                self.errors.add(
                    path + ("functions",), f"未知的业务职能 {function!r}", f"unknown business function {function!r}", at
                )
            elif function in served:
                other = served[function]
                self.errors.add(
                    path + ("functions",),
                    f"业务职能 {function!r} 已由同级的 {other} 承担",
                    f"business function {function!r} is already served by {other} in the same region",
                    at,
                )
            else:
                served[function] = spec.name

    def finish(self, home: str | None) -> None:
        for path, alias, owner in self.region_aliases:
            if alias in self.regions and alias != owner:
                self.errors.add(path, f"别名 {alias!r} 是另一区域的名称",
                                f"alias {alias!r} is the name of another region")
        if home is not None and not self.incomplete and home not in self.regions:
            self.errors.add(("home",), f"home {home!r} 不是已定义的区域", f"home {home!r} is not a region of the file")


def _roles_from(spec: RegionSpec, parent: RegionSpec | None) -> str | None:
    if spec.roles_from == "self":
        return spec.name
    if spec.roles_from == "parent" and parent is not None:
        return parent.name
    return None


# --- public API ------------------------------------------------------------------------------
def taxonomy_functions() -> frozenset[str]:
    """The business functions of the topics: every `authority` value of the taxonomy."""
    return frozenset(f for topic in load_taxonomy().topics for f in topic.authority)


def known_functions() -> frozenset[str]:
    """What a department may serve: the topics' functions and the taxonomy's other functions."""
    return load_taxonomy().function_names


def load_org_text(text: str, source: str = "<string>", *, functions: Iterable[str] | None = None) -> OrgChart:
    data, lines, duplicate_keys = _parse(text, source)
    errors = _Errors(source, lines)
    for path in duplicate_keys:
        errors.add(path, "重复的键", "duplicate key")
    if data is None:
        raise OrgFileError([f"{source} 第1行 <root>: 文件为空 / the file is empty"])
    top = errors.validate(OrgSpec, data, ())
    raw_regions = top.regions if top else _raw_regions(data)
    builder = _Builder(errors, frozenset(functions) if functions is not None else known_functions())
    for i, raw in enumerate(raw_regions):
        builder.region(raw, ("regions", i), None)
    builder.finish(top.home if top else None)
    registers = _registers(errors, top, builder) if top else {}
    errors.raise_if_any()
    assert top is not None  # its validation errors were raised just above
    regions = {name: r for name, r in builder.regions.items() if r is not None}
    return OrgChart(
        regions=regions,
        departments=builder.departments,
        home=top.home,
        _alias_index=build_alias_index(regions, builder.departments),
        outside_names=tuple(top.outside_names),
        assessed_units=tuple(dict.fromkeys(top.assessed_units)),
        registers=registers,
    )


def _known_unit(errors: _Errors, builder: _Builder, name: str, path: FieldPath) -> bool:
    if builder.incomplete or name in builder.unit_at:
        return True
    errors.add(path, f"组织架构中没有单位 {name!r}", f"{name!r} is not a unit of the file")
    return False


def _registers(errors: _Errors, top: OrgSpec, builder: _Builder) -> dict[str, UnitRegister]:
    for i, unit in enumerate(top.assessed_units):
        _known_unit(errors, builder, unit, ("assessed_units", i))
    out: dict[str, UnitRegister] = {}
    for i, raw in enumerate(top.registers):
        at: FieldPath = ("registers", i)
        spec = errors.validate(RegisterSpec, raw, at)
        if spec is None or not _known_unit(errors, builder, spec.unit, at + ("unit",)):
            continue
        if spec.unit in out:
            errors.add(at + ("unit",), f"单位 {spec.unit!r} 的联络登记重复", f"second register of {spec.unit!r}")
            continue
        contacts: dict[str, Contact | None] = {}
        for role in ROLES:
            c: ContactSpec | None = getattr(spec, role)
            contact = contacts[role] = Contact(c.name, c.phone, c.post.strip()) if c else None
            for zh, en in contact_problems(role, contact) if contact else []:
                errors.add(at + (role, "phone"), zh, en)
        out[spec.unit] = UnitRegister(unit=spec.unit, **contacts)
    return out


def _raw_regions(data: Any) -> list[Any]:
    # the top level is invalid, but its regions can still be checked
    regions = data.get("regions") if isinstance(data, dict) else None
    return regions if isinstance(regions, list) else []


def load_org(path: str | Path) -> OrgChart:
    return load_org_text(Path(path).read_text(encoding="utf-8"), source=str(path))


def load_demo_org() -> OrgChart:
    return load_org_text(demo_org_text(), source=DEMO_ORG)


def demo_org_text() -> str:
    return resources.files("routing.data").joinpath(DEMO_ORG).read_text(encoding="utf-8")


def org_digest(text: str) -> str:
    """sha256 of the org file text: records which organisation a decision was made under."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
