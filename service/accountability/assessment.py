"""The annual 政务公开 assessment on the database (seed 001 考核方案): record a unit's 综合评分 for
a year, its grade computed by routing.assessment; a 不合格 brings its 通报批评 (an accountability
record on the ground 考核不合格) with the 整改措施 owed within 10 working days. Audited."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from routing.accountability import CRITICISM, FAILED_ASSESSMENT, INCIDENT_GROUNDS
from routing.assessment import WEIGHT_NOTE, consequence, grade, response_deductions, score_problem
from routing.local_time import BEIJING
from routing.orgchart import OrgChart
from service.accountability.models import AccountabilityRecord, AssessmentResult
from service.accountability.service import check_unit, hold_accountable
from service.audit.actions import AssessmentRecorded, AuditAction
from service.audit.log import record
from service.auth.rules import Action, Principal, allowed, sees_unit
from service.core.columns import utcnow
from service.core.errors import Conflict, Forbidden, Invalid
from service.incidents.models import Clock, IncidentUnit
from service.incidents.units import UNIT_ROLES


def assess(*, session: Session, org: OrgChart, viewer: Principal, unit: str, year: int, score: float,
           note: str = "", now: datetime | None = None) -> AssessmentResult:
    now = now or utcnow()
    if not allowed(viewer, Action.ACCOUNTABILITY):
        raise Forbidden("您无权登记考核结果", "you may not record assessment results")
    check_unit(org, viewer, unit)
    if org.assessed_units and unit not in org.assessed_units:
        raise Invalid(f"{unit}不是政务公开考核对象（seed 001 考核方案 附件1）",
                      f"{unit} is not one of the assessed units", field="unit")
    if (problem := score_problem(score)) is not None:
        raise Invalid(*problem, field="score")
    if session.exec(select(AssessmentResult.id).where(AssessmentResult.unit == unit,
                                                      AssessmentResult.year == year)).first() is not None:
        raise Conflict(f"{unit}{year}年度的考核结果已登记", f"{unit} already has a result for {year}")
    g = grade(score)
    result = AssessmentResult(unit=unit, year=year, score=score, grade=g, note=note.strip(),
                              recorded_by=viewer.username, recorded_at=now)
    if consequence(g).notice == CRITICISM:  # seed 001 考核方案 五(一)
        notice = hold_accountable(session=session, org=org, viewer=viewer, unit=unit, persons=[],
                                  ground=FAILED_ASSESSMENT, sanction=CRITICISM, now=now,
                                  note=f"{year}年度政务公开工作考核不合格（{score:g}分），责令限期整改")
        result.record_id = notice.id
    session.add(result)
    session.flush()
    record(session, AuditAction.ASSESSMENT_RECORDED, AssessmentRecorded(
        assessment_id=result.id, unit=unit, year=year, score=score, grade=g, record_id=result.record_id),
        actor=viewer.username)
    return result


def _late(session: Session, unit: str, kind: str, since: datetime, until: datetime, now: datetime) -> int:
    """Clocks of `kind` of the unit's incidents received in [since, until) met late or open past due."""
    late = or_(col(Clock.met_at) > col(Clock.due_at), and_(col(Clock.met_at).is_(None), col(Clock.due_at) < now))
    q = (select(func.count(func.distinct(Clock.id))).join(IncidentUnit, col(IncidentUnit.incident_id) == Clock.incident_id)
         .where(Clock.kind == kind, IncidentUnit.unit == unit, col(IncidentUnit.role).in_(UNIT_ROLES),
                col(Clock.started_at) >= since, col(Clock.started_at) < until, late))
    return int(session.exec(q).one())


def response_part(session: Session, unit: str, year: int, now: datetime | None = None) -> dict:
    """What the unit's 舆情回应 records of `year` bring to its assessment (routing.assessment):
    late responses and feedback (seed 001 四) and 问责 on a 舆情 ground (seed 002 二(二))."""
    now = now or utcnow()
    since, until = (datetime(y, 1, 1, tzinfo=BEIJING).astimezone(UTC) for y in (year, year + 1))
    held = session.exec(select(func.count(col(AccountabilityRecord.id))).where(
        AccountabilityRecord.unit == unit, col(AccountabilityRecord.ground).in_(INCIDENT_GROUNDS),
        col(AccountabilityRecord.notified_at) >= since, col(AccountabilityRecord.notified_at) < until)).one()
    counts = {"late_responses": _late(session, unit, "response", since, until, now),
              "late_feedback": _late(session, unit, "feedback", since, until, now), "accountability": int(held)}
    deductions = response_deductions(counts["late_responses"], counts["late_feedback"], counts["accountability"])
    return {**counts, "deductions": [{"indicator": d.indicator, "points": d.points, "reason": d.reason,
                                      "major": d.major} for d in deductions]}


def results_for(session: Session, org: OrgChart, viewer: Principal, year: int | None = None) -> dict:
    q = select(AssessmentResult).order_by(col(AssessmentResult.year).desc(), col(AssessmentResult.score).desc())
    if year is not None:
        q = q.where(AssessmentResult.year == year)
    rows = [r.model_dump() | {"notice": consequence(r.grade).notice,
                              "response_part": response_part(session, r.unit, r.year)}
            for r in session.exec(q) if sees_unit(viewer, r.unit, org)]
    return {"results": rows, "weight_note": WEIGHT_NOTE}
