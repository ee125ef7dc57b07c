"""Typed inputs and outputs of the domain rules; plain frozen data, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ESPECIALLY_MAJOR = "特别重大"
    MAJOR = "重大"
    GENERAL = "一般"


SEVERITY_RANK = {Severity.GENERAL: 0, Severity.MAJOR: 1, Severity.ESPECIALLY_MAJOR: 2}

UNKNOWN_TOPIC = "待研判"  # nothing in the taxonomy fits: a coordinator must judge


class Scope(StrEnum):
    SINGLE = "single"
    MULTI_REGION = "multi_region"
    MULTI_DEPARTMENT = "multi_department"
    ESPECIALLY_MAJOR = "especially_major"


@dataclass(frozen=True)
class IncidentFacts:
    """What routing needs to know about an incident.

    `regions` and `departments` are full names known to the OrgChart (names it does not know
    are ignored by routing and mentioned in the reasons). `function` selects among several
    business authorities of a topic (e.g. 市政服务 → 水务); None means the topic's default.
    `lead` is a department designated to lead by a coordinator.
    """

    topic: str
    severity: Severity
    regions: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    verification_request: bool = False
    function: str | None = None
    lead: str | None = None


@dataclass(frozen=True)
class RoutingDecision:
    scope: Scope
    vertical: bool
    level_region: str  # the region whose government is in charge of the incident
    first_responsible: tuple[str, ...]
    co_responsible: tuple[str, ...] = ()
    coordinators: tuple[str, ...] = ()
    lead: str | None = None
    leader: str | None = None
    report_to: str | None = None
    reasons: tuple[str, ...] = ()
