"""A fixed world for the digest service tests: leaders of several audiences and incidents
with clocks around the local day 2026-11-25 (Asia/Shanghai), written straight to the tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from routing.local_time import BEIJING
from service.auth.passwords import DEMO_PASSWORD
from service.auth.service import create_user
from service.core.db import session_scope
from service.core.settings import Settings
from service.incidents.models import Clock, Incident
from service.incidents.runtime import load_engine

SH = BEIJING
DAY = date(2026, 11, 25)


def t(d: int, h: int, m: int = 0) -> datetime:
    return datetime(2026, 11, d, h, m, tzinfo=SH)


NOW = t(25, 8)
RECEIVED = t(23, 10)
LEADERS = (  # username, unit, region, active — leader_gaoping (高平市) is a demo account already
    ("leader_gaoping2", None, "高平市", True),  # a second leader of 高平市: still one digest
    ("leader_mishan", None, "米山镇", True),
    ("leader_scj", "高平市市场监督管理局", None, True),
    ("leader_zezhou", None, "泽州县", True),
    ("leader_hexi", None, "河西镇", False),  # disabled: no digest for 河西镇
)


@dataclass(frozen=True)
class World:
    mishan: int  # 米山镇, 重大, response due today 20:00
    hexi: int  # 河西镇, 特别重大, response overdue since yesterday 18:00
    scj: int  # 高平市 / 市场监管局, 一般, closed, response met late yesterday
    zezhou: int  # 泽州县, 重大, due tomorrow
    merged: int  # merged into `mishan`: never listed


def _incident(session, topic: str, severity: str, status: str, region: str, unit: str,
              clocks: list[tuple[str, str, datetime, datetime | None]], **extra: object) -> int:
    incident = Incident(topic=topic, severity=severity, status=status, scope="single", level_region=region,
                        regions=[region], first_responsible=[unit], received_at=RECEIVED, last_seen=RECEIVED,
                        created_at=RECEIVED, **extra)
    session.add(incident)
    session.flush()
    for kind, label, due, met in clocks:
        session.add(Clock(incident_id=incident.id, kind=kind, label=label, started_at=RECEIVED, due_at=due, met_at=met))
    return incident.id


def seed(settings: Settings) -> World:
    with session_scope(settings.database_url) as session:
        org = load_engine(settings, session).org
        for username, unit, region, active in LEADERS:
            user = create_user(session, org, username=username, password=DEMO_PASSWORD, role="leader", unit=unit,
                               region=region, name=username)
            user.active = active
        mishan = _incident(session, "市政服务", "重大", "unclaimed", "米山镇", "米山镇人民政府",
                           [("response", "首次回应", t(25, 20), None)])
        hexi = _incident(session, "安全生产", "特别重大", "claimed", "河西镇", "河西镇人民政府",
                         [("response", "首次回应", t(24, 18), None)])
        scj = _incident(session, "食品药品监管", "一般", "closed", "高平市", "高平市市场监督管理局",
                        [("response", "首次回应", t(24, 10), t(24, 15, 30))], closed_at=t(24, 16))
        zezhou = _incident(session, "食品药品监管", "重大", "unclaimed", "泽州县", "泽州县市场监督管理局",
                           [("response", "首次回应", t(26, 10), None)])
        merged = _incident(session, "市政服务", "重大", "closed", "米山镇", "米山镇人民政府",
                           [("response", "首次回应", t(24, 9), t(24, 12))], closed_at=t(24, 12), merged_into=mishan)
        session.commit()
    return World(mishan, hexi, scj, zezhou, merged)
