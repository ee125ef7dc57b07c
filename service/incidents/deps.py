"""The triage engine (org chart, taxonomy, policy, classifier) as a route dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from service.core.deps import SessionDep, SettingsDep
from service.incidents.pipeline import Engine
from service.incidents.runtime import load_engine


def get_engine(settings: SettingsDep, session: SessionDep) -> Engine:
    return load_engine(settings, session)


EngineDep = Annotated[Engine, Depends(get_engine)]
