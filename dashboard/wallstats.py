"""The wallboard's figures, viewer-scoped: today's on-time response rate and the escalation
ladder, and the route that reads them (on time counted by the database, the ladder over plain rows).

- On time today: a response clock (回应, 核实处置反馈) counts when it fell due today (local day,
  up to now) or was met today; it is on time when met by its due time. One still open past
  its due time today is late.
- A rate is shown with its base (按时 n / 应回应 m) and only from MIN_BASE clocks on: "100 %"
  of one clock says nothing (issue 17).
- Ladder: each open incident stands on the highest rung (提醒 < 催办 < 督办) fired for a clock
  of it that is still running; a met clock's old alarms no longer count.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from fastapi import APIRouter, FastAPI, Request
from sqlalchemy import and_, case, func, or_
from sqlalchemy.sql import Select
from sqlmodel import Session, col, select

from dashboard.scope_cache import ScopeCache
from dashboard.snapshot import load_rows, open_counts, open_incidents
from routing.orgchart import OrgChart
from service.auth.deps import ReaderDep
from service.auth.rules import Principal
from service.core.columns import utcnow
from service.core.deps import SessionDep, SettingsDep
from service.incidents.models import Clock, EscalationStep, Incident
from service.incidents.runtime import load_engine
from service.incidents.units import scope_names, seen_ids

KINDS = ("response", "feedback")
MIN_BASE = 5  # fewer judged clocks than this: the rate is not shown, only the counts
RUNGS = ("warn", "urge", "supervise")  # 提醒, 催办, 督办: low to high
URGENT = 12  # rows of the 临近超时 list, each side of now


@dataclass(frozen=True)
class OnTime:
    on_time: int
    late: int

    @property
    def total(self) -> int:
        return self.on_time + self.late

    @property
    def rate(self) -> float | None:
        return self.on_time / self.total if self.total else None

    def shown_rate(self, minimum: int = MIN_BASE) -> float | None:
        """The rate, or None below `minimum` judged clocks (a rate of a handful misleads)."""
        return self.rate if self.total >= max(minimum, 1) else None


def day_start(now: datetime, tz: str) -> datetime:
    local = now.astimezone(ZoneInfo(tz))
    return datetime.combine(local.date(), time(0), tzinfo=local.tzinfo)


def on_time_today(session: Session, seen: Select, start: datetime, now: datetime) -> OnTime:
    """Today's response clocks of the incidents `seen` selects, counted by the database: a clock
    is judged when it fell due or was met between start and now; on time when met by its due
    time, late otherwise (met late, or still open past due) — figures.verdict's rule."""
    good = and_(col(Clock.met_at).is_not(None), col(Clock.met_at) <= col(Clock.due_at))
    on_time, judged = session.execute(
        select(func.coalesce(func.sum(case((good, 1), else_=0)), 0), func.count())
        .where(col(Clock.incident_id).in_(seen), col(Clock.kind).in_(KINDS),
               or_(and_(col(Clock.due_at) >= start, col(Clock.due_at) <= now),
                   and_(col(Clock.met_at) >= start, col(Clock.met_at) <= now)))).one()
    return OnTime(int(on_time), int(judged) - int(on_time))


def rung(step: str) -> str:
    """warn_50 / warn_80 → warn; urge, supervise as they are."""
    return "warn" if step.startswith("warn") else step


def ladder(steps: Iterable[tuple[int, str]]) -> dict[str, int]:
    """(incident id, step name) pairs → how many incidents stand on each rung (their highest)."""
    highest: dict[int, int] = {}
    for incident_id, step in steps:
        r = rung(step)
        if r in RUNGS:
            highest[incident_id] = max(highest.get(incident_id, -1), RUNGS.index(r))
    counts = Counter(RUNGS[i] for i in highest.values())
    return {r: counts.get(r, 0) for r in RUNGS}


router = APIRouter(prefix="/api/dashboard", tags=["dashboard"])


def urgent_ids(session, viewer, org, now: datetime, n: int = URGENT) -> list[int]:
    """The wall's 临近超时 list: the `n` open incidents whose earliest open clock falls due next,
    then the `n` whose clocks were breached last (the oldest breach is not the next task). Walks
    incident.open_due_at from now (ix_incident_open_due) and the open clocks back from now
    (ix_clock_open_due), a few rows each."""
    due_at = col(Incident.open_due_at)  # the earliest open clock (migration 0016): past now, none is overdue
    ahead = session.execute(open_incidents(viewer, org).with_only_columns(col(Incident.id))
                            .where(due_at > now).order_by(due_at, col(Incident.id)).limit(n)).scalars().all()
    clocks = (open_incidents(viewer, org).join(Clock, col(Clock.incident_id) == col(Incident.id))
              .where(col(Clock.met_at).is_(None)).with_only_columns(col(Incident.id)))
    over = session.execute(clocks.where(col(Clock.due_at) <= now)
                           .order_by(col(Clock.due_at).desc(), col(Clock.id)).limit(4 * n)).scalars().all()
    return [*list(dict.fromkeys(int(i) for i in ahead))[:n], *list(dict.fromkeys(int(i) for i in over))[:n]]


def figures(session: Session, viewer: Principal, org: OrgChart, timezone: str) -> dict:
    """The wall's figures for `viewer`'s scope, read now."""
    now = utcnow()
    start = day_start(now, timezone)
    seen = seen_ids(viewer, org)  # the viewer's incidents, from incident_unit's index alone
    result = on_time_today(session, seen, start, now)
    steps = session.execute(
        select(EscalationStep.incident_id, EscalationStep.step)
        .join(Clock, col(Clock.id) == EscalationStep.clock_id)
        .join(Incident, col(Incident.id) == EscalationStep.incident_id)
        .where(col(Clock.met_at).is_(None), Incident.status != "closed", col(EscalationStep.incident_id).in_(seen))
    ).all()
    ids = urgent_ids(session, viewer, org, now)
    rows = load_rows(session, ids)
    return {
        "on_time": {"on_time": result.on_time, "late": result.late, "total": result.total,
                    "rate": result.shown_rate(), "min_base": MIN_BASE, "since": start.isoformat()},
        "ladder": ladder((int(r[0]), r[1]) for r in steps),
        "open": open_counts(session, viewer, org, now),
        "urgent": [rows[i] for i in dict.fromkeys(ids) if i in rows],
    }


@router.get("/wall", summary="大屏指标：今日按时回应率、升级阶梯、未办结计数、临近超时 / wallboard figures (viewer-scoped)")
def wall(request: Request, viewer: ReaderDep, session: SessionDep, settings: SettingsDep) -> dict:
    """Read once per scope and shared for wall_cache_seconds by every screen of that scope
    (the app's cache, `install`): the figures depend on the scope only, not on who looks."""
    org = load_engine(settings, session).org
    cache: ScopeCache[dict] = request.app.state.wall_cache
    return cache.get(scope_names(viewer, org), lambda: figures(session, viewer, org, settings.timezone))


def install(app: FastAPI) -> None:
    """The wall's route, and its cache: one per app (an app serves one database and time zone)."""
    app.state.wall_cache = ScopeCache[dict](app.state.settings.wall_cache_seconds)
    app.include_router(router)
