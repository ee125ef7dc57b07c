"""The incident workflow as pure rules: states, transitions, and who may take which one.

`check(viewer, transition, case, assignment, org)` answers with a `Refusal` (or None when the
step is allowed); the API turns a refusal into 404 (may not see it: existence is not leaked),
403 (sees it but may not act) or 409 (acts, but not in this state). No database, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from routing.orgchart import OrgChart
from service.auth.rules import GRANTS, Action, Assignment, Principal, may, sees


class Status(StrEnum):
    UNCLAIMED = "unclaimed"  # 待认领
    CLAIMED = "claimed"  # 已认领
    RESPONDED = "responded"  # 已回应
    RETURNED = "returned"  # 退回待审定
    CLOSED = "closed"  # 已办结


STATUS_LABEL = {Status.UNCLAIMED: "待认领", Status.CLAIMED: "已认领", Status.RESPONDED: "已回应",
                Status.RETURNED: "退回待审定", Status.CLOSED: "已办结"}
# deadlines pause for nothing: every state but closed keeps the clocks running
OPEN = frozenset({Status.UNCLAIMED, Status.CLAIMED, Status.RESPONDED, Status.RETURNED})


class Channel(StrEnum):
    """Response channels named by the seeds (seed 001 四, 舆情回应)."""

    AUTHORITATIVE = "发布权威信息"
    PRESS = "新闻发布会或吹风会"
    INTERVIEW = "接受媒体采访"
    WEBSITE = "政府网站"
    NEW_MEDIA = "政务新媒体"


class FollowUp(StrEnum):
    INFO = "info"  # 跟进发布权威信息
    RESULT = "result"  # 发布调查结果


FOLLOW_UP_LABEL = {FollowUp.INFO: "跟进发布权威信息", FollowUp.RESULT: "调查结果"}


def clocks_met(kind: str, channel: Channel | None) -> frozenset[str]:
    """Clock kinds a response (`kind` "response") or follow-up ("info"/"result") meets.

    A response answers the public (`response`) and, for 要求核实处置, reports back (`feedback`);
    the optional emergency milestones are met by their own channel."""
    met = {"response": {"response", "feedback"}, FollowUp.INFO: {"followup_info"},
           FollowUp.RESULT: {"followup_result"}}[kind]
    if channel is Channel.AUTHORITATIVE:
        met = met | {"emergency_info"}
    elif channel is Channel.PRESS:
        met = met | {"press_conference"}
    return frozenset(met)


class Transition(StrEnum):
    CLAIM = "claim"  # 认领
    RESPOND = "respond"  # 回应
    FOLLOW_UP = "follow_up"  # 跟进
    CLOSE = "close"  # 办结
    RETURN = "return"  # 退回
    ARBITRATE = "arbitrate"  # 审定退回
    TRANSFER = "transfer"  # 转办
    LEAD = "lead"  # 指定牵头部门
    MERGE = "merge"  # 合并事件
    REGRADE = "regrade"  # 改主题/等级、拆分


@dataclass(frozen=True)
class Rule:
    action: Action
    sources: frozenset[Status]  # states the transition starts from
    target: Status | None  # None: the state does not change
    label: str


_ANY_OPEN = OPEN
RULES: dict[Transition, Rule] = {
    Transition.CLAIM: Rule(Action.CLAIM, frozenset({Status.UNCLAIMED}), Status.CLAIMED, "认领"),
    Transition.RESPOND: Rule(Action.RESPOND, frozenset({Status.CLAIMED, Status.RESPONDED}), Status.RESPONDED, "回应"),
    Transition.FOLLOW_UP: Rule(Action.RESPOND, frozenset({Status.RESPONDED}), None, "跟进"),
    Transition.CLOSE: Rule(Action.RESPOND, frozenset({Status.RESPONDED}), Status.CLOSED, "办结"),
    Transition.RETURN: Rule(Action.RETURN, frozenset({Status.UNCLAIMED, Status.CLAIMED}), Status.RETURNED, "退回"),
    Transition.ARBITRATE: Rule(Action.ARBITRATE, frozenset({Status.RETURNED}), Status.UNCLAIMED, "审定"),
    Transition.TRANSFER: Rule(Action.ARBITRATE, frozenset({Status.UNCLAIMED, Status.CLAIMED, Status.RETURNED}),
                              Status.UNCLAIMED, "转办"),
    Transition.LEAD: Rule(Action.ARBITRATE, _ANY_OPEN, None, "指定牵头部门"),
    Transition.MERGE: Rule(Action.ARBITRATE, _ANY_OPEN, None, "合并"),
    Transition.REGRADE: Rule(Action.ARBITRATE, _ANY_OPEN, None, "调整"),
}
# the claimant's unit answers for the incident; a coordinator may also close an answered one
CLAIMANT_ONLY = frozenset({Transition.RESPOND, Transition.FOLLOW_UP, Transition.CLOSE})


@dataclass(frozen=True)
class Case:
    """The workflow state of one incident (plain copies of its columns)."""

    status: Status
    claimed_unit: str | None = None


@dataclass(frozen=True)
class Refusal:
    status: int  # 404, 403 or 409
    zh: str
    en: str


def check(viewer: Principal, transition: Transition, case: Case, a: Assignment, org: OrgChart) -> Refusal | None:
    """None when `viewer` may take `transition` on the incident now; else why not."""
    rule = RULES[transition]
    if not sees(viewer, a, org):
        return Refusal(404, "没有这个事件", "no such incident")
    if not _permitted(viewer, transition, rule, case, a, org):
        return Refusal(403, f"您无权对该事件执行“{rule.label}”", f"you may not {transition.value} this incident")
    if case.status not in rule.sources:
        return Refusal(409, f"事件当前为“{STATUS_LABEL[case.status]}”，不能{rule.label}",
                       f"cannot {transition.value} an incident that is {case.status.value}")
    if transition in CLAIMANT_ONLY and not _coordinates(viewer, transition) and viewer.unit != case.claimed_unit:
        return Refusal(403, "只有认领单位可以回应、跟进和办结", "only the claiming unit may respond, follow up or close")
    if transition is Transition.RETURN and case.status is Status.CLAIMED and viewer.unit != case.claimed_unit:
        return Refusal(403, "事件已由其他单位认领，不能退回", "another unit has claimed this incident")
    return None


def _coordinates(viewer: Principal, transition: Transition) -> bool:
    """Closing an answered incident is also the coordinator's (and admin's) call."""
    return transition is Transition.CLOSE and Action.ARBITRATE in GRANTS[viewer.role]


def _permitted(viewer: Principal, transition: Transition, rule: Rule, case: Case, a: Assignment, org: OrgChart) -> bool:
    if _coordinates(viewer, transition):
        return True
    if not may(viewer, rule.action, a, org):
        return False
    # handling is a unit's business: the acting liaison's unit must be assigned the incident
    if rule.action in (Action.CLAIM, Action.RESPOND, Action.RETURN):
        return viewer.unit is not None and viewer.unit in a.units
    return True


CLOSE_NOTE_MAX = 2000


def close_note_refusal(note: str | None) -> Refusal | None:
    """办结 needs a note saying how the matter was settled (issue 17 §8: 办结 with a note): a
    close without one, or with only spaces, is refused (422) and nothing is written."""
    if note is None or not note.strip():
        return Refusal(422, "办结须填写办结说明（办理结果）", "closing needs a note saying how the matter was settled")
    if len(note.strip()) > CLOSE_NOTE_MAX:
        return Refusal(422, f"办结说明不能超过 {CLOSE_NOTE_MAX} 字", f"a closing note is at most {CLOSE_NOTE_MAX} characters")
    return None


def next_status(transition: Transition, current: Status) -> Status:
    target = RULES[transition].target
    return current if target is None else target


def available(viewer: Principal, case: Case, a: Assignment, org: OrgChart) -> list[Transition]:
    """The transitions the viewer may take now (the dashboard shows these buttons)."""
    return [t for t in Transition if check(viewer, t, case, a, org) is None]
