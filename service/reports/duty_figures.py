"""On time per unit per duty (issue 15): every duty an incident gave a unit (routing.duties —
first responsible, lead, a locality's own part, the report to the Party committee) counted
against its own deadline. Pure over plain rows; the loader is service.reports.loaders.

Definitions, as for the incident figures (service.reports.figures): on time = met at or before
its due time (a first-responsible unit the lead answered for counts by the lead's answer);
late = met after it, or not met once due at `as_of`; pending = not met and still within time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from routing.duties import ROLE_LABEL, DutyRole


@dataclass(frozen=True)
class DutyRecord:
    incident_id: int
    unit: str
    role: str
    due_at: datetime | None
    met_at: datetime | None


@dataclass(frozen=True)
class DutyFigures:
    unit: str
    role: str
    owed: int = 0
    on_time: int = 0
    late: int = 0
    pending: int = 0

    @property
    def on_time_rate(self) -> float | None:
        decided = self.on_time + self.late
        return self.on_time / decided if decided else None


def outcome(r: DutyRecord, as_of: datetime) -> str | None:
    """on_time / late / pending; None for a duty without a deadline (nothing to judge)."""
    if r.due_at is None:
        return None
    if r.met_at is not None:
        return "on_time" if r.met_at <= r.due_at else "late"
    return "late" if as_of >= r.due_at else "pending"


def by_unit_and_duty(records: Iterable[DutyRecord], as_of: datetime) -> list[DutyFigures]:
    """One row per (unit, role), units in name order, roles in the order of DutyRole."""
    tally: dict[tuple[str, str], dict[str, int]] = {}
    for r in records:
        counts = tally.setdefault((r.unit, r.role), {"owed": 0, "on_time": 0, "late": 0, "pending": 0})
        counts["owed"] += 1
        if (o := outcome(r, as_of)) is not None:
            counts[o] += 1
    order = {str(role): i for i, role in enumerate(DutyRole)}
    return [DutyFigures(unit, role, **c) for (unit, role), c in
            sorted(tally.items(), key=lambda kv: (kv[0][0], order.get(kv[0][1], 99)))]


def role_label(role: str) -> str:
    """第一责任 / 牵头 / 属地回应 / 向同级党委报告 (a role no longer known: as stored)."""
    return ROLE_LABEL.get(DutyRole(role), role) if role in DutyRole._value2member_map_ else role


def duty_json(rows: list[DutyFigures]) -> list[dict]:
    return [{"unit": f.unit, "role": f.role, "role_label": role_label(f.role),
             "owed": f.owed, "on_time": f.on_time, "late": f.late, "pending": f.pending,
             "on_time_rate": None if f.on_time_rate is None else round(f.on_time_rate, 4)} for f in rows]
