"""Who an alert is for: pure rules over the org chart and a viewer, no database.

The sweep names recipients as unit full names (routing.escalation.recipients). A region's
leader (主要负责人) and its government office (政府办公室) stand for the people who lead and
supervise that region, so both become one *region* audience: its leaders and coordinators, and
those of every region above it (their region contains the incident). Any other name is a
*unit* audience: the accounts of that unit (liaisons, unit leaders).
"""

from __future__ import annotations

from collections.abc import Iterable

from routing.orgchart import OrgChart
from service.alerts.models import REGION, UNIT
from service.auth.rules import Principal, Role

REGION_ROLES = frozenset({Role.LEADER, Role.COORDINATOR})

Audience = tuple[str, str]  # (unit | region, name)


def region_led_by(name: str, org: OrgChart) -> str | None:
    """The region whose leader or government office `name` is."""
    for region in org.regions.values():
        if name in (region.leader, region.office):
            return region.name
    return None


def audiences(recipients: Iterable[str], org: OrgChart) -> dict[Audience, list[str]]:
    """Each audience of one rung, with the recipient names it stands for (in order)."""
    out: dict[Audience, list[str]] = {}
    for name in recipients:
        region = region_led_by(name, org)
        out.setdefault((REGION, region) if region else (UNIT, name), []).append(name)
    return out


def unit_region(unit: str, org: OrgChart) -> str | None:
    """The region a unit belongs to (a department's region, a region's own bodies)."""
    if unit in org.departments:
        return org.department(unit).region
    for region in org.regions.values():
        if unit in (region.name, region.government, region.office, region.propaganda, region.party_committee,
                    region.leader):
            return region.name
    return None


def units_within(region: str, org: OrgChart) -> list[str]:
    """Every unit of `region` and of the regions below it (one pass over the org)."""
    if region not in org.regions:
        return []
    below = {r for r in org.regions if org.is_ancestor(region, r)}
    units = [d.name for d in org.departments.values() if d.region in below]
    for name in below:
        r = org.regions[name]
        units += [r.name, r.government, r.office, r.propaganda, r.party_committee, r.leader]
    return list(dict.fromkeys(units))


def covers(region: str, audience: Audience, org: OrgChart) -> bool:
    """`region` is the audience's region or above it (for a unit: the unit's region)."""
    kind, name = audience
    where = name if kind == REGION else unit_region(name, org)
    return where is not None and where in org.regions and region in org.regions and org.is_ancestor(region, where)


def is_recipient(viewer: Principal, audience: Audience, org: OrgChart) -> bool:
    kind, name = audience
    if kind == UNIT:
        return viewer.unit is not None and viewer.unit == name
    return viewer.role in REGION_ROLES and viewer.region is not None and covers(viewer.region, audience, org)


def viewer_audiences(viewer: Principal, org: OrgChart) -> list[Audience]:
    """Every audience whose alerts this viewer receives (to filter in SQL)."""
    out: list[Audience] = [(UNIT, viewer.unit)] if viewer.unit else []
    if viewer.role in REGION_ROLES and viewer.region is not None and viewer.region in org.regions:
        out += [(REGION, r) for r in org.regions if org.is_ancestor(viewer.region, r)]
    return out


def subscription_matches(subscribed: Audience, alert: Audience, org: OrgChart) -> bool:
    """A channel subscribed for a unit gets that unit's alerts; for a region, the alerts of
    that region and the regions below it (the same rule as the dashboard)."""
    if subscribed[0] == UNIT:
        return subscribed == alert
    return alert[0] == REGION and covers(subscribed[1], alert, org)


def may_manage(viewer: Principal, audience: Audience, org: OrgChart) -> bool:
    """Admin manages every subscription; a coordinator those within his region."""
    if viewer.role is Role.ADMIN:
        return True
    return viewer.role is Role.COORDINATOR and viewer.region is not None and covers(viewer.region, audience, org)
