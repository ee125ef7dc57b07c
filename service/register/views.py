"""Register routes: every reader sees the registers and the completeness report; the admin
edits a unit's register (audited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import Field

from routing.register import Contact
from service.auth.deps import Allowed, ReaderDep
from service.auth.rules import Action, Principal
from service.core.deps import SessionDep, UowDep
from service.core.inputs import StrictModel
from service.orgs.deps import OrgDep
from service.register import service as rs

router = APIRouter(prefix="/api/register", tags=["register"])
Unit = Annotated[str, Path(min_length=2, max_length=200, description="单位全称")]


class ContactIn(StrictModel):
    name: str = Field(min_length=1, max_length=100, description="名称或姓名")
    phone: str = Field(min_length=5, max_length=40, description="电话（座机或手机）")
    post: str = Field("", max_length=100, description="职务")

    def contact(self) -> Contact:
        return Contact(self.name.strip(), self.phone.strip(), self.post.strip())


class RegisterIn(StrictModel):
    coordinating_office: ContactIn | None = Field(None, description="政务舆情协调部门")
    responsible: ContactIn | None = Field(None, description="责任人")
    liaison: ContactIn | None = Field(None, description="联络人")
    handler: ContactIn | None = Field(None, description="承办人")


@router.get("", summary="单位政务舆情联络登记 / the units' registers")
def registers(viewer: ReaderDep, session: SessionDep, org: OrgDep) -> dict:
    return {"registers": [r.as_dict() for _, r in sorted(rs.registers(session, org).items())]}


@router.get("/completeness", summary="考核单位联络登记完整性 / assessed units lacking a register")
def completeness(viewer: ReaderDep, session: SessionDep, org: OrgDep) -> dict:
    return rs.completeness_report(session, org)


@router.get("/{unit}", summary="一个单位的联络登记 / a unit's register")
def unit_register(unit: Unit, viewer: ReaderDep, session: SessionDep, org: OrgDep) -> dict:
    return rs.unit_view(session, org, unit)


@router.put("/{unit}", summary="编辑单位联络登记（管理员） / edit a unit's register (admin)")
def edit(unit: Unit, body: RegisterIn, viewer: Annotated[Principal, Allowed(Action.EDIT_REGISTER)], uow: UowDep,
         org: OrgDep) -> dict:
    contacts = {role: c.contact() if c else None for role, c in
                (("coordinating_office", body.coordinating_office), ("responsible", body.responsible),
                 ("liaison", body.liaison), ("handler", body.handler))}
    rs.edit(session=uow.session, org=org, viewer=viewer, unit=unit, contacts=contacts)
    uow.commit()
    return rs.unit_view(uow.session, org, unit)
