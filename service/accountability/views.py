"""问责, 整改 and assessment routes: coordinators (their region) and the admin record 问责 and
annual results; the unit's liaison submits its 整改 report; everyone reads those of the units
he sees. Each change is audited."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, Field

from routing.accountability import GROUNDS, SANCTIONS
from routing.assessment import MAX_SCORE
from routing.workdays import MAX_WORKING_DAYS
from service.accountability import assessment as asmt
from service.accountability import service as acc
from service.auth.deps import Allowed, ReaderDep
from service.auth.rules import Action, Principal
from service.core.deps import SessionDep, UowDep
from service.core.inputs import StrictModel
from service.core.params import IdPath
from service.orgs.deps import OrgDep

router = APIRouter(tags=["accountability"])
HolderDep = Annotated[Principal, Allowed(Action.ACCOUNTABILITY)]


class PersonIn(StrictModel):
    name: str = Field(min_length=1, max_length=100, description="姓名")
    post: str = Field("", max_length=100, description="职务")


class RecordIn(StrictModel):
    unit: str = Field(min_length=2, max_length=200, description="涉事责任单位")
    persons: list[PersonIn] = Field([], max_length=20, description="相关责任人")
    ground: Literal[GROUNDS] = Field(description="问责事由")  # type: ignore[valid-type]
    sanction: Literal[SANCTIONS] = Field(description="处理方式")  # type: ignore[valid-type]
    note: str = Field("", max_length=5000, description="说明")
    incident_id: int | None = Field(None, ge=1, le=2**31 - 1, description="所涉政务舆情事件")
    rectify_days: int | None = Field(None, ge=1, le=MAX_WORKING_DAYS, description="整改报告期限（工作日）")
    notified_at: AwareDatetime | None = Field(None, description="通报/约谈时间，缺省为现在")


class ReportIn(StrictModel):
    report: str = Field(min_length=4, max_length=20000, description="整改措施与落实情况")


class AssessIn(StrictModel):
    unit: str = Field(min_length=2, max_length=200, description="考核对象")
    year: int = Field(ge=2000, le=2100, description="考核年度")
    score: float = Field(ge=0, le=MAX_SCORE, description="综合评分")
    note: str = Field("", max_length=5000)


@router.get("/api/accountability", summary="问责记录与整改 / accountability records and rectifications")
def records(viewer: ReaderDep, session: SessionDep, org: OrgDep,
            unit: str | None = Query(None, max_length=200),
            state: Literal["pending_calendar", "open", "overdue", "submitted", "late"] | None = None) -> dict:
    return {"records": acc.records_for(session, org, viewer, unit=unit, state=state)}


@router.get("/api/accountability/{record_id}", summary="一条问责记录 / an accountability record")
def get_record(record_id: IdPath, viewer: ReaderDep, session: SessionDep, org: OrgDep) -> dict:
    return acc.get_record(session, org, viewer, record_id)


@router.post("/api/accountability", status_code=201, summary="登记问责 / record accountability",
             responses={404: {"description": "所涉事件不存在或不可见 / the incident is not visible"}})
def hold(body: RecordIn, viewer: HolderDep, uow: UowDep, org: OrgDep) -> dict:
    row = acc.hold_accountable(session=uow.session, org=org, viewer=viewer, unit=body.unit,
                               persons=[p.model_dump() for p in body.persons], ground=body.ground,
                               sanction=body.sanction, note=body.note, incident_id=body.incident_id,
                               rectify_days=body.rectify_days, notified_at=body.notified_at)
    uow.commit()
    return acc.view(row, acc.utcnow())


@router.post("/api/accountability/{record_id}/report", summary="报送整改情况 / submit the rectification report")
def report(record_id: IdPath, body: ReportIn, viewer: Annotated[Principal, Allowed(Action.RESPOND)], uow: UowDep,
           org: OrgDep) -> dict:
    row = acc.submit(session=uow.session, org=org, viewer=viewer, record_id=record_id, report=body.report)
    uow.commit()
    return acc.view(row, acc.utcnow())


@router.get("/api/assessments", summary="年度政务公开考核结果 / annual assessment results")
def results(viewer: ReaderDep, session: SessionDep, org: OrgDep,
            year: int | None = Query(None, ge=2000, le=2100)) -> dict:
    return asmt.results_for(session, org, viewer, year)


@router.post("/api/assessments", status_code=201, summary="登记年度考核结果 / record an annual result")
def assess(body: AssessIn, viewer: HolderDep, uow: UowDep, org: OrgDep) -> dict:
    row = asmt.assess(session=uow.session, org=org, viewer=viewer, unit=body.unit, year=body.year, score=body.score,
                      note=body.note)
    uow.commit()
    return row.model_dump()
