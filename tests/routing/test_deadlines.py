"""Response clocks from the packaged policy (routing/data/policy.yaml)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from routing.deadlines import ClockDue, compute_clocks, is_overdue, to_policy_tz
from routing.facts import Severity
from routing.policy import Policy
from tests.routing.conftest import at

T0 = at(1, 9)


def _clocks(policy: Policy, severity: Severity, *, verification: bool = False, emergency: bool = False) -> dict:
    clocks = compute_clocks(
        severity=severity, received_at=T0, verification_request=verification, emergency=emergency, policy=policy
    )
    return {c.kind: c.due_at - c.started_at for c in clocks}


@pytest.mark.parametrize(
    ("severity", "hours"),
    [(Severity.ESPECIALLY_MAJOR, 24), (Severity.MAJOR, 24), (Severity.GENERAL, 48), ("一般", 48)],
)
def test_response_clock_per_severity(policy: Policy, severity: Severity, hours: int) -> None:
    clocks = compute_clocks(
        severity=severity, received_at=T0, verification_request=False, emergency=False, policy=policy
    )
    response = next(c for c in clocks if c.kind == "response")
    assert response == ClockDue("response", "回应", T0, T0 + timedelta(hours=hours))


@pytest.mark.parametrize(
    ("severity", "verification", "emergency", "kinds"),
    [
        (Severity.GENERAL, False, False, {"response", "followup_info", "followup_result"}),
        (Severity.GENERAL, True, False, {"response", "feedback", "followup_info", "followup_result"}),
        (Severity.MAJOR, False, True, {"response", "followup_info", "followup_result"}),  # emergency clocks off
    ],
)
def test_which_clocks(policy: Policy, severity: Severity, verification: bool, emergency: bool, kinds: set) -> None:
    assert set(_clocks(policy, severity, verification=verification, emergency=emergency)) == kinds


@pytest.mark.parametrize("severity", list(Severity))
def test_verification_feedback_is_24h(policy: Policy, severity: Severity) -> None:
    assert _clocks(policy, severity, verification=True)["feedback"] == timedelta(hours=24)


@pytest.mark.parametrize(
    ("severity", "emergency", "expected"),
    [
        (Severity.ESPECIALLY_MAJOR, True, {"emergency_info": 5, "press_conference": 24}),
        (Severity.MAJOR, True, {"emergency_info": 5, "press_conference": 24}),
        (Severity.GENERAL, True, {}),  # the national 5 h / 24 h milestones are for major emergencies only
        (Severity.MAJOR, False, {}),  # not an emergency
    ],
)
def test_emergency_clocks_when_enabled(policy: Policy, severity: Severity, emergency: bool, expected: dict) -> None:
    enabled = policy.with_clock_enabled("emergency_info").with_clock_enabled("press_conference")
    clocks = _clocks(enabled, severity, emergency=emergency)
    got = {k: v for k, v in clocks.items() if k in ("emergency_info", "press_conference")}
    assert got == {k: timedelta(hours=h) for k, h in expected.items()}


def test_disabled_clock_is_skipped(policy: Policy) -> None:
    assert "followup_result" not in _clocks(policy.with_clock_enabled("followup_result", False), Severity.GENERAL)


def test_naive_datetime_rejected(policy: Policy) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        compute_clocks(
            severity=Severity.GENERAL,
            received_at=datetime(2024, 3, 1, 9),
            verification_request=False,
            emergency=False,
            policy=policy,
        )
    clock = ClockDue("response", "回应", T0, T0 + timedelta(hours=48))
    with pytest.raises(ValueError):
        is_overdue(clock, datetime(2024, 3, 5))
    with pytest.raises(ValueError):
        to_policy_tz(datetime(2024, 3, 5), policy)


@pytest.mark.parametrize(
    ("elapsed_hours", "general_overdue", "major_overdue"),
    [(10, False, False), (24, False, True), (30, False, True), (48, True, True)],
)
def test_upgrade_can_be_overdue_at_once(policy: Policy, elapsed_hours: int, general_overdue: bool, major_overdue: bool) -> None:
    """一般 → 重大 after 30 h: re-timed from the original received_at, the 24 h clock is already past."""
    now = T0 + timedelta(hours=elapsed_hours)

    def response(severity: Severity) -> ClockDue:
        clocks = compute_clocks(
            severity=severity, received_at=T0, verification_request=False, emergency=False, policy=policy
        )
        return next(c for c in clocks if c.kind == "response")

    assert is_overdue(response(Severity.GENERAL), now) is general_overdue
    assert is_overdue(response(Severity.MAJOR), now) is major_overdue


def test_other_time_zones_compare_by_instant(policy: Policy) -> None:
    utc_received = datetime(2024, 3, 1, 1, tzinfo=UTC)  # = 09:00 in Beijing
    clocks = compute_clocks(
        severity=Severity.MAJOR, received_at=utc_received, verification_request=False, emergency=False, policy=policy
    )
    response = next(c for c in clocks if c.kind == "response")
    assert response.due_at == at(2, 9)
    assert to_policy_tz(response.due_at, policy).isoformat() == "2024-03-02T09:00:00+08:00"


@pytest.mark.parametrize(
    ("utc", "local"),
    [
        # Asia/Shanghai has no DST: always +08:00, also on the dates other zones switch
        (datetime(2024, 3, 10, 12, tzinfo=UTC), "2024-03-10T20:00:00+08:00"),
        (datetime(2024, 3, 31, 1, 30, tzinfo=UTC), "2024-03-31T09:30:00+08:00"),
        (datetime(2024, 7, 1, 16, tzinfo=UTC), "2024-07-02T00:00:00+08:00"),
        (datetime(2024, 11, 3, 6, tzinfo=UTC), "2024-11-03T14:00:00+08:00"),
    ],
)
def test_to_policy_tz_without_dst(policy: Policy, utc: datetime, local: str) -> None:
    converted = to_policy_tz(utc, policy)
    assert converted.isoformat() == local
    assert converted == utc  # the same instant
    assert str(converted.tzinfo) == "Asia/Shanghai"
