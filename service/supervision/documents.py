"""The 督办单 as a document: its 文号 (allocated without gaps per issuing region and year), the
supervised unit's 签收 (audited; it takes the incident on — see `sign`), the one notice as the
print view reads it, and the files of its answer. Nothing here commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from routing.local_time import BEIJING
from service.attachments import service as att
from service.attachments.models import Attachment
from service.audit.actions import AuditAction, SupervisionSigned
from service.audit.log import record
from service.auth.rules import Action, Principal, assignment_of, may
from service.core.columns import utcnow
from service.core.errors import Conflict, Forbidden, NotFound
from service.core.settings import Settings
from service.incidents import service as wf
from service.incidents.models import Incident, Item
from service.incidents.pipeline import Engine
from service.incidents.rules import Status, Transition, check
from service.incidents.visible import visible_incident
from service.supervision.models import SupervisionCounter, SupervisionNotice
from service.supervision.rules import doc_number


def allocate(session: Session, region: str, at: datetime) -> tuple[int, int, str]:
    """(year, seq, 文号) of the next notice of `region` in `at`'s local year. The counter row is
    created if missing (ON CONFLICT DO NOTHING: a concurrent creator wins, we wait for it), then
    incremented under its row lock: concurrent issues queue, each gets the next number, and a
    rolled-back issue gives its number back with the transaction."""
    year = at.astimezone(BEIJING).year
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(SupervisionCounter).values(region=region, year=year, last=0)
                    .on_conflict_do_nothing(index_elements=["region", "year"]))
    seq = session.execute(update(SupervisionCounter)
                          .where(col(SupervisionCounter.region) == region, col(SupervisionCounter.year) == year)
                          .values(last=col(SupervisionCounter.last) + 1)
                          .returning(col(SupervisionCounter.last))).scalar_one()
    return year, seq, doc_number(region, year, seq)


def supervised_notice(session: Session, engine: Engine, viewer: Principal, notice_id: int,
                      lock: bool = False) -> tuple[SupervisionNotice, Incident]:
    """The notice and its incident for a viewer who sees the incident (404 otherwise)."""
    notice = session.get(SupervisionNotice, notice_id, with_for_update=lock)
    if notice is None:
        raise NotFound("没有这个督办单", "no such supervision notice")
    try:
        incident = visible_incident(session, engine.org, viewer, notice.incident_id)
    except NotFound:  # the notice of an incident he does not see: as if there were none
        raise NotFound("没有这个督办单", "no such supervision notice") from None
    return notice, incident


def _supervised(viewer: Principal, notice: SupervisionNotice, incident: Incident, engine: Engine) -> None:
    if not may(viewer, Action.RESPOND, assignment_of(incident), engine.org) or viewer.unit not in notice.units:
        raise Forbidden("只有被督办单位可以签收和反馈", "only a supervised unit signs for and answers this notice")


def sign(*, session: Session, engine: Engine, viewer: Principal, notice_id: int,
         now: datetime | None = None) -> tuple[SupervisionNotice, Incident]:
    """签收 by a liaison of a supervised unit. An incident still 待认领 is claimed for his unit
    at the same time (audited incident.claimed): the unit that signs for the supervision of a
    matter has taken it on, so a notice is never answered while its incident waits unclaimed."""
    now = now or utcnow()
    notice, incident = supervised_notice(session, engine, viewer, notice_id, lock=True)
    _supervised(viewer, notice, incident, engine)
    won = session.exec(update(SupervisionNotice).where(col(SupervisionNotice.id) == notice_id,
                                                          col(SupervisionNotice.signed_at).is_(None))
                          .values(signed_at=now, signed_by=viewer.username, signed_unit=viewer.unit)).rowcount
    if won != 1:
        raise Conflict("该督办单已签收", "this supervision notice was signed for already")
    claims = (Status(incident.status) is Status.UNCLAIMED
              and check(viewer, Transition.CLAIM, wf.case_of(incident), assignment_of(incident), engine.org) is None)
    if claims:
        incident = wf.claim(session=session, engine=engine, viewer=viewer, incident_id=incident.id or 0, now=now)
    session.refresh(notice)
    record(session, AuditAction.INCIDENT_SUPERVISION_SIGNED, SupervisionSigned(
        notice_id=notice_id, doc_no=notice.doc_no, unit=viewer.unit, claimed=claims),
        incident_id=incident.id, actor=viewer.username)
    return notice, incident


def attach(*, session: Session, settings: Settings, engine: Engine, viewer: Principal, notice_id: int,
           uploads: Sequence[att.Upload]) -> list[Attachment]:
    """Files of the answer (the unit's report, photos of the rectification): after 签收."""
    notice, incident = supervised_notice(session, engine, viewer, notice_id)
    _supervised(viewer, notice, incident, engine)
    if notice.signed_at is None:
        raise Conflict("请先签收督办单", "sign for the notice (签收) first")
    return att.save(session=session, settings=settings, viewer=viewer, owner="notice", owner_id=notice_id,
                    incident_id=notice.incident_id, uploads=uploads)


def document(*, session: Session, engine: Engine, viewer: Principal, notice_id: int) -> dict:
    """The notice as the print view lays it out: 文号, the matter, the requirement, 签收, answer."""
    notice, incident = supervised_notice(session, engine, viewer, notice_id)
    first = session.exec(select(Item).where(Item.incident_id == incident.id).order_by(col(Item.received_at))).first()
    files = session.exec(select(Attachment).where(Attachment.owner == "notice", Attachment.owner_id == notice_id)
                         .order_by(col(Attachment.id))).all()
    return {"notice": notice.model_dump(), "issuer": notice.issued_unit or f"{notice.doc_region or engine.org.home}人民政府办公室",
            "incident": {"id": incident.id, "topic": incident.topic, "severity": incident.severity,
                         "status": incident.status, "received_at": incident.received_at,
                         "title": (first.title or first.text[:60]) if first else "",
                         "text": first.text[:2000] if first else ""},
            "attachments": [att.view(a) for a in files]}
