"""The demo history (service.reports.demo_data, `yuqing demo-data`) names every person who acts in
it (SQLite and PostgreSQL): each actor of its audit log, responses, claims, duties and reviews has an
account with a 姓名, so no 未登记人员 shows on the demo board or incident pages; the other units'
liaisons are accounts of their own that cannot sign in."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlmodel import col, select

from service.audit.models import AuditEntry
from service.auth.models import User
from service.auth.names import UNLISTED, display_names
from service.core.db import session_scope
from service.core.settings import Settings
from service.escalation.sweep import sweep_once
from service.incidents.models import Incident, IncidentDuty, Item, Response
from service.main import create_app
from service.reports.demo_data import LIAISONS, history_username, seed_demo_data
from service.review.models import Review
from tests.support.factories import DEMO_PASSWORD, login


def _actors(session) -> set[str]:
    columns = [AuditEntry.actor, Response.actor, Incident.claimed_by, Incident.returned_by, Item.reported_by,
               IncidentDuty.claimed_by, IncidentDuty.met_by, IncidentDuty.confirmed_by, Review.reviewer]
    return {a for c in columns for a in session.exec(select(c).distinct()).all() if a}


def test_every_actor_of_the_demo_history_has_a_display_name(settings: Settings) -> None:
    made = seed_demo_data(settings, days=30, seed=1)  # `yuqing demo-data`, then `yuqing serve --demo`
    assert made["claimed"] > 20
    with TestClient(create_app(settings)) as client:
        sweep_once(settings)
        with session_scope(settings.database_url) as session:
            actors = _actors(session)
            names = display_names(session, actors)
            accounts = {u.username: u for u in session.exec(select(User)).all()}
            handled = session.exec(select(Incident.id, Incident.claimed_by).where(
                col(Incident.claimed_by).is_not(None))).all()
        unlisted = sorted(a for a, n in names.items() if n == UNLISTED)
        assert unlisted == []
        people = {a for a in actors if not a.startswith(("system", "token:")) and a not in ("demo", "cli")}
        assert {"liaison_scj", "liaison_mishan", "coordinator_gaoping", "reviewer_gaoping"} <= people
        others = people - set(LIAISONS.values()) - {"coordinator_gaoping", "reviewer_gaoping", "admin"}
        assert len(others) >= 5  # the other units' liaisons: the history spans many units
        for username in others:
            user = accounts[username]
            assert user.role == "liaison" and user.unit and names[username] == f"{user.unit}联络人"
            assert username == history_username(user.unit) and not user.active  # history only
        # the pages: an incident handled by another unit's liaison shows the 姓名, never 未登记人员
        incident_id, by = next((i, b) for i, b in handled if b in others)
        admin = login(client, "admin")
        body = client.get(f"/api/incidents/{incident_id}", headers=admin).json()
        assert UNLISTED not in json.dumps(body, ensure_ascii=False)
        assert body["claim"]["by_name"] == names[by] and names[by] in {a["actor_name"] for a in body["audit"]}
        board = client.get("/api/board", params={"view": "all", "limit": 200}, headers=admin).json()
        assert UNLISTED not in json.dumps(board, ensure_ascii=False)
        # a history liaison cannot sign in, with the demo password or any
        r = client.post("/api/auth/login", json={"username": by, "password": DEMO_PASSWORD})
        assert r.status_code in (401, 403)
