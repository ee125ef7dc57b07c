"""The workflow state machine as a table: every transition from every state, for each kind of
viewer, is allowed or refused with the right status (404 unseen, 403 not yours, 409 state)."""

from __future__ import annotations

import pytest

from routing.orgfile import load_demo_org
from service.auth.rules import Assignment, Principal, Role
from service.incidents.rules import Case, Channel, FollowUp, Status, Transition, available, check, clocks_met

ORG = load_demo_org()
A, B = "米山镇人民政府", "高平市市场监督管理局"  # first responsible, co-responsible
INCIDENT = Assignment(level_region="高平市", regions=("米山镇",), first_responsible=(A,), co_responsible=(B,))

LIAISON_A = Principal(1, "liaison_a", Role.LIAISON, unit=A)
LIAISON_B = Principal(2, "liaison_b", Role.LIAISON, unit=B)
OUTSIDER = Principal(3, "liaison_x", Role.LIAISON, unit="高平市教育局")
COORDINATOR = Principal(4, "coord", Role.COORDINATOR, unit="高平市人民政府办公室", region="高平市")
FAR_COORDINATOR = Principal(5, "coord_far", Role.COORDINATOR, region="阳城县")
LEADER = Principal(6, "leader", Role.LEADER, region="高平市")
REVIEWER = Principal(7, "reviewer", Role.REVIEWER, region="高平市")
ADMIN = Principal(8, "admin", Role.ADMIN)

T, S = Transition, Status
ALL = list(Status)


def case(status: Status) -> Case:
    """In claimed/responded the claim is liaison A's."""
    return Case(status, claimed_unit=A if status in (S.CLAIMED, S.RESPONDED) else None)


# (transition) → the states it is allowed from, written out here independently of the rules
LIAISON_ALLOWED = {
    T.CLAIM: {S.UNCLAIMED}, T.RESPOND: {S.CLAIMED, S.RESPONDED}, T.FOLLOW_UP: {S.RESPONDED},
    T.CLOSE: {S.RESPONDED}, T.RETURN: {S.UNCLAIMED, S.CLAIMED},
}
COORDINATOR_ALLOWED = {
    T.CLOSE: {S.RESPONDED}, T.ARBITRATE: {S.RETURNED}, T.TRANSFER: {S.UNCLAIMED, S.CLAIMED, S.RETURNED},
    T.LEAD: set(ALL) - {S.CLOSED}, T.MERGE: set(ALL) - {S.CLOSED}, T.REGRADE: set(ALL) - {S.CLOSED},
}


def outcome(viewer: Principal, t: Transition, status: Status) -> int:
    refusal = check(viewer, t, case(status), INCIDENT, ORG)
    return 200 if refusal is None else refusal.status


@pytest.mark.parametrize("t", list(Transition))
@pytest.mark.parametrize("status", ALL)
def test_claiming_liaison(t: Transition, status: Status) -> None:
    if t not in LIAISON_ALLOWED:
        expected = 403  # coordinator's business
    else:
        expected = 200 if status in LIAISON_ALLOWED[t] else 409
    assert outcome(LIAISON_A, t, status) == expected


@pytest.mark.parametrize("t", list(Transition))
@pytest.mark.parametrize("status", ALL)
def test_coordinator(t: Transition, status: Status) -> None:
    if t not in COORDINATOR_ALLOWED:
        expected = 403  # handling is the units'
    else:
        expected = 200 if status in COORDINATOR_ALLOWED[t] else 409
    assert outcome(COORDINATOR, t, status) == expected


@pytest.mark.parametrize("t", list(Transition))
@pytest.mark.parametrize("status", ALL)
def test_those_who_do_not_see_it_get_404_whatever_the_state(t: Transition, status: Status) -> None:
    assert outcome(OUTSIDER, t, status) == 404
    assert outcome(FAR_COORDINATOR, t, status) == 404


@pytest.mark.parametrize("viewer", [LEADER, REVIEWER])
@pytest.mark.parametrize("t", list(Transition))
def test_leaders_and_reviewers_read_but_do_not_act(viewer: Principal, t: Transition) -> None:
    for status in ALL:
        assert outcome(viewer, t, status) == 403


def test_another_assigned_unit_may_claim_but_not_answer_or_return_a_claim_it_does_not_hold() -> None:
    assert outcome(LIAISON_B, T.CLAIM, S.UNCLAIMED) == 200
    assert outcome(LIAISON_B, T.RETURN, S.UNCLAIMED) == 200
    for t, status in [(T.RESPOND, S.CLAIMED), (T.FOLLOW_UP, S.RESPONDED), (T.CLOSE, S.RESPONDED),
                      (T.RETURN, S.CLAIMED), (T.RESPOND, S.RESPONDED)]:
        refusal = check(LIAISON_B, t, case(status), INCIDENT, ORG)
        assert refusal is not None and refusal.status == 403 and "认领" in refusal.zh


def test_wrong_state_message_names_the_state_in_chinese() -> None:
    refusal = check(LIAISON_A, T.RESPOND, case(S.UNCLAIMED), INCIDENT, ORG)
    assert refusal.status == 409 and "待认领" in refusal.zh and "unclaimed" in refusal.en


def test_admin_arbitrates_and_closes_but_cannot_claim_without_a_unit() -> None:
    assert outcome(ADMIN, T.ARBITRATE, S.RETURNED) == 200
    assert outcome(ADMIN, T.CLOSE, S.RESPONDED) == 200
    assert outcome(ADMIN, T.CLAIM, S.UNCLAIMED) == 403


def test_available_lists_the_buttons_of_the_viewer() -> None:
    assert available(LIAISON_A, case(S.UNCLAIMED), INCIDENT, ORG) == [T.CLAIM, T.RETURN]
    assert available(LIAISON_A, case(S.RESPONDED), INCIDENT, ORG) == [T.RESPOND, T.FOLLOW_UP, T.CLOSE]
    assert available(COORDINATOR, case(S.RETURNED), INCIDENT, ORG) == [T.ARBITRATE, T.TRANSFER, T.LEAD, T.MERGE,
                                                                       T.REGRADE]
    assert available(COORDINATOR, case(S.CLOSED), INCIDENT, ORG) == []
    assert available(LEADER, case(S.CLAIMED), INCIDENT, ORG) == []


def test_clocks_met_by_responses_and_follow_ups() -> None:
    assert clocks_met("response", Channel.WEBSITE) == {"response", "feedback"}
    assert clocks_met("response", Channel.PRESS) == {"response", "feedback", "press_conference"}
    assert clocks_met(FollowUp.INFO, Channel.AUTHORITATIVE) == {"followup_info", "emergency_info"}
    assert clocks_met(FollowUp.RESULT, None) == {"followup_result"}

