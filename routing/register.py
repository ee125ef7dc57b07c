"""The 政务舆情 register of a unit: its coordinating office, responsible person, liaison and handler
with their phones, as plain data, and the rules over it. Pure.

seed 000 三(五)2: "2020年6月底前，各地各部门要明确政务舆情协调部门及责任人，明确具体联络人和承办人";
seed 001 四 (舆情回应): "明确政务舆情协调部门及责任人，明确具体联络人和承办人，严格落实回应责任".
The org file carries the registers (routing.orgfile, `registers:`), the admin edits them in the
database; the edited entry wins over the file's (`effective`). Routing results show them as
"who to call" (`who_to_call`), and `completeness` lists the assessed units (seed 001 考核方案
附件1, the org file's `assessed_units`) that lack a complete entry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

# seed 000 三(五)2: the register was due by the end of June 2020
REGISTER_DUE = date(2020, 6, 30)
ROLES = ("coordinating_office", "responsible", "liaison", "handler")
ROLE_LABEL = {"coordinating_office": "政务舆情协调部门", "responsible": "责任人", "liaison": "联络人",
              "handler": "承办人"}
# a Chinese landline (0356-5221234, 0356 5221234), a mobile (13912345678, +86 139…), an extension
PHONE = re.compile(r"(\+86[ -]?)?(\(?0\d{2,3}\)?[ -]?)?\d{7,11}([ -]?(转|ext\.?|-)\s?\d{1,6})?")
MAX_NAME = 100


@dataclass(frozen=True)
class Contact:
    """A named office or person with a phone; `post` is a person's position (optional)."""

    name: str
    phone: str
    post: str = ""


@dataclass(frozen=True)
class UnitRegister:
    unit: str
    coordinating_office: Contact | None = None
    responsible: Contact | None = None
    liaison: Contact | None = None
    handler: Contact | None = None

    def contact(self, role: str) -> Contact | None:
        if role not in ROLES:
            raise KeyError(role)
        found: Contact | None = getattr(self, role)
        return found

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"unit": self.unit}
        for role in ROLES:
            c = self.contact(role)
            out[role] = {"name": c.name, "phone": c.phone, "post": c.post} if c else None
        return out


def phone_problem(phone: str) -> tuple[str, str] | None:
    """(zh, en) unless `phone` is a plausible Chinese landline or mobile number."""
    if not PHONE.fullmatch(phone.strip()):
        return (f"电话号码格式不正确：{phone}",
                f"not a phone number (landline 0356-5221234 or mobile 13912345678): {phone!r}")
    return None


def contact_problems(role: str, c: Contact) -> list[tuple[str, str]]:
    label, out = ROLE_LABEL[role], []
    if not c.name.strip():
        out.append((f"{label}的名称不能为空", f"{role}: the name must not be empty"))
    elif len(c.name) > MAX_NAME or len(c.post) > MAX_NAME:
        out.append((f"{label}的名称或职务过长", f"{role}: name or post too long (max {MAX_NAME})"))
    if (p := phone_problem(c.phone)) is not None:
        out.append((f"{label}：{p[0]}", f"{role}: {p[1]}"))
    return out


def missing_roles(reg: UnitRegister | None) -> tuple[str, ...]:
    """The roles a unit has not named (all four when it has no entry): the register is complete
    only with all four, each with a phone (seed 000 三(五)2)."""
    if reg is None:
        return ROLES
    return tuple(r for r in ROLES if (c := reg.contact(r)) is None or not c.name.strip() or not c.phone.strip())


def effective(from_file: Mapping[str, UnitRegister], edited: Mapping[str, UnitRegister]) -> dict[str, UnitRegister]:
    """The register in force: the admin's edit of a unit replaces the org file's entry whole."""
    return {**from_file, **edited}


@dataclass(frozen=True)
class Gap:
    unit: str
    missing: tuple[str, ...]

    @property
    def missing_labels(self) -> list[str]:
        return [ROLE_LABEL[r] for r in self.missing]


def completeness(assessed: Sequence[str], registers: Mapping[str, UnitRegister]) -> list[Gap]:
    """The assessed units (in the scheme's order) whose register lacks a role."""
    return [Gap(u, m) for u in assessed if (m := missing_roles(registers.get(u)))]


def who_to_call(units: Iterable[str], registers: Mapping[str, UnitRegister]) -> list[dict[str, object]]:
    """For each unit of a routing result (in order, once), its register or None: the people
    the government office calls (seed 001 四: "明确具体联络人和承办人")."""
    out: list[dict[str, object]] = []
    for unit in dict.fromkeys(units):
        reg = registers.get(unit)
        out.append({"unit": unit, "register": reg.as_dict() if reg else None,
                    "missing": [ROLE_LABEL[r] for r in missing_roles(reg)]})
    return out
