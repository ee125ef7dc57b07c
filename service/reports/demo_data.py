"""A believable history for the demo organisation, so the reports have something to show.

Items go through the real ingest path (service.items.views.store, then processing), received
over the last `days` days; then each incident is handled through service.incidents.service
with back-dated times (claims, responses — some late —, follow-ups, returns and their
arbitration, closes), and a share of the responses is reviewed (Review rows written directly,
as the review module's own code would). Idempotent: a database that holds demo items is left
alone. Wired to the CLI as `yuqing demo-data`.
"""

from __future__ import annotations

import hashlib
import random
import secrets
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Literal, TypedDict

from sqlmodel import Session, col, select

from service.audit.models import AuditEntry
from service.auth.demo import DEMO_ACCOUNTS
from service.auth.models import User
from service.auth.passwords import hash_password
from service.auth.rules import Principal, Role
from service.auth.service import create_user, disable_user
from service.core.columns import utcnow
from service.core.db import migrate, session_scope
from service.core.settings import Settings
from service.core.uow import UnitOfWork
from service.incidents import duties as dw
from service.incidents import service as wf
from service.incidents.duty_answers import active
from service.incidents.ingest import process_items
from service.incidents.models import Incident, Item
from service.incidents.pipeline import Engine
from service.incidents.rules import Channel, FollowUp
from service.incidents.runtime import load_engine
from service.items.schemas import ItemIn, Signals
from service.items.views import store
from service.orgs.store import ensure_org
from service.review.models import Review

SOURCE = "demo"
TOWNS = ["米山镇", "三甲镇", "神农镇", "陈区镇", "建宁乡", "北诗镇", "石末乡", "河西镇", "马村镇", "原村乡",
         "野川镇", "寺庄镇", "永禄乡", "东城办事处", "南城办事处", "北城办事处"]
PLACES = ["凤凰", "翠竹", "金泰", "锦绣", "阳光", "幸福", "和平", "康乐", "丽景", "华府", "御景", "蓝湾", "长平", "泫氏"]
PROBLEMS = [
    "{t}{p}小区楼下烧烤店油烟扰民，多次反映无人处理",
    "{t}{p}小区附近工地夜间施工噪音太大，影响休息",
    "{t}{p}小区已经停水三天，没有任何说明",
    "{t}{p}路道路施工停工半年，坑洼不平出行困难",
    "{t}{p}村低保评定不公平，希望民政部门核查",
    "{t}{p}学校周边校外辅导班乱收费，家长负担重",
    "{t}{p}超市被曝销售过期食品，要求市场监管部门查处",
    "{t}{p}村征地补偿款迟迟没有发放到位",
    "{t}卫生院看病排队时间太长，挂号难",
    "{t}{p}建筑公司拖欠农民工工资，讨薪无门",
    "{t}{p}饭店后厨卫生脏乱，多名食客就餐后腹泻",
    "{t}{p}养老院护理人员虐待老人视频网上流传",
]
# several townships: the county department of the field answers (rule 3 of the domain notes)
ACROSS = [
    "{t}、{u}多家餐馆被曝使用过期食材，市场监管部门未见行动",
    "{t}、{u}多所学校校服价格偏高，家长质疑强制购买",
    "{t}、{u}多个村反映养老金发放延迟",
    "{t}、{u}交界处河道发现大量死鱼，疑似企业偷排",
    "{t}、{u}多处建筑工地发生安全事故隐患，工人未佩戴安全帽",
]
RESPONSES = ["已成立工作专班赴现场核查，将及时公布处理结果", "经核查情况基本属实，已责令限期整改",
             "已约谈相关负责人，督促落实整改措施", "已联系反映人说明情况，并安排专人跟踪办理"]
LIAISONS = {"高平市市场监督管理局": "liaison_scj", "米山镇人民政府": "liaison_mishan"}
COORDINATOR = Principal(user_id=0, username="coordinator_gaoping", role=Role.COORDINATOR, region="高平市")


def seed_demo_data(settings: Settings, *, now: datetime | None = None, days: int = 45, seed: int = 0) -> dict:
    """Ingest about three items a day for `days` days before `now` and handle them. Returns
    what was made ({"skipped": True} when demo items exist already)."""
    now = now or utcnow()
    rng = random.Random(seed)
    migrate(settings.database_url)
    ensure_org(settings)
    with session_scope(settings.database_url) as session:
        if session.exec(select(Item.id).where(Item.source == SOURCE).limit(1)).first() is not None:
            return {"skipped": True}
        engine = load_engine(settings, session)
        batch = _items(rng, now, days)
        ids = [r["id"] for r in store(session, batch, now)]
        for i in range(0, len(ids), 100):
            process_items(UnitOfWork(session, settings), engine, ids[i:i + 100])
        incidents = session.exec(select(Incident).where(col(Incident.id).in_(
            select(Item.incident_id).where(Item.source == SOURCE)), col(Incident.merged_into).is_(None))
            .order_by(col(Incident.received_at))).all()
        counts = {"skipped": False, "items": len(ids), "incidents": len(incidents), "claimed": 0, "responded": 0,
                  "late": 0, "returned": 0, "closed": 0, "reviews": 0}
        for incident in incidents:
            _handle(session, engine, incident, rng, now, counts)
            session.commit()
        return counts


def _items(rng: random.Random, now: datetime, days: int) -> list[ItemIn]:
    out: list[tuple[datetime, ItemIn]] = []
    for i in range(days * 3):
        t, u = rng.sample(TOWNS[:13], 2)
        template = rng.choice(ACROSS) if rng.random() < 0.3 else rng.choice(PROBLEMS)
        text = template.format(t=t, u=u, p=rng.choice(PLACES))
        received = now - timedelta(hours=rng.uniform(1, days * 24))
        kind: Literal["verification_request"] | None = "verification_request" if rng.random() < 0.12 else None
        signals = Signals(reposts=rng.randint(0, 500), comments=rng.randint(0, 300))
        out.append((received, ItemIn(source=SOURCE, external_id=f"demo-{i}", text=text, received_at=received,
                                     kind=kind, signals=signals)))
    return [item for _, item in sorted(out, key=lambda pair: pair[0])]


DEMO_NAME = {a[0]: a[1] for a in DEMO_ACCOUNTS}


@lru_cache(maxsize=1)
def _sealed() -> tuple[str, str]:
    """A password nobody is told and its hash (one argon2 hash per process): the history's
    other liaisons hold it, and their accounts are disabled besides."""
    secret = secrets.token_urlsafe(32)
    return secret, hash_password(secret)


def history_username(unit: str) -> str:
    """The account of a unit's liaison in the demo history, for the units without a demo login."""
    return LIAISONS.get(unit) or f"demo_liaison_{hashlib.sha256(unit.encode()).hexdigest()[:10]}"


def _liaison(session: Session, engine: Engine, unit: str) -> Principal:
    """The unit's liaison. The units without a demo login (every unit but 市场监管局 and 米山镇)
    get a disabled account of their own, named 「<unit>联络人」, the first time the history needs
    it: the board and the incident pages show every actor by 姓名 (service.auth.names), and an
    actor without an account would show as 未登记人员."""
    username = history_username(unit)
    name = DEMO_NAME.get(username) or f"{unit}联络人"
    if unit not in LIAISONS and session.exec(select(User.id).where(User.username == username)).first() is None:
        secret, sealed = _sealed()
        create_user(session, engine.org, username=username, password=secret, role=Role.LIAISON.value, unit=unit,
                    name=name, actor="demo", password_hash=sealed)
        disable_user(session, username, actor="demo")  # history only: never signs in
    return Principal(user_id=0, username=username, role=Role.LIAISON, unit=unit, name=name)


def _at(session: Session, when: datetime) -> None:
    """Back-date the audit entries the last step wrote (the chain hashes them at flush)."""
    for entry in session.new:
        if isinstance(entry, AuditEntry):
            entry.at = when
    session.flush()


class _Call(TypedDict):
    """The arguments every workflow step of one incident takes."""

    session: Session
    engine: Engine
    incident_id: int


def _stored_id(incident: Incident) -> int:
    assert incident.id is not None  # loaded from the database
    return incident.id


def _handle(session: Session, engine: Engine, incident: Incident, rng: random.Random, now: datetime,
            counts: dict[str, int]) -> None:
    """One incident's history: most are claimed within hours and answered, a quarter of those
    late; some are returned first; some are never claimed."""
    if not incident.first_responsible:
        return
    unit = incident.first_responsible[0]
    liaison = _liaison(session, engine, unit)
    t = incident.received_at
    due = 24 if incident.severity in ("特别重大", "重大") else 48
    kw: _Call = {"session": session, "engine": engine, "incident_id": _stored_id(incident)}
    if rng.random() < 0.08 and t + timedelta(hours=3) < now:
        when = t + timedelta(hours=rng.uniform(0.5, 3))
        wf.return_incident(**kw, viewer=liaison, grounds="不属于本单位职责范围，请重新分办", now=when)
        _at(session, when)
        wf.arbitrate(**kw, viewer=COORDINATOR, accept=False, units=None, note="经审定属该单位职责，请继续办理")
        _at(session, when + timedelta(hours=1))
        counts["returned"] += 1
        t = when + timedelta(hours=1)
    if rng.random() < 0.1:
        return  # never claimed: late once its time is up
    claim_at = t + timedelta(hours=rng.choice([0.2, 0.5, 1, 1.5, 2, 3, 4, 6, 9]) * rng.uniform(0.7, 1.3))
    if claim_at >= now:
        return
    wf.claim(**kw, viewer=liaison, now=claim_at)
    _at(session, claim_at)
    counts["claimed"] += 1
    late = rng.random() < 0.22
    hours = due + rng.uniform(2, 30) if late else rng.uniform(1, due * 0.9)
    respond_at = incident.received_at + timedelta(hours=hours)
    if respond_at <= claim_at:
        respond_at = claim_at + timedelta(hours=rng.uniform(0.5, 3))
    if respond_at >= now:
        return
    wf.respond(**kw, viewer=liaison, channel=rng.choice(list(Channel)), text=rng.choice(RESPONSES), now=respond_at)
    _at(session, respond_at)
    counts["responded"] += 1
    counts["late"] += respond_at > incident.received_at + timedelta(hours=due)
    _other_duties(kw, rng, respond_at, now)
    follow_at = respond_at + timedelta(hours=rng.uniform(12, 60))
    if follow_at < now and rng.random() < 0.6:
        wf.follow_up(**kw, viewer=liaison, kind=FollowUp.INFO, text="整改工作正在推进，阶段性进展已公布", now=follow_at)
        _at(session, follow_at)
        close_at = follow_at + timedelta(hours=rng.uniform(24, 96))
        if close_at < now and rng.random() < 0.7:
            wf.follow_up(**kw, viewer=liaison, kind=FollowUp.RESULT, text="调查结果已公布，相关责任人已处理",
                         channel=Channel.AUTHORITATIVE, now=close_at)
            _at(session, close_at)
            wf.close(**kw, viewer=liaison, note="已办结", now=close_at)
            _at(session, close_at)
            counts["closed"] += 1
    if rng.random() < 0.35:
        counts["reviews"] += _review(session, incident, unit, rng, late, min(respond_at + timedelta(days=2), now))


def _other_duties(kw: _Call, rng: random.Random, after: datetime, now: datetime) -> None:
    """The other units' own duties (several departments, the localities' parts): each unit's liaison
    claims and answers its own, mostly within hours of the first answer (issue 15)."""
    session = kw["session"]
    for duty in active(session, kw["incident_id"]):
        if duty.status == "met" or duty.role == "party_report" or duty.clock_kind == "response" or duty.id is None:
            continue  # met by the lead's answer, the coordinator's report, or the incident's own answer
        at = after + timedelta(hours=rng.uniform(0.3, 8))
        if at + timedelta(minutes=30) >= now:
            continue
        liaison = _liaison(session, kw["engine"], duty.unit)
        if duty.status == "open":
            dw.claim_duty(**kw, viewer=liaison, duty_id=duty.id, now=at)
            _at(session, at)
        dw.respond_duty(**kw, viewer=liaison, duty_id=duty.id, channel=rng.choice(list(Channel)),
                        text=rng.choice(RESPONSES), now=at + timedelta(minutes=30))
        _at(session, at + timedelta(minutes=30))


def _review(session: Session, incident: Incident, unit: str, rng: random.Random, late: bool, at: datetime) -> int:
    marks = [rng.randint(60, 98) for _ in range(3)]
    timeliness = rng.randint(40, 65) if late else rng.randint(80, 100)
    score = round((timeliness + sum(marks)) / 4, 1)
    flagged = late and score < 80  # 问责 for a late, weakly rated response
    session.add(Review(incident_id=_stored_id(incident), unit=unit, reviewer="reviewer_gaoping",
                       reviewer_unit="中共高平市委宣传部", timeliness=timeliness, accuracy=marks[0],
                       authority=marks[1], handling=marks[2], score=score,
                       comments="回应及时、口径准确" if not late else "回应超时，需加强值守",
                       accountability=flagged, accountability_ground="报告不及时" if flagged else None, at=at))
    return 1
