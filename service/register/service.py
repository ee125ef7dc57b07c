"""The 政务舆情 register on the database: the register in force (the org file's entries under
the admin's edits), an edit (validated, audited), who to call for a set of units, and the
completeness report over the assessed units. Nothing here commits."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlmodel import Session, select

from routing.orgchart import OrgChart
from routing.register import (
    REGISTER_DUE,
    ROLES,
    Contact,
    UnitRegister,
    completeness,
    contact_problems,
    effective,
    who_to_call,
)
from service.audit.actions import AuditAction, RegisterEdited
from service.audit.log import record
from service.auth.rules import Principal
from service.core.columns import utcnow
from service.core.errors import Invalid, NotFound
from service.register.models import UnitRegisterEntry


def _of_dict(unit: str, entry: Mapping[str, Any]) -> UnitRegister:
    contacts = {r: Contact(c["name"], c["phone"], c.get("post", "")) if (c := entry.get(r)) else None for r in ROLES}
    return UnitRegister(unit=unit, **contacts)


def registers(session: Session, org: OrgChart) -> dict[str, UnitRegister]:
    edited = {row.unit: _of_dict(row.unit, row.entry) for row in session.exec(select(UnitRegisterEntry))}
    return effective(org.registers, edited)


def _source(session: Session, org: OrgChart, unit: str) -> str | None:
    if session.get(UnitRegisterEntry, unit) is not None:
        return "admin"
    return "org_file" if unit in org.registers else None


def unit_view(session: Session, org: OrgChart, unit: str) -> dict[str, Any]:
    if unit not in org.handling_units:
        raise NotFound(f"组织架构中没有单位“{unit}”", f"no unit {unit!r} in the organisation")
    reg = registers(session, org).get(unit)
    return {**who_to_call([unit], {unit: reg} if reg else {})[0], "source": _source(session, org, unit)}


def edit(*, session: Session, org: OrgChart, viewer: Principal, unit: str,
         contacts: Mapping[str, Contact | None]) -> UnitRegister:
    """Set a unit's register whole (the roles not given are cleared); refused before any write."""
    if unit not in org.handling_units:
        raise NotFound(f"组织架构中没有单位“{unit}”", f"no unit {unit!r} in the organisation")
    problems = [p for role, c in contacts.items() if c is not None for p in contact_problems(role, c)]
    if problems:
        raise Invalid("；".join(p[0] for p in problems), "; ".join(p[1] for p in problems), field="register")
    before = registers(session, org).get(unit)
    reg = UnitRegister(unit=unit, **{r: contacts.get(r) for r in ROLES})
    row = session.get(UnitRegisterEntry, unit) or UnitRegisterEntry(unit=unit, updated_by=viewer.username)
    row.entry, row.updated_by, row.updated_at = reg.as_dict(), viewer.username, utcnow()
    session.add(row)
    record(session, AuditAction.REGISTER_EDITED, RegisterEdited(
        unit=unit, before=before.as_dict() if before else None, after=reg.as_dict()), actor=viewer.username)
    return reg


def contacts_for(session: Session, org: OrgChart, units: Iterable[str]) -> list[dict[str, object]]:
    return who_to_call(units, registers(session, org))


def completeness_report(session: Session, org: OrgChart) -> dict[str, Any]:
    """The assessed units (seed 001 考核方案 附件1) lacking a full register (seed 000 三(五)2)."""
    assessed = org.assessed_units
    gaps = completeness(assessed, registers(session, org))
    return {"assessed": len(assessed), "complete": len(assessed) - len(gaps), "incomplete": len(gaps),
            "due": REGISTER_DUE.isoformat(),
            "basis": "seed 000 三(五)2：2020年6月底前明确政务舆情协调部门及责任人，明确具体联络人和承办人；"
                     "考核对象见 seed 001 考核方案 附件1",
            "units": [{"unit": g.unit, "missing": list(g.missing), "missing_labels": g.missing_labels} for g in gaps]}
