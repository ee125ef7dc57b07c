"""Response clocks: which deadlines an incident gets and when they fall due.

`compute_clocks` turns a severity and the time the item was received into one `ClockDue`
per applicable `ClockRule` of the policy. Re-timing after a severity change is calling it
again with the original `received_at` (an upgrade may make a clock overdue at once).
Pure: no clock (`now` is always a parameter); all datetimes must be timezone-aware.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from routing.facts import Severity
from routing.policy import ClockRule, Policy


@dataclass(frozen=True)
class ClockDue:
    kind: str  # response, feedback, ...
    label: str  # 回应, 核实处置反馈, ...
    started_at: datetime
    due_at: datetime


def require_aware(dt: datetime, name: str = "datetime") -> datetime:
    """Raise ValueError for a naive datetime: a deadline without a time zone is ambiguous."""
    if dt.tzinfo is None or dt.tzinfo.utcoffset(dt) is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {dt.isoformat()}")
    return dt


def applies(rule: ClockRule, severity: Severity, *, verification_request: bool, emergency: bool) -> bool:
    """An enabled rule with hours for the severity whose `only_for` condition holds."""
    conditions = {None: True, "verification_request": verification_request, "emergency": emergency}
    return rule.enabled and severity in rule.hours and conditions.get(rule.only_for, False)


def compute_clocks(
    *,
    severity: Severity | str,
    received_at: datetime,
    verification_request: bool,
    emergency: bool,
    policy: Policy,
) -> tuple[ClockDue, ...]:
    require_aware(received_at, "received_at")
    level = Severity(severity)
    return tuple(
        ClockDue(rule.kind, rule.label, received_at, received_at + timedelta(hours=rule.hours[level]))
        for rule in policy.clocks
        if applies(rule, level, verification_request=verification_request, emergency=emergency)
    )


def is_overdue(clock: ClockDue, now: datetime) -> bool:
    """True once the deadline has been reached (催办 fires at the same instant)."""
    return require_aware(now, "now") >= clock.due_at


def to_policy_tz(dt: datetime, policy: Policy) -> datetime:
    """The same instant in the policy's time zone (Asia/Shanghai), for display and ISO output."""
    return require_aware(dt).astimezone(ZoneInfo(policy.timezone))
