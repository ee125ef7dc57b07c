"""Typed dependencies: settings, database session, engine. Who calls and what he may do is
service.auth.deps (`Allowed`): core knows nothing of auth."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from service.core.db import session_scope
from service.core.settings import Settings
from service.core.uow import UnitOfWork


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings  # set by create_app
    return settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def get_session(settings: SettingsDep) -> Iterator[Session]:
    with session_scope(settings.database_url) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_uow(session: SessionDep, settings: SettingsDep) -> UnitOfWork:
    return UnitOfWork(session, settings)


# a view that writes takes this and ends with `uow.commit()` (commit, then publish/dispatch)
UowDep = Annotated[UnitOfWork, Depends(get_uow)]
