"""Who may take which step on one duty of an incident: pure rules over plain data.

A liaison acts only for his own unit's duty (claim it, answer it, confirm the lead's answer
for it); the party-committee report and the agreed statement are the coordinator's. The API
turns a refusal into 403 (not yours) or 409 (not in this state). No database, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from routing.duties import RESPONSE_ROLES, DutyRole
from service.auth.rules import Principal
from service.incidents.rules import Refusal, Status

OPEN, CLAIMED, MET, DROPPED = "open", "claimed", "met", "dropped"
DUTY_STATUS_LABEL = {OPEN: "待认领", CLAIMED: "已认领", MET: "已回应", DROPPED: "已撤销"}
ACTIVE = frozenset({Status.UNCLAIMED, Status.CLAIMED, Status.RESPONDED})  # not returned, not closed


class DutyStep(StrEnum):
    CLAIM = "claim"  # 认领本单位职责
    RESPOND = "respond"  # 回应本单位职责
    CONFIRM = "confirm"  # 确认牵头部门的回应


STEP_LABEL = {DutyStep.CLAIM: "认领", DutyStep.RESPOND: "回应", DutyStep.CONFIRM: "确认"}


@dataclass(frozen=True)
class DutyCase:
    """One duty's state and its incident's (plain copies of the columns)."""

    unit: str
    role: DutyRole
    status: str
    incident_status: Status
    met_unit: str | None = None
    confirmed: bool = False


def check_duty(viewer: Principal, step: DutyStep, case: DutyCase) -> Refusal | None:
    """None when `viewer` may take `step` on the duty now; else why not."""
    label = STEP_LABEL[step]
    if case.role not in RESPONSE_ROLES:
        return Refusal(409, "向同级党委报告由政府办公室登记", "the party-committee report is recorded by the office")
    if viewer.unit != case.unit:
        return Refusal(403, f"只能{label}本单位的职责", f"you may {step.value} only your own unit's duty")
    if case.incident_status not in ACTIVE:
        return Refusal(409, f"事件当前不能{label}", f"the incident is {case.incident_status.value}")
    if step is DutyStep.CLAIM and case.status != OPEN:
        return Refusal(409, "本单位职责已认领或已回应", "this duty is already claimed or answered")
    if step is DutyStep.RESPOND and case.status != CLAIMED:
        zh = "请先认领本单位职责" if case.status == OPEN else "本单位职责已回应"
        return Refusal(409, zh, "claim the duty first" if case.status == OPEN else "this duty is already answered")
    if step is DutyStep.CONFIRM and not awaits_confirmation(case):
        return Refusal(409, "没有待确认的牵头部门回应", "no answer of the lead awaits this unit's confirmation")
    return None


def awaits_confirmation(case: DutyCase) -> bool:
    """A first-responsible unit's duty the lead answered for and the unit has not confirmed."""
    return (case.role is DutyRole.FIRST and case.status == MET and case.met_unit not in (None, case.unit)
            and not case.confirmed)


def steps_for(viewer: Principal, case: DutyCase) -> list[str]:
    """The steps the viewer may take on the duty now (the page shows these buttons)."""
    return [s.value for s in DutyStep if check_duty(viewer, s, case) is None]
