"""Extra accounts and a responded incident for the review and supervision tests."""

from __future__ import annotations

from datetime import datetime

from tests.support.factories import incident, login


def responded(client, ext: str, text: str, liaison: str, at: datetime | None = None, **extra) -> int:
    """An incident claimed and answered by `liaison`'s unit."""
    iid = incident(client, ext, text, at, **extra)
    me = login(client, liaison)
    assert client.post(f"/api/incidents/{iid}/claim", headers=me).status_code == 200
    r = client.post(f"/api/incidents/{iid}/respond", headers=me, json={"channel": "政府网站", "text": "已责令整改"})
    assert r.status_code == 200, r.text
    return iid
