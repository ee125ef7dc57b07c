"""Every audit action the service writes, and the detail each one carries.

The audit log also feeds the reports (service.reports.loaders), the classifier's training data
(service.learning.corrections, merge_pairs), the dashboard's timeline and live feed: a renamed
action or detail key would break them silently. So writers and readers name actions by
`AuditAction` member and details by their TypedDict: mypy checks the keys at both ends, and
`check_detail` (called by `record`) refuses a detail whose keys are not its action's.

A detail is a plain dict (a TypedDict builds one): what is stored is the same JSON as before
the schemas existed (same keys, same values, same order), so old rows read as new ones.
"""

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, NotRequired, TypedDict

from service.audit.duty_details import DutiesBackfilled, DutyClaimExpired


class AuditAction(StrEnum):
    # accounts
    USER_CREATED = "user.created"
    USER_DISABLED = "user.disabled"
    USER_ENABLED = "user.enabled"
    LOGIN_THROTTLED = "login.throttled"
    # incidents: ingest and the workflow (service.incidents)
    INCIDENT_CREATED = "incident.created"
    INCIDENT_ITEM_MERGED = "incident.item_merged"
    INCIDENT_ITEM_SPLIT = "incident.item_split"
    INCIDENT_CLAIMED = "incident.claimed"
    INCIDENT_CLAIM_EXPIRED = "incident.claim_expired"
    INCIDENT_RESPONDED = "incident.responded"
    INCIDENT_FOLLOWED_UP = "incident.followed_up"
    INCIDENT_CLOSED = "incident.closed"
    INCIDENT_RETURNED = "incident.returned"
    INCIDENT_ARBITRATED = "incident.arbitrated"
    INCIDENT_TRANSFERRED = "incident.transferred"
    INCIDENT_LEAD_DESIGNATED = "incident.lead_designated"
    INCIDENT_MERGED = "incident.merged"
    INCIDENT_MERGED_INTO = "incident.merged_into"
    INCIDENT_TOPIC_CHANGED = "incident.topic_changed"
    INCIDENT_SEVERITY_CHANGED = "incident.severity_changed"
    INCIDENT_REVIEWED = "incident.reviewed"
    INCIDENT_SUPERVISED = "incident.supervised"
    INCIDENT_SUPERVISION_ANSWERED = "incident.supervision_answered"
    INCIDENT_SUPERVISION_SIGNED = "incident.supervision_signed"
    INCIDENT_ATTACHMENT_ADDED = "incident.attachment_added"
    # each unit's duty on an incident (service.incidents.duties, issue 15)
    DUTY_CLAIMED = "incident.duty_claimed"
    DUTY_RESPONDED = "incident.duty_responded"
    DUTY_CONFIRMED = "incident.duty_confirmed"
    STATEMENT_RECORDED = "incident.statement_recorded"
    PARTY_REPORTED = "incident.party_reported"
    DUTY_CLAIM_EXPIRED = "incident.duty_claim_expired"  # the sweep: a unit's duty claim lapsed
    DUTIES_BACKFILLED = "incident.duties_backfilled"  # an incident older than the duties given its own
    # escalation steps of the shipped policy; other warn fractions are members too (_missing_)
    ESCALATION_WARN_50 = "escalation.warn_50"
    ESCALATION_WARN_80 = "escalation.warn_80"
    ESCALATION_URGE = "escalation.urge"
    ESCALATION_SUPERVISE = "escalation.supervise"
    # items
    ITEM_FAILED = "item.failed"
    ITEM_RETRIED = "item.retried"
    ITEM_REPORTED = "item.reported"  # 舆情报送 by a person
    ITEMS_IMPORTED = "items.imported"  # a CSV/XLSX import (one entry per file)
    # alerts and digests
    ALERT_ACKNOWLEDGED = "alert.acknowledged"
    ALERT_CHANNEL_ADDED = "alert_channel.added"
    ALERT_CHANNEL_REMOVED = "alert_channel.removed"
    DIGEST_RUN = "digest.run"
    # the classifier's retrain (service.learning.retrain)
    CLASSIFIER_MODEL_PROMOTED = "classifier.model_promoted"
    CLASSIFIER_RETRAIN_KEPT = "classifier.retrain_kept"
    # the 政务舆情 register and the working-day calendar (service.register, service.calendar)
    REGISTER_EDITED = "register.edited"
    CALENDAR_YEAR_SET = "calendar.year_set"
    # accountability, 整改 and the annual assessment (service.accountability)
    ACCOUNTABILITY_RECORDED = "accountability.recorded"
    RECTIFICATION_DUE_SET = "rectification.due_set"
    RECTIFICATION_SUBMITTED = "rectification.submitted"
    RECTIFICATION_REMINDED = "rectification.reminded"
    RECTIFICATION_OVERDUE = "rectification.overdue"
    ASSESSMENT_RECORDED = "assessment.recorded"
    # chain 0's record of a chain's first entry (service.audit.chain)
    CHAIN_STARTED = "audit.chain_started"

    @classmethod
    def _missing_(cls, value: object) -> "AuditAction | None":
        # warn steps are named after the policy's warn fractions (routing.escalation.warn_name):
        # a policy warning at 30 % writes escalation.warn_30, a member made on first use
        if isinstance(value, str) and _WARN.fullmatch(value):
            member = str.__new__(cls, value)
            member._name_, member._value_ = value.replace(".", "_").upper(), value
            return cls._value2member_map_.setdefault(value, member)  # type: ignore[return-value]
        return None

    @classmethod
    def escalation(cls, step: str) -> "AuditAction":
        """The action of an escalation step (warn_50, urge, supervise, …)."""
        return cls(ESCALATION_PREFIX + step)



ESCALATION_PREFIX = "escalation."


def escalation_step(action: str) -> str | None:
    """warn_50, urge, … of an escalation action; None for any other action, also one read from
    an old row that names no member."""
    return action.removeprefix(ESCALATION_PREFIX) if action.startswith(ESCALATION_PREFIX) else None
_WARN = re.compile(r"escalation\.warn_\d{1,3}")


# --- details -------------------------------------------------------------------------------
# Keys in the order the writers have always stored them. Values are the JSON forms (ISO text
# for times, lists for sequences).
class UserCreated(TypedDict):
    username: str
    role: str
    unit: str | None
    region: str | None


class Username(TypedDict):  # user.disabled, user.enabled
    username: str


class LoginThrottled(TypedDict):
    key: str
    failures: int


class IncidentCreated(TypedDict):
    topic: str
    severity: str
    first_responsible: list[str]
    reasons: list[str]


class ItemMerged(TypedDict):
    explanation: str
    score: float


class ItemSplit(TypedDict):
    new_incident_id: int | None


class Claimed(TypedDict):
    unit: str | None


class ClaimExpired(TypedDict):
    claimed_by: str | None
    unit: str | None
    claimed_at: str
    recipients: list[str]


class Responded(TypedDict):
    unit: str | None
    channel: str
    text: str
    link: str | None
    clocks_met: list[str]


class FollowedUp(TypedDict):
    unit: str | None
    kind: str
    channel: str | None
    text: str
    link: str | None
    clocks_met: list[str]


class Closed(TypedDict):
    note: str | None


class Returned(TypedDict):
    unit: str | None
    grounds: str


class Units(TypedDict):  # the before/after of a re-assignment
    first_responsible: list[str]
    co_responsible: list[str]
    lead: str | None


class Arbitrated(TypedDict):
    accept: bool
    note: str | None
    returned_by: str | None
    returned_unit: str | None
    grounds: str | None
    before: Units
    after: Units


class Transferred(TypedDict):
    note: str | None
    before: Units
    after: Units


class LeadDesignated(TypedDict):
    before: str | None
    after: str | None
    note: str | None


class Merged(TypedDict):
    absorbed: int
    item_ids: list[int | None]  # Item.id, None only before a flush
    received_at: str


class MergedInto(TypedDict):
    survivor: int


class Regraded(TypedDict):  # incident.topic_changed, incident.severity_changed
    before: str
    after: str
    why: str


class Reviewed(TypedDict):
    review_id: int | None
    unit: str
    timeliness: int
    accuracy: int
    authority: int
    handling: int
    score: float
    comments: str
    accountability: bool
    accountability_ground: str | None
    accountability_note: str | None


class Supervised(TypedDict):
    notice_id: int | None
    units: list[str]
    requirement: str
    due_at: str


class SupervisionAnswered(TypedDict):
    notice_id: int
    unit: str | None
    answer: str | None
    late: bool


class SupervisionSigned(TypedDict):
    notice_id: int
    doc_no: str | None
    unit: str | None
    claimed: bool  # 签收 took the incident on for the unit (it was 待认领)


class AttachmentAdded(TypedDict):  # on an item (item_id), a response or a notice's answer (incident_id)
    attachment_ids: list[int]
    owner: str  # item / response / notice
    owner_id: int
    names: list[str]
    sha256: list[str]


class ItemReported(TypedDict):
    source: str
    external_id: str
    unit: str | None
    link: str | None
    attachments: int
    duplicate: bool


class ItemsImported(TypedDict):
    filename: str
    source: str
    rows: int
    created: int
    duplicates: int
class DutyClaimed(TypedDict):
    duty_id: int
    unit: str
    role: str


class DutyResponded(TypedDict):
    duty_id: int
    unit: str
    role: str
    channel: str
    text: str
    link: str | None
    answers_for: list[str]  # the units whose duties this answer met (the lead's: the others too)
    deadlines: list[str]  # the labels of the clocks it met: 回应（高平市公安局）, and 回应 with the last one
    statement_id: int | None
    on_time: bool


class DutyConfirmed(TypedDict):
    duty_id: int
    unit: str
    lead: str | None
    note: str | None


class StatementRecorded(TypedDict):
    statement_id: int | None
    text: str


class PartyReported(TypedDict):
    duty_id: int
    report_to: str | None
    reporter: str
    method: str
    reported_at: str
    note: str | None
    on_time: bool


class Escalated(TypedDict):  # every escalation.* step
    clock: str
    label: str
    recipients: list[str]
    due_at: str


class ItemFailed(TypedDict):
    error: str


class ItemRetried(TypedDict):
    previous_error: str | None


class AlertAcknowledged(TypedDict):
    alert_id: int | None
    step: str
    label: str
    audience: str


class ChannelAdded(TypedDict):
    channel_id: int | None
    kind: str
    audience: str
    target: str


class ChannelRemoved(TypedDict):
    channel_id: int | None
    kind: str
    audience: str


class DigestRun(TypedDict):
    day: str
    region: str | None
    digests: list[int | None]
    deliveries: int


class Retrained(TypedDict):  # classifier.model_promoted, classifier.retrain_kept (RetrainResult)
    promoted: bool
    reason: str
    active_version: str | None
    candidate_version: str | None
    candidate_f1: float | None
    current_f1: float | None
    n_train: int
    n_corrections: int
    changed: int


class RegisterEdited(TypedDict):
    unit: str
    before: dict[str, Any] | None  # the register in force before (file or earlier edit)
    after: dict[str, Any]


class CalendarYearSet(TypedDict):
    year: int
    holidays: list[str]
    workdays: list[str]
    source: str


class AccountabilityRecorded(TypedDict):
    record_id: int | None
    unit: str
    persons: list[dict[str, str]]
    ground: str
    sanction: str
    note: str
    rectify_days: int | None
    due_at: str | None  # None: the calendar lacks a year, set later (rectification.due_set)


class RectificationStep(TypedDict):  # rectification.due_set / reminded / overdue
    record_id: int | None
    unit: str
    due_at: str | None


class RectificationSubmitted(TypedDict):
    record_id: int | None
    unit: str
    report: str
    late: bool


class AssessmentRecorded(TypedDict):
    assessment_id: int | None
    unit: str
    year: int
    score: float
    grade: str
    record_id: int | None  # the 通报批评 of a 不合格


class ChainStarted(TypedDict):
    chain: int
    backfilled: NotRequired[bool]  # written by migration 0008 for chains older than the markers


_A = AuditAction
DETAIL: dict[AuditAction, type] = {
    _A.USER_CREATED: UserCreated, _A.USER_DISABLED: Username, _A.USER_ENABLED: Username,
    _A.LOGIN_THROTTLED: LoginThrottled,
    _A.INCIDENT_CREATED: IncidentCreated, _A.INCIDENT_ITEM_MERGED: ItemMerged, _A.INCIDENT_ITEM_SPLIT: ItemSplit,
    _A.INCIDENT_CLAIMED: Claimed, _A.INCIDENT_CLAIM_EXPIRED: ClaimExpired, _A.INCIDENT_RESPONDED: Responded,
    _A.INCIDENT_FOLLOWED_UP: FollowedUp, _A.INCIDENT_CLOSED: Closed, _A.INCIDENT_RETURNED: Returned,
    _A.INCIDENT_ARBITRATED: Arbitrated, _A.INCIDENT_TRANSFERRED: Transferred,
    _A.INCIDENT_LEAD_DESIGNATED: LeadDesignated, _A.INCIDENT_MERGED: Merged, _A.INCIDENT_MERGED_INTO: MergedInto,
    _A.INCIDENT_TOPIC_CHANGED: Regraded, _A.INCIDENT_SEVERITY_CHANGED: Regraded, _A.INCIDENT_REVIEWED: Reviewed,
    _A.INCIDENT_SUPERVISED: Supervised, _A.INCIDENT_SUPERVISION_ANSWERED: SupervisionAnswered,
    _A.INCIDENT_SUPERVISION_SIGNED: SupervisionSigned, _A.INCIDENT_ATTACHMENT_ADDED: AttachmentAdded,
    _A.DUTY_CLAIMED: DutyClaimed, _A.DUTY_RESPONDED: DutyResponded, _A.DUTY_CONFIRMED: DutyConfirmed,
    _A.STATEMENT_RECORDED: StatementRecorded, _A.PARTY_REPORTED: PartyReported,
    _A.DUTY_CLAIM_EXPIRED: DutyClaimExpired, _A.DUTIES_BACKFILLED: DutiesBackfilled,
    _A.ESCALATION_WARN_50: Escalated, _A.ESCALATION_WARN_80: Escalated, _A.ESCALATION_URGE: Escalated,
    _A.ESCALATION_SUPERVISE: Escalated,
    _A.ITEM_FAILED: ItemFailed, _A.ITEM_RETRIED: ItemRetried, _A.ITEM_REPORTED: ItemReported,
    _A.ITEMS_IMPORTED: ItemsImported,
    _A.ALERT_ACKNOWLEDGED: AlertAcknowledged, _A.ALERT_CHANNEL_ADDED: ChannelAdded,
    _A.ALERT_CHANNEL_REMOVED: ChannelRemoved, _A.DIGEST_RUN: DigestRun,
    _A.CLASSIFIER_MODEL_PROMOTED: Retrained, _A.CLASSIFIER_RETRAIN_KEPT: Retrained,
    _A.REGISTER_EDITED: RegisterEdited, _A.CALENDAR_YEAR_SET: CalendarYearSet,
    _A.ACCOUNTABILITY_RECORDED: AccountabilityRecorded, _A.RECTIFICATION_DUE_SET: RectificationStep,
    _A.RECTIFICATION_SUBMITTED: RectificationSubmitted, _A.RECTIFICATION_REMINDED: RectificationStep,
    _A.RECTIFICATION_OVERDUE: RectificationStep, _A.ASSESSMENT_RECORDED: AssessmentRecorded,
    _A.CHAIN_STARTED: ChainStarted,
}
# the field re-graded → its action (service.incidents.retiming writes, service.learning.corrections reads)
REGRADED = {"topic": _A.INCIDENT_TOPIC_CHANGED, "severity": _A.INCIDENT_SEVERITY_CHANGED}


def schema_of(action: AuditAction) -> type:
    """The TypedDict of an action's detail."""
    return Escalated if escalation_step(action) is not None else DETAIL[action]


class DetailError(TypeError):
    """A detail whose keys are not its action's: a writer and the schema disagree."""


def check_detail(action: AuditAction, detail: Mapping[str, Any]) -> None:
    if not isinstance(action, AuditAction):
        raise DetailError(f"audit action {action!r} is not an AuditAction")
    schema: Any = schema_of(action)  # a TypedDict class
    required, allowed = schema.__required_keys__, schema.__required_keys__ | schema.__optional_keys__
    keys = detail.keys()
    if not required <= keys <= allowed:
        missing, unknown = sorted(required - keys), sorted(keys - allowed)
        raise DetailError(f"{action}: detail keys do not match {schema.__name__} "
                          f"(missing {missing}, unknown {unknown})")


def key_of(key: str, *schemas: Any) -> str:
    """`key`, checked to be a key of every one of `schemas`: for readers that name a detail key
    in SQL (a JSON path), where mypy cannot see the TypedDict. Call it at import."""
    for schema in schemas:
        if key not in schema.__required_keys__ | schema.__optional_keys__:
            raise KeyError(f"{schema.__name__} has no key {key!r}")
    return key
