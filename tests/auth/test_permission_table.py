"""The one permission table and the one dependency: every /api route asks
`service.auth.deps.Allowed(Action…)`, which reads `service.auth.rules.GRANTS`; over HTTP each
Action's route admits exactly the principals written out here by hand — people by their session
cookie and machines by their API_TOKENS bearer alike (a row per Action). And service/core knows
nothing of auth (the import cycle core.deps ↔ auth.deps is gone)."""

from __future__ import annotations

import ast
from pathlib import Path

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from routing.orgfile import load_demo_org
from service.auth.deps import Permit
from service.auth.rules import GRANTS, Action, Role, account_problem, token_principal
from tests.auth.test_permission_matrix import (
    ADMIN,
    ANON,
    COORDINATOR,
    LEADER,
    MISHAN,
    PEOPLE,
    REVIEWER,
    SCJ,
    TOKEN_COORD,
    TOKEN_VIEWER,
)
from tests.conftest import COORD, INGEST, VIEWER
from tests.support.factories import login

A = Action
TOKEN_INGEST = "token:ingest"
LIAISON = {A.READ, A.CLAIM, A.RESPOND, A.RETURN, A.ACKNOWLEDGE, A.REPORT}
AS_LEADER = {A.READ, A.ACKNOWLEDGE, A.READ_DIGESTS}
AS_COORDINATOR = {A.READ, A.ARBITRATE, A.SUPERVISE, A.ACKNOWLEDGE, A.READ_DIGESTS, A.MANAGE_ALERTS, A.INGEST,
                  A.READ_UNROUTED, A.REPORT, A.IMPORT, A.ACCOUNTABILITY}
# who may take which action at all (scope aside), written out by hand, not read from GRANTS
MAY = {SCJ: LIAISON, MISHAN: LIAISON, LEADER: AS_LEADER, REVIEWER: {A.READ, A.REVIEW, A.ACKNOWLEDGE, A.REPORT, A.IMPORT},
       COORDINATOR: AS_COORDINATOR, ADMIN: set(Action),
       TOKEN_VIEWER: AS_LEADER, TOKEN_COORD: AS_COORDINATOR, TOKEN_INGEST: {A.INGEST, A.READ_UNROUTED}}
MISSING = 999999  # no such incident, alert or notice: a principal past the gate gets 404 or 422, nothing changes
# one route per Action: (method, path, body)
ROUTE_OF = {
    A.READ: ("GET", "/api/incidents", None),
    A.CLAIM: ("POST", f"/api/incidents/{MISSING}/claim", None),
    A.RESPOND: ("POST", f"/api/supervision/{MISSING}/answer", {}),
    A.RETURN: ("POST", f"/api/incidents/{MISSING}/return", {}),
    A.ARBITRATE: ("POST", f"/api/incidents/{MISSING}/transfer", {}),
    A.ACKNOWLEDGE: ("POST", f"/api/alerts/{MISSING}/ack", None),
    A.REVIEW: ("POST", f"/api/incidents/{MISSING}/reviews", {}),
    A.SUPERVISE: ("POST", f"/api/incidents/{MISSING}/supervision", {}),
    A.ADMIN: ("GET", "/api/users", None),
    A.INGEST: ("POST", "/api/items", []),  # an empty batch: 422 past the gate, nothing stored
    A.READ_UNROUTED: ("GET", "/api/items?status=failed", None),
    A.READ_DIGESTS: ("GET", "/api/digests", None),
    A.MANAGE_ALERTS: ("GET", "/api/alert-channels", None),
    A.REPORT: ("POST", "/api/items/report", None),  # no form fields: 422 past the gate
    A.IMPORT: ("POST", "/api/items/import", None),  # no file: 422
    A.ACCOUNTABILITY: ("POST", "/api/assessments", {}),  # 422 past the gate, nothing stored
    A.EDIT_REGISTER: ("PUT", "/api/register/不存在的单位", {}),  # 404 past the gate
    A.EDIT_CALENDAR: ("GET", "/api/calendar/status", None),
}
# every route that needs more than READ, and what it needs (any of); a new one is added here
NOT_JUST_READING = {
    ("POST", "/api/items"): {A.INGEST},
    ("GET", "/api/items"): {A.READ_UNROUTED},
    ("GET", "/api/items/{item_id}"): {A.READ, A.READ_UNROUTED},
    ("POST", "/api/incidents/{incident_id}/claim"): {A.CLAIM},
    ("POST", "/api/incidents/{incident_id}/respond"): {A.RESPOND},
    ("POST", "/api/incidents/{incident_id}/follow-up"): {A.RESPOND},
    ("POST", "/api/incidents/{incident_id}/close"): {A.RESPOND, A.ARBITRATE},
    ("POST", "/api/incidents/{incident_id}/return"): {A.RETURN},
    ("POST", "/api/incidents/{incident_id}/arbitrate"): {A.ARBITRATE},
    ("POST", "/api/incidents/{incident_id}/transfer"): {A.ARBITRATE},
    ("POST", "/api/incidents/{incident_id}/lead"): {A.ARBITRATE},
    ("POST", "/api/incidents/{incident_id}/merge"): {A.ARBITRATE},
    # each unit's own duty (issue 15): a liaison for his unit's duty, the coordinator for the rest
    ("POST", "/api/incidents/{incident_id}/duties/{duty_id}/claim"): {A.CLAIM},
    ("POST", "/api/incidents/{incident_id}/duties/{duty_id}/respond"): {A.RESPOND},
    ("POST", "/api/incidents/{incident_id}/duties/{duty_id}/confirm"): {A.RESPOND},
    ("POST", "/api/incidents/{incident_id}/statement"): {A.ARBITRATE},
    ("POST", "/api/incidents/{incident_id}/party-report"): {A.ARBITRATE},
    ("POST", "/api/incidents/{incident_id}/severity"): {A.ARBITRATE},
    ("POST", "/api/incidents/{incident_id}/topic"): {A.ARBITRATE},
    ("POST", "/api/incidents/{incident_id}/items/{item_id}/split"): {A.ARBITRATE},
    ("POST", "/api/incidents/{incident_id}/reviews"): {A.REVIEW},
    ("POST", "/api/incidents/{incident_id}/supervision"): {A.SUPERVISE},
    ("POST", "/api/supervision/{notice_id}/answer"): {A.RESPOND},
    ("POST", "/api/supervision/{notice_id}/sign"): {A.RESPOND},
    ("POST", "/api/supervision/{notice_id}/attachments"): {A.RESPOND},
    ("POST", "/api/incidents/{incident_id}/responses/{response_id}/attachments"): {A.RESPOND},
    ("POST", "/api/items/report"): {A.REPORT},
    ("GET", "/api/items/report/sources"): {A.REPORT, A.IMPORT},
    ("POST", "/api/items/import"): {A.IMPORT},
    ("POST", "/api/items/import/preview"): {A.IMPORT},
    ("POST", "/api/alerts/{alert_id}/ack"): {A.ACKNOWLEDGE},
    ("POST", "/api/alerts/inbox/ack"): {A.ACKNOWLEDGE},  # bulk: the viewer's own entries
    ("POST", "/api/bulk/claim"): {A.CLAIM},  # each incident checked again in its own scope
    ("POST", "/api/bulk/transfer"): {A.ARBITRATE},
    ("GET", "/api/alerts/deliveries"): {A.MANAGE_ALERTS},
    ("GET", "/api/alert-channels"): {A.MANAGE_ALERTS},
    ("POST", "/api/alert-channels"): {A.MANAGE_ALERTS},
    ("DELETE", "/api/alert-channels/{channel_id}"): {A.MANAGE_ALERTS},
    ("GET", "/api/digests"): {A.READ_DIGESTS},
    ("GET", "/api/digests/{digest_id}/deliveries"): {A.MANAGE_ALERTS},
    ("POST", "/api/digests/run"): {A.MANAGE_ALERTS},
    ("GET", "/api/users"): {A.ADMIN},
    ("POST", "/api/users"): {A.ADMIN},
    ("PUT", "/api/register/{unit}"): {A.EDIT_REGISTER},
    ("GET", "/api/calendar/status"): {A.EDIT_CALENDAR},
    ("PUT", "/api/calendar/{year}"): {A.EDIT_CALENDAR},
    ("POST", "/api/calendar/{year}/seed"): {A.EDIT_CALENDAR},
    ("POST", "/api/accountability"): {A.ACCOUNTABILITY},
    ("POST", "/api/accountability/{record_id}/report"): {A.RESPOND},
    ("POST", "/api/assessments"): {A.ACCOUNTABILITY},
}
OPEN = {("POST", "/api/auth/login")}


def _permits(dependant) -> list[Permit]:
    found = [dependant.call] if isinstance(dependant.call, Permit) else []
    return found + [p for d in dependant.dependencies for p in _permits(d)]


def api_routes(routes) -> list[APIRoute]:
    """The APIRoutes, also inside routers a newer FastAPI includes lazily (their paths carry the
    router's own prefix; main includes none with another)."""
    out = []
    for route in routes:
        if isinstance(route, APIRoute):
            out.append(route)
        elif (router := getattr(route, "original_router", None)) is not None:
            out += api_routes(router.routes)
    return out


def route_actions(client: TestClient) -> dict[tuple[str, str], list[set[Action]]]:
    """(method, path) of every /api route → the action sets of the Allowed checks it asks."""
    out = {}
    for route in api_routes(client.app.routes):
        if route.path.startswith("/api/"):
            for method in route.methods:
                out[(method, route.path)] = [set(p.actions) for p in _permits(route.dependant)]
    return out


def test_every_route_asks_the_one_dependency_once(client: TestClient) -> None:
    actions = route_actions(client)
    openapi = {(m.upper(), p) for p, ms in client.app.openapi()["paths"].items() if p.startswith("/api/") for m in ms}
    assert set(actions) == openapi  # every route is here
    wrong = {k: v for k, v in actions.items() if k not in OPEN and len(v) != 1}
    assert wrong == {}, "each /api route asks Allowed(...) exactly once"
    needs = {k: v[0] for k, v in actions.items() if k not in OPEN and v[0] != {A.READ}}
    assert needs == NOT_JUST_READING


def test_the_table_is_the_one_written_out() -> None:
    assert {r: set(GRANTS[r]) for r in Role} == {
        Role.LIAISON: LIAISON, Role.LEADER: AS_LEADER, Role.REVIEWER: MAY[REVIEWER], Role.COORDINATOR: AS_COORDINATOR,
        Role.ADMIN: set(Action), Role.INGEST: MAY[TOKEN_INGEST]}
    assert set(ROUTE_OF) == set(Action)  # a row per Action below


def test_machine_tokens_are_principals_of_the_table() -> None:
    home = load_demo_org().home
    ingest, viewer, coord = (token_principal(r, home) for r in ("ingest", "viewer", "coordinator"))
    assert (ingest.role, ingest.region, ingest.unit, ingest.machine) == (Role.INGEST, None, None, True)
    assert (viewer.role, viewer.region, viewer.machine) == (Role.LEADER, home, True)
    assert (coord.role, coord.region, coord.machine) == (Role.COORDINATOR, home, True)
    # an account never has a machine's role
    problem = account_problem(Role.INGEST, None, None, load_demo_org())
    assert problem is not None and "token" in problem[1]


def test_a_row_per_action(client: TestClient) -> None:
    csrf = {who: login(client, who, keep_cookie=True) | {"cookie": client.cookies.get("yuqing_session")} for who in PEOPLE}
    wrong = []
    for action, (method, path, body) in ROUTE_OF.items():
        for who, may in {**MAY, ANON: set()}.items():
            client.cookies.clear()
            headers = {TOKEN_VIEWER: VIEWER, TOKEN_COORD: COORD, TOKEN_INGEST: INGEST}.get(who, {})
            if who in PEOPLE:
                client.cookies.set("yuqing_session", csrf[who]["cookie"])
                headers = {"X-CSRF-Token": csrf[who]["X-CSRF-Token"]}
            got = client.request(method, path, json=body, headers=headers).status_code
            expected = "401" if who == ANON else "past the gate" if action in may else "403"
            if (str(got) if got in (401, 403) else "past the gate") != expected:
                wrong.append(f"{action}: {who} {method} {path}: expected {expected}, got {got}")
    assert wrong == []


def test_core_does_not_import_auth() -> None:
    """Not even late, inside a function: core is below auth."""
    core = Path(__file__).resolve().parents[2] / "service" / "core"
    wrong = []
    for file in sorted(core.glob("*.py")):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            wrong += [f"{file.name}: {n}" for n in names if n == "service.auth" or n.startswith("service.auth.")]
    assert wrong == []
