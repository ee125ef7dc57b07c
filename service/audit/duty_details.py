"""The details of the sweep's and the backfill's steps on the units' duties (issue 15): kept
beside service.audit.actions (which registers them in its DETAIL table) to keep that module
small."""

from typing import TypedDict


class DutyClaimExpired(TypedDict):
    """A unit's claim of its own duty lapsed unanswered (policy claim_timeout_hours): open again."""

    duty_id: int
    unit: str
    role: str
    claimed_by: str | None
    claimed_at: str
    recipients: list[str]


class BackfilledDuty(TypedDict):
    unit: str
    role: str
    status: str  # open / claimed / met, as the incident's legacy claim and response left it


class DutiesBackfilled(TypedDict):
    """An incident opened before the duties existed (migration 0015) given its duties, with its
    claim and response carried over (service.incidents.duty_backfill); `duties` may be empty."""

    duties: list[BackfilledDuty]
