"""The permission matrix over HTTP: (who, route, incident) → status, on SQLite and PostgreSQL.

Three incidents: A (食品, first responsible 高平市市场监督管理局, in 高平市), B (米山镇, first
responsible 米山镇人民政府, below 高平市) and C (北石店镇 of 晋城市城区: another county). The
rows run in order; refusals come before the steps that change an incident's state, and each
refusal is checked to leave nothing behind (the audit log does not grow)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import func, select

from service.audit.models import AuditEntry
from service.core.db import session_scope
from service.core.settings import Settings
from service.incidents.models import Incident
from tests.conftest import COORD, INGEST, VIEWER
from tests.support.factories import login

ITEMS = [{"external_id": "pm-a", "text": "河西镇、马村镇多家餐馆被曝使用过期食材"},
         {"external_id": "pm-b", "text": "米山镇某村道路坑洼多年无人修，村民出行困难"},
         {"external_id": "pm-c", "text": "晋城市城区北石店镇一家超市被曝销售过期食品"}]
FIRST = {"A": "高平市市场监督管理局", "B": "米山镇人民政府", "C": "北石店镇人民政府"}

SCJ, MISHAN, LEADER, COORDINATOR, REVIEWER, ADMIN = ("liaison_scj", "liaison_mishan", "leader_gaoping",
                                                    "coordinator_gaoping", "reviewer_gaoping", "admin")
ANON, TOKEN_VIEWER, TOKEN_COORD = "anonymous", "token:viewer", "token:coordinator"
PEOPLE = (SCJ, MISHAN, LEADER, COORDINATOR, REVIEWER, ADMIN)

RESPOND = {"channel": "发布权威信息", "text": "经核查，涉事餐馆已停业整顿。"}
RETURN = {"grounds": "道路养护不属于本镇职责，属市住建局"}
TRANSFER = {"units": ["高平市住房和城乡建设局"], "note": "转住建局办理"}
LEAD = {"unit": "高平市市场监督管理局", "note": "市场监管局牵头"}
SEVERITY = {"severity": "重大", "reason": "涉及多家餐馆，影响较大"}
TOPIC = {"topic": "食品药品监管", "reason": "人工复核"}
ARBITRATE = {"accept": True, "units": ["高平市住房和城乡建设局"], "note": "退回理由成立，改派住建局"}
FOLLOW = {"kind": "info", "text": "跟进：抽检结果将于三日内公布。"}
CLOSE = {"note": "已查处并公布结果"}


def reads() -> list[tuple]:
    """GET detail: who sees which incident (404 hides existence; anonymous 401)."""
    sees = {SCJ: "A", MISHAN: "B", LEADER: "AB", COORDINATOR: "AB", REVIEWER: "AB", ADMIN: "ABC",
            TOKEN_VIEWER: "AB", TOKEN_COORD: "AB", ANON: ""}
    return [(who, "GET", f"/api/incidents/{{{inc}}}", None, 200 if inc in seen else (401 if who == ANON else 404))
            for who, seen in sees.items() for inc in "ABC"]


# refusals on every state-changing route, before any state changes
REFUSALS = [
    (ANON, "POST", "/api/incidents/{A}/claim", None, 401),
    (MISHAN, "POST", "/api/incidents/{A}/claim", None, 404),  # liaison of another unit
    (SCJ, "POST", "/api/incidents/{C}/claim", None, 404),
    (REVIEWER, "POST", "/api/incidents/{A}/claim", None, 403),  # reviewer cannot claim
    (LEADER, "POST", "/api/incidents/{A}/claim", None, 403),
    (TOKEN_VIEWER, "POST", "/api/incidents/{A}/claim", None, 403),
    (MISHAN, "POST", "/api/incidents/{A}/respond", RESPOND, 404),
    (REVIEWER, "POST", "/api/incidents/{A}/respond", RESPOND, 403),
    (ANON, "POST", "/api/incidents/{A}/respond", RESPOND, 401),
    (MISHAN, "POST", "/api/incidents/{A}/return", RETURN, 404),
    (LEADER, "POST", "/api/incidents/{B}/return", RETURN, 403),
    (LEADER, "POST", "/api/incidents/{A}/transfer", TRANSFER, 403),  # leader cannot transfer
    (SCJ, "POST", "/api/incidents/{A}/transfer", TRANSFER, 403),
    (REVIEWER, "POST", "/api/incidents/{A}/transfer", TRANSFER, 403),
    (COORDINATOR, "POST", "/api/incidents/{C}/transfer", TRANSFER, 404),  # another county
    (ANON, "POST", "/api/incidents/{A}/transfer", TRANSFER, 401),
    (SCJ, "POST", "/api/incidents/{A}/lead", LEAD, 403),
    (LEADER, "POST", "/api/incidents/{A}/lead", LEAD, 403),
    (SCJ, "POST", "/api/incidents/{A}/merge", {"other_incident_id": "{B}"}, 403),
    (COORDINATOR, "POST", "/api/incidents/{A}/merge", {"other_incident_id": "{C}"}, 404),  # other side hidden
    (SCJ, "POST", "/api/incidents/{A}/severity", SEVERITY, 403),
    (LEADER, "POST", "/api/incidents/{A}/severity", SEVERITY, 403),
    (REVIEWER, "POST", "/api/incidents/{A}/topic", TOPIC, 403),
    (COORDINATOR, "POST", "/api/incidents/{C}/severity", SEVERITY, 404),
    (TOKEN_VIEWER, "POST", "/api/incidents/{A}/severity", SEVERITY, 403),
    (SCJ, "POST", "/api/incidents/{A}/arbitrate", ARBITRATE, 403),
    (MISHAN, "POST", "/api/incidents/{A}/close", CLOSE, 404),
    (MISHAN, "POST", "/api/incidents/{A}/follow-up", FOLLOW, 404),
    (LEADER, "POST", "/api/incidents/{A}/follow-up", FOLLOW, 403),
    (LEADER, "GET", "/api/users", None, 403),
    (COORDINATOR, "POST", "/api/users", {"username": "x", "password": "long-enough", "role": "admin"}, 403),
    (ANON, "GET", "/api/incidents", None, 401),
]
# the workflow, in order, by the people it belongs to
WORKFLOW = [
    (SCJ, "POST", "/api/incidents/{A}/claim", None, 200),
    (SCJ, "POST", "/api/incidents/{A}/claim", None, 409),  # already claimed: a state refusal
    (SCJ, "POST", "/api/incidents/{A}/respond", RESPOND, 200),
    (SCJ, "POST", "/api/incidents/{A}/follow-up", FOLLOW, 200),
    (MISHAN, "POST", "/api/incidents/{B}/return", RETURN, 200),
    (LEADER, "POST", "/api/incidents/{B}/arbitrate", ARBITRATE, 403),
    (COORDINATOR, "POST", "/api/incidents/{B}/arbitrate", ARBITRATE, 200),
    (MISHAN, "GET", "/api/incidents/{B}", None, 404),  # re-routed away from 米山镇
    (COORDINATOR, "POST", "/api/incidents/{A}/lead", LEAD, 200),
    (TOKEN_COORD, "POST", "/api/incidents/{A}/severity", SEVERITY, 200),
    (ADMIN, "POST", "/api/incidents/{C}/severity", SEVERITY, 200),
    (SCJ, "POST", "/api/incidents/{A}/close", None, 422),  # 办结 needs a note
    (SCJ, "POST", "/api/incidents/{A}/close", CLOSE, 200),
]


def _incidents(url: str) -> dict[str, int]:
    with session_scope(url) as s:
        rows = s.exec(select(Incident)).all()
    return {k: next(r.id for r in rows if r.first_responsible[:1] == [unit]) for k, unit in FIRST.items()}


def _audit_count(url: str) -> int:
    with session_scope(url) as s:
        return s.exec(select(func.count()).select_from(AuditEntry)).one()


def _call(client: TestClient, who: str, method: str, path: str, body: object, ids: dict[str, int],
          csrf: dict[str, dict]) -> int:
    fill = lambda s: s.format(**{k: v for k, v in ids.items()})  # noqa: E731
    if isinstance(body, dict):
        body = {k: (int(fill(v)) if isinstance(v, str) and v.startswith("{") else v) for k, v in body.items()}
    headers = {TOKEN_VIEWER: VIEWER, TOKEN_COORD: COORD}.get(who, {})
    client.cookies.clear()
    if who in PEOPLE:
        client.cookies.set("yuqing_session", csrf[who]["cookie"])
        headers = {"X-CSRF-Token": csrf[who]["X-CSRF-Token"]}
    return client.request(method, fill(path), json=body, headers=headers).status_code


def test_permission_matrix(client: TestClient, settings: Settings) -> None:
    assert client.post("/api/items", json=ITEMS, headers=INGEST).status_code == 202
    ids = _incidents(settings.database_url)
    sessions = {}
    for who in PEOPLE:
        sessions[who] = login(client, who, keep_cookie=True) | {"cookie": client.cookies.get("yuqing_session")}
    wrong = []
    for who, method, path, body, expected in reads() + REFUSALS:
        before = _audit_count(settings.database_url)
        got = _call(client, who, method, path, body, ids, sessions)
        if got != expected or _audit_count(settings.database_url) != before:
            wrong.append(f"{who} {method} {path}: expected {expected}, got {got}")
    for who, method, path, body, expected in WORKFLOW:
        got = _call(client, who, method, path, body, ids, sessions)
        if got != expected:
            wrong.append(f"{who} {method} {path}: expected {expected}, got {got}")
    assert wrong == []


def test_lists_are_scoped(client: TestClient, settings: Settings) -> None:
    client.post("/api/items", json=ITEMS, headers=INGEST)
    ids = _incidents(settings.database_url)
    expect = {SCJ: "A", MISHAN: "B", LEADER: "AB", COORDINATOR: "AB", REVIEWER: "AB", ADMIN: "ABC"}
    for who, letters in expect.items():
        login(client, who, keep_cookie=True)
        want = {ids[k] for k in letters}
        assert {i["id"] for i in client.get("/api/incidents").json()} == want, who
        assert {i["id"] for i in client.get("/api/dashboard/snapshot").json()["incidents"]} == want, who


def test_no_route_edits_the_audit_log(client: TestClient) -> None:
    paths = client.app.openapi()["paths"]
    assert "/api/incidents/{incident_id}/claim" in paths  # the schema does list the routes
    writes = [(p, m) for p, methods in paths.items() for m, op in methods.items()
              if m != "get" and ("audit" in p or "audit" in (op.get("summary") or "").lower())]
    assert writes == []
