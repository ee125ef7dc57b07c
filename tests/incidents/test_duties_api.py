"""Each unit's duty on an incident over the real API (SQLite and PostgreSQL): two departments
answer for their duties, the lead answers for all with the others' confirmation, the agreed
statement, the report to the Party committee, and the sweep escalating each unmet duty to its
own unit (routing.duties; seed 000 三(五)1, seed 001 四)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from routing.local_time import BEIJING
from service.core.db import session_scope
from service.escalation.sweep import sweep_once
from service.incidents.models import Clock, EscalationStep
from tests.conftest import COORD
from tests.incidents.helpers import ESTATE, FOOD, clocks, detail
from tests.support.factories import account, incident, login

TWO = "高平市教育局和高平市公安局对校园欺凌事件互相推诿"  # → 教育局 (lead: the topic's authority) and 公安局
JYJ, GAJ, OFFICE = "高平市教育局", "高平市公安局", "高平市人民政府办公室"
ANSWER = {"channel": "政府网站", "text": "已按职责开展调查"}
RECEIVED = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


def duties(client, iid: int, headers: dict = COORD) -> dict[str, dict]:
    r = client.get(f"/api/incidents/{iid}/duties", headers=headers)
    assert r.status_code == 200, r.text
    return {d["unit"]: d for d in r.json()["duties"]}


def liaisons(client, settings) -> tuple[dict, dict]:
    account(settings, "liaison_jyj", "liaison", unit=JYJ)
    account(settings, "liaison_gaj", "liaison", unit=GAJ, name="郭公安")
    return login(client, "liaison_jyj"), login(client, "liaison_gaj")


def test_two_departments_each_answer_their_duty(client, settings) -> None:
    jyj, gaj = liaisons(client, settings)
    iid = incident(client, "1", TWO)
    d = duties(client, iid)
    assert [(u, x["role"], x["required"], x["status"]) for u, x in d.items()] == [
        (JYJ, "lead", True, "open"), (GAJ, "first", True, "open")]
    own = clocks(client, iid)
    for unit, duty in d.items():  # each duty's own clock, naming its unit, on the board's clock list
        assert own[duty["clock_kind"]]["label"] == f"回应（{unit}）" and own[duty["clock_kind"]]["unit"] == unit
    board = client.get("/api/dashboard/snapshot", headers=gaj).json()["incidents"]
    row = next(r for r in board if r["id"] == iid)  # the board's clocks map names each duty's unit
    entry = row["clocks"][d[GAJ]["clock_kind"]]
    assert (entry["label"], entry["unit"]) == (f"回应（{GAJ}）", GAJ) and entry["due_at"] and entry["started_at"]
    assert "unit" not in row["clocks"]["response"]
    r = client.post(f"/api/incidents/{iid}/duties/{d[JYJ]['id']}/claim", headers=gaj)
    assert r.status_code == 403 and r.json()["error"]["zh"] == "只能认领本单位的职责"
    r = client.post(f"/api/incidents/{iid}/duties/{d[GAJ]['id']}/respond", headers=gaj, json=ANSWER)
    assert r.status_code == 409 and r.json()["error"]["zh"] == "请先认领本单位职责"
    r = client.post(f"/api/incidents/{iid}/duties/{d[GAJ]['id']}/claim", headers=gaj)
    assert r.status_code == 200 and (r.json()["status"], r.json()["claimed_unit"]) == ("claimed", GAJ)
    r = client.post(f"/api/incidents/{iid}/duties/{d[GAJ]['id']}/respond", headers=gaj, json=ANSWER)
    assert r.status_code == 200 and r.json()["status"] == "claimed"  # the other department still owes its answer
    assert clocks(client, iid)["response"]["met_at"] is None
    assert clocks(client, iid)[d[GAJ]["clock_kind"]]["met_at"] is not None
    assert client.post(f"/api/incidents/{iid}/duties/{d[JYJ]['id']}/claim", headers=jyj).status_code == 200
    r = client.post(f"/api/incidents/{iid}/duties/{d[JYJ]['id']}/respond", headers=jyj,
                    json={"channel": "政务新媒体", "text": "教育局回应：已约谈学校"})
    assert r.status_code == 200 and r.json()["status"] == "responded"
    assert clocks(client, iid)["response"]["met_at"] is not None
    after = duties(client, iid)
    assert [(x["status"], x["met_unit"], x["on_time"]) for x in after.values()] == [
        ("met", JYJ, True), ("met", GAJ, True)]
    assert after[GAJ]["answer"]["text"] == ANSWER["text"]
    assert (after[GAJ]["met_by"], after[GAJ]["met_by_name"], after[GAJ]["claimed_by_name"]) == (
        "liaison_gaj", "郭公安", "郭公安")  # the UI shows 姓名, never the username
    audit = [(a["action"], a["actor"]) for a in detail(client, iid)["audit"] if a["action"].startswith("incident.duty")]
    assert audit == [("incident.duty_claimed", "liaison_gaj"), ("incident.duty_responded", "liaison_gaj"),
                     ("incident.duty_claimed", "liaison_jyj"), ("incident.duty_responded", "liaison_jyj")]
    outsider = login(client, "liaison_mishan")
    assert client.get(f"/api/incidents/{iid}/duties", headers=outsider).status_code == 404


def test_the_lead_answers_for_all_and_the_others_confirm(client, settings) -> None:
    jyj, gaj = liaisons(client, settings)
    iid = incident(client, "1", TWO)
    d = duties(client, iid)
    r = client.post(f"/api/incidents/{iid}/statement", headers=gaj, json={"text": "统一口径"})
    assert r.status_code == 403
    r = client.post(f"/api/incidents/{iid}/statement", headers=COORD, json={"text": "经会商，统一口径如下：……"})
    assert r.status_code == 201, r.text
    statement = r.json()["id"]
    client.post(f"/api/incidents/{iid}/claim", headers=jyj)  # the incident's own claim claims the unit's duty
    assert duties(client, iid)[JYJ]["status"] == "claimed"
    r = client.post(f"/api/incidents/{iid}/respond", headers=jyj, json=ANSWER)
    assert r.status_code == 200 and r.json()["status"] == "responded"  # the lead answered for both
    after = duties(client, iid, gaj)
    assert [(x["status"], x["met_unit"], x["statement_id"]) for x in after.values()] == [
        ("met", JYJ, statement), ("met", JYJ, statement)]
    assert after[GAJ]["may"] == ["confirm"] and duties(client, iid, jyj)[GAJ]["may"] == []
    r = client.post(f"/api/incidents/{iid}/duties/{d[GAJ]['id']}/confirm", headers=jyj, json={})
    assert r.status_code == 403
    r = client.post(f"/api/incidents/{iid}/duties/{d[GAJ]['id']}/confirm", headers=gaj, json={"note": "同意"})
    assert r.status_code == 200, r.text
    assert duties(client, iid)[GAJ]["confirmed_by"] == "liaison_gaj"
    assert client.post(f"/api/incidents/{iid}/duties/{d[GAJ]['id']}/confirm", headers=gaj).status_code == 409
    actions = [a["action"] for a in detail(client, iid)["audit"]]
    assert "incident.statement_recorded" in actions and "incident.duty_confirmed" in actions


def test_a_locality_answers_its_own_part_on_its_own_clock(client, settings) -> None:
    account(settings, "liaison_hexi", "liaison", unit="河西镇人民政府")
    iid = incident(client, "1", FOOD)
    d = duties(client, iid)
    assert [(u, x["role"], x["required"], x["clock_kind"] == "response") for u, x in d.items()] == [
        ("高平市市场监督管理局", "first", True, True), ("河西镇人民政府", "co_locality", False, False),
        ("马村镇人民政府", "co_locality", False, False)]
    hexi = login(client, "liaison_hexi")
    duty = d["河西镇人民政府"]["id"]
    assert client.post(f"/api/incidents/{iid}/duties/{duty}/claim", headers=hexi).status_code == 200
    r = client.post(f"/api/incidents/{iid}/duties/{duty}/respond", headers=hexi, json=ANSWER)
    assert r.status_code == 200
    assert clocks(client, iid)["response"]["met_at"] is None  # the first-responsible unit still owes the answer
    assert duties(client, iid)["河西镇人民政府"]["status"] == "met"


def test_especially_major_is_reported_to_the_party_committee(client, settings) -> None:
    iid = incident(client, "1", ESTATE, severity="特别重大")
    d = duties(client, iid)
    report = d[OFFICE]
    assert (report["role"], report["label"], report["clock_kind"]) == ("party_report", "向同级党委报告", "party_report")
    clock = clocks(client, iid)["party_report"]
    assert clock["unit"] == OFFICE and clock["label"] == "向同级党委报告"
    received = datetime.fromisoformat(clock["started_at"])
    assert datetime.fromisoformat(clock["due_at"]) - received == timedelta(hours=4)  # policy duties.party_report
    body = {"reporter": "王市长（高平市人民政府）", "method": "书面报告"}
    assert client.post(f"/api/incidents/{iid}/party-report", headers=login(client, "liaison_mishan"),
                       json=body).status_code == 403
    coordinator = login(client, "coordinator_gaoping")
    future = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    r = client.post(f"/api/incidents/{iid}/party-report", headers=coordinator, json={**body, "reported_at": future})
    assert r.status_code == 422 and r.json()["error"]["zh"]
    assert client.post(f"/api/incidents/{iid}/party-report", headers=COORD, json={**body, "method": "飞鸽"}
                       ).status_code == 422
    assert client.post(f"/api/incidents/{iid}/party-report", headers=coordinator, json=body).status_code == 200
    after = duties(client, iid)[OFFICE]
    assert (after["status"], after["reporter"], after["channel"], after["met_by"], after["on_time"]) == (
        "met", body["reporter"], "书面报告", "coordinator_gaoping", True)
    assert clocks(client, iid)["party_report"]["met_at"] is not None
    assert client.post(f"/api/incidents/{iid}/party-report", headers=COORD, json=body).status_code == 409
    entry = [a for a in detail(client, iid)["audit"] if a["action"] == "incident.party_reported"]
    assert entry and entry[0]["detail"]["method"] == "书面报告" and entry[0]["detail"]["report_to"] == "中共高平市委"
    general = incident(client, "2", FOOD)
    r = client.post(f"/api/incidents/{general}/party-report", headers=COORD, json=body)
    assert r.status_code == 409 and "无需向同级党委报告" in r.json()["error"]["zh"]


def test_an_unreported_especially_major_incident_escalates_to_the_office_and_leader(client, settings) -> None:
    iid = incident(client, "1", ESTATE, RECEIVED, severity="特别重大")
    sweep_once(settings, RECEIVED + timedelta(hours=4, minutes=1))  # the report was due after 4 h
    steps = _rungs(settings, iid)["party_report"]
    assert [s for s, _ in steps] == ["warn_50", "warn_80", "urge"]
    assert steps[0] == ("warn_50", [OFFICE]) and steps[-1] == ("urge", ["高平市人民政府主要负责人", OFFICE])
    # recorded late: the figures say so
    r = client.post(f"/api/incidents/{iid}/party-report", headers=login(client, "coordinator_gaoping"),
                    json={"reporter": "王市长", "method": "电话报告"})
    assert r.status_code == 200 and duties(client, iid)[OFFICE]["on_time"] is False


def _rungs(settings, iid: int) -> dict[str, list[tuple[str, list[str]]]]:
    with session_scope(settings.database_url) as s:
        rows = s.exec(select(Clock.kind, EscalationStep.step, EscalationStep.recipients)
                      .join(Clock, Clock.id == EscalationStep.clock_id)
                      .where(EscalationStep.incident_id == iid).order_by(EscalationStep.id)).all()
    out: dict[str, list[tuple[str, list[str]]]] = {}
    for kind, step, recipients in rows:
        out.setdefault(kind, []).append((step, list(recipients)))
    return out


def test_the_sweep_escalates_each_unmet_duty_to_its_own_unit(client, settings) -> None:
    jyj, gaj = liaisons(client, settings)
    iid = incident(client, "1", TWO, RECEIVED, severity="一般")
    d = duties(client, iid)
    sweep_once(settings, RECEIVED + timedelta(hours=25))  # 一般: 48 h, past 50 %
    rungs = _rungs(settings, iid)
    assert rungs[d[GAJ]["clock_kind"]] == [("warn_50", [GAJ])]
    assert rungs[d[JYJ]["clock_kind"]] == [("warn_50", [JYJ])]
    # the incident's own clock: fired and recorded, but it warns no unit already warned on its own duty clock
    assert ("warn_50", []) in rungs["response"]
    told = [a for a in client.get("/api/alerts", headers=gaj).json() if a["step"] == "warn_50"]
    assert len(told) == 1  # one unit, one reminder per deadline
    client.post(f"/api/incidents/{iid}/duties/{d[GAJ]['id']}/claim", headers=gaj)
    client.post(f"/api/incidents/{iid}/duties/{d[GAJ]['id']}/respond", headers=gaj, json=ANSWER)
    sweep_once(settings, RECEIVED + timedelta(hours=49))  # breach: 催办 to the unit's leader and the office
    rungs = _rungs(settings, iid)
    assert [s for s, _ in rungs[d[GAJ]["clock_kind"]]] == ["warn_50"]  # met: never escalates again
    assert rungs[d[JYJ]["clock_kind"]][-1] == ("urge", ["高平市人民政府主要负责人", OFFICE])
    assert "warn_80" in {a["step"] for a in client.get("/api/alerts", headers=jyj).json()}  # the unit's liaison
    assert "urge" in {a["step"] for a in client.get("/api/alerts", headers=login(client, "leader_gaoping")).json()}


def test_reports_count_on_time_per_unit_per_duty(client, settings) -> None:
    jyj, gaj = liaisons(client, settings)
    iid = incident(client, "1", TWO)
    d = duties(client, iid)
    client.post(f"/api/incidents/{iid}/duties/{d[GAJ]['id']}/claim", headers=gaj)
    client.post(f"/api/incidents/{iid}/duties/{d[GAJ]['id']}/respond", headers=gaj, json=ANSWER)
    today = datetime.now(BEIJING).date()  # the report's days are Beijing days (00:00–08:00 there is still yesterday in UTC)
    period = {"from": (today - timedelta(days=1)).isoformat(), "to": (today + timedelta(days=1)).isoformat()}
    r = client.get("/api/reports/summary", params=period, headers=login(client, "leader_gaoping"))
    assert r.status_code == 200, r.text
    rows = {(x["unit"], x["role"]): (x["owed"], x["on_time"], x["pending"]) for x in r.json()["duties"]}
    assert rows == {(GAJ, "first"): (1, 1, 0), (JYJ, "lead"): (1, 0, 1)}
    own = client.get("/api/reports/summary", params=period, headers=gaj).json()["duties"]
    assert [x["unit"] for x in own] == [GAJ]  # a liaison sees his unit's figures only
