"""Extra accounts and a responded incident for the review and supervision tests."""

from __future__ import annotations

from datetime import datetime

from service.auth.passwords import DEMO_PASSWORD
from service.auth.service import create_user
from service.core.db import session_scope
from service.incidents.runtime import load_engine
from tests.workflow.helpers import incident, login


def add_user(settings, username: str, role: str, unit: str | None = None, region: str | None = None) -> None:
    with session_scope(settings.database_url) as s:
        create_user(s, load_engine(settings, s).org, username=username, password=DEMO_PASSWORD, role=role,
                    unit=unit, region=region, name=username)
        s.commit()


def responded(client, ext: str, text: str, liaison: str, at: datetime | None = None, **extra) -> int:
    """An incident claimed and answered by `liaison`'s unit."""
    iid = incident(client, ext, text, at, **extra)
    me = login(client, liaison)
    assert client.post(f"/api/incidents/{iid}/claim", headers=me).status_code == 200
    r = client.post(f"/api/incidents/{iid}/respond", headers=me, json={"channel": "政府网站", "text": "已责令整改"})
    assert r.status_code == 200, r.text
    return iid
