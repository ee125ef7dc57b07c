"""The active organisation chart as a route dependency (for routes that need no triage engine)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from routing.orgchart import OrgChart
from service.core.deps import SessionDep
from service.orgs.store import active_org


def get_org(session: SessionDep) -> OrgChart:
    return active_org(session)


OrgDep = Annotated[OrgChart, Depends(get_org)]
