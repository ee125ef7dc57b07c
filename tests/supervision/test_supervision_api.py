"""督办单 over the real API (SQLite and PostgreSQL): the coordinator issues, a supervised unit
answers, the notice's clock escalates through the sweep until answered; refusals write nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from service.audit.chain import verify
from service.core.db import session_scope
from service.core.uow import UnitOfWork
from service.escalation.ladder import escalate
from service.incidents.models import Clock, EscalationStep
from service.incidents.runtime import load_engine
from tests.conftest import COORD
from tests.incidents.helpers import ESTATE, FOOD, SCJ, clocks, detail
from tests.support.factories import account, incident, login

HEXI = "河西镇人民政府"
REQUIREMENT = "请于时限内报送核查处置情况"


def _due(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


def _issue(client, incident_id: int, headers: dict = COORD, **body) -> dict:
    r = client.post(f"/api/incidents/{incident_id}/supervision", headers=headers,
                    json={"requirement": REQUIREMENT, "due_at": _due(48), **body})
    assert r.status_code == 201, r.text
    return r.json()


def test_coordinator_issues_the_unit_answers_audited_and_chained(client, settings) -> None:
    account(settings, "liaison_hexi", "liaison", unit=HEXI)
    food = incident(client, "1", FOOD)  # SCJ first responsible; 河西镇/马村镇 co-responsible
    coordinator = login(client, "coordinator_gaoping")
    notice = _issue(client, food, coordinator)
    nid = notice["id"]
    assert notice["units"] == [SCJ] and notice["issued_by"] == "coordinator_gaoping"
    assert notice["issued_unit"] == "高平市人民政府办公室" and notice["answered_at"] is None
    clock = clocks(client, food)[f"supervision:{nid}"]
    assert clock["label"] == f"督办单#{nid}反馈" and clock["id"] == notice["clock_id"]
    assert clock["due_at"] == notice["due_at"] and clock["started_at"] == notice["issued_at"] and clock["met_at"] is None
    audit = [a for a in detail(client, food)["audit"] if a["action"] == "incident.supervised"]
    assert [(a["actor"], a["detail"]["notice_id"], a["detail"]["units"], a["detail"]["requirement"]) for a in audit] == [
        ("coordinator_gaoping", nid, [SCJ], REQUIREMENT)]
    board = client.get("/api/supervision", headers=coordinator).json()["notices"]
    assert [(n["id"], n["state"], n["topic"]) for n in board] == [(nid, "open", "食品药品监管")]

    # a co-responsible unit sees the incident but is not supervised
    hexi = login(client, "liaison_hexi")
    view = client.get(f"/api/incidents/{food}/supervision", headers=hexi).json()
    assert view["notices"][0]["may_answer"] is False and view["may_issue"] is False
    r = client.post(f"/api/supervision/{nid}/answer", headers=hexi, json={"answer": "已配合开展检查"})
    assert r.status_code == 403 and r.json()["error"]["zh"] == "只有被督办单位可以反馈办理情况"

    scj = login(client, "liaison_scj")
    listed = client.get(f"/api/incidents/{food}/supervision", headers=scj).json()["notices"][0]
    assert (listed["may_sign"], listed["may_answer"]) == (True, False)
    early = client.post(f"/api/supervision/{nid}/answer", headers=scj, json={"answer": "已对涉事餐馆立案调查"})
    assert early.status_code == 409 and early.json()["error"]["zh"] == "请先签收督办单再反馈办理情况"
    signed = client.post(f"/api/supervision/{nid}/sign", headers=scj)
    assert signed.status_code == 200, signed.text
    assert (signed.json()["signed_by"], signed.json()["signed_unit"]) == ("liaison_scj", SCJ)
    assert client.get(f"/api/incidents/{food}/supervision", headers=scj).json()["notices"][0]["may_answer"] is True
    r = client.post(f"/api/supervision/{nid}/answer", headers=scj, json={"answer": "已对涉事餐馆立案调查"})
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["answered_by"], got["answered_unit"], got["answer"]) == ("liaison_scj", SCJ, "已对涉事餐馆立案调查")
    assert clocks(client, food)[f"supervision:{nid}"]["met_at"] == got["answered_at"]
    again = client.post(f"/api/supervision/{nid}/answer", headers=scj, json={"answer": "再次反馈内容"})
    assert again.status_code == 409 and again.json()["error"]["en"] == "this supervision notice was answered already"
    answered = [a for a in detail(client, food)["audit"] if a["action"] == "incident.supervision_answered"]
    assert [(a["actor"], a["detail"]["notice_id"], a["detail"]["unit"], a["detail"]["late"]) for a in answered] == [
        ("liaison_scj", nid, SCJ, False)]
    listed = client.get(f"/api/incidents/{food}/supervision", headers=coordinator).json()["notices"]
    assert [(n["state"], n["state_label"]) for n in listed] == [("answered", "已反馈")]
    assert client.get("/api/supervision", headers=coordinator).json()["notices"] == []
    with session_scope(settings.database_url) as s:
        assert verify(s)[1] is None

    # named units: those assigned the incident; another unit of the org could not see it to answer
    named = _issue(client, food, coordinator, units=[HEXI, SCJ])
    assert named["units"] == [HEXI, SCJ]
    r = client.post(f"/api/incidents/{food}/supervision", headers=coordinator,
                    json={"requirement": REQUIREMENT, "due_at": _due(48), "units": [HEXI, "高平市教育局"]})
    assert r.status_code == 422 and r.json()["error"]["zh"] == "高平市教育局未承办该事件，请先转办"


def test_refusals_write_nothing(client, settings) -> None:
    account(settings, "coordinator_sanjia", "coordinator", region="三甲镇")
    estate = incident(client, "1", ESTATE)
    before = detail(client, estate)
    body = {"requirement": REQUIREMENT, "due_at": _due(24)}

    def issue(headers: dict, incident_id: int = estate, **change) -> tuple[int, dict]:
        r = client.post(f"/api/incidents/{incident_id}/supervision", headers=headers, json={**body, **change})
        return r.status_code, r.json()["error"]

    for who in ("liaison_mishan", "reviewer_gaoping", "leader_gaoping"):
        assert issue(login(client, who))[0] == 403, who
    assert issue(login(client, "coordinator_sanjia")) == (404, {"zh": "没有这个事件", "en": "no such incident"})
    assert issue(COORD, 999999)[0] == 404
    bad = [({"requirement": "督办"}, "body.requirement"), ({"due_at": "2026-12-01T10:00:00"}, "body.due_at"),
           ({"due_at": _due(-1)}, "due_at"), ({"due_at": _due(24 * 31)}, "due_at"),
           ({"units": ["火星市管理局"]}, "units"), ({"units": []}, "units")]
    for change, field in bad:
        status, error = issue(COORD, **change)
        assert status == 422 and error["zh"] and error["en"], (change, error)
        assert field in [d["field"] for d in error.get("details", [])] + [error.get("field")], (change, error)
    assert issue(COORD, due_at=_due(-1))[1]["zh"] == "办理时限须晚于当前时间"
    after = detail(client, estate)
    assert after["audit"] == before["audit"] and after["clocks"] == before["clocks"]
    assert client.get(f"/api/incidents/{estate}/supervision", headers=COORD).json()["notices"] == []

    # answering: the role gate, visibility, a short answer
    nid = _issue(client, estate)["id"]
    assert client.post(f"/api/supervision/{nid}/answer", headers=login(client, "reviewer_gaoping"),
                       json={"answer": "已经办理完毕"}).status_code == 403
    assert client.post(f"/api/supervision/{nid}/answer", headers=login(client, "liaison_scj"),
                       json={"answer": "已经办理完毕"}).status_code == 404  # does not see the incident
    assert client.post("/api/supervision/999999/answer", headers=login(client, "liaison_mishan"),
                       json={"answer": "已经办理完毕"}).status_code == 404
    r = client.post(f"/api/supervision/{nid}/answer", headers=login(client, "liaison_mishan"), json={"answer": "好"})
    assert r.status_code == 422 and r.json()["error"]["en"].startswith("invalid request (answer:")
    assert client.get(f"/api/incidents/{estate}/supervision", headers=COORD).json()["notices"][0]["answered_at"] is None

    # a closed incident is not supervised
    me = login(client, "liaison_mishan")
    client.post(f"/api/incidents/{estate}/claim", headers=me)
    client.post(f"/api/incidents/{estate}/respond", headers=me, json={"channel": "政府网站", "text": "已整改"})
    assert client.post(f"/api/incidents/{estate}/close", headers=me, json={"note": "已整改到位"}).status_code == 200
    status, error = issue(COORD)
    assert status == 409 and error["zh"] == "事件已办结，不能督办"


def test_a_supervision_clock_escalates_until_answered(client, settings) -> None:
    estate = incident(client, "1", ESTATE)  # 一般: its response clock runs 48 h
    late = _issue(client, estate, due_at=_due(2))
    answered = _issue(client, estate, due_at=_due(2))
    mishan = login(client, "liaison_mishan")
    assert client.post(f"/api/supervision/{answered['id']}/sign", headers=mishan).status_code == 200
    assert client.post(f"/api/supervision/{answered['id']}/answer", headers=mishan,
                       json={"answer": "已按要求办理完毕"}).status_code == 200
    issued = datetime.fromisoformat(late["issued_at"])

    def sweep(at: datetime) -> list[tuple[str, str]]:
        with session_scope(settings.database_url) as s:
            escalate(UnitOfWork(s, settings), load_engine(settings, s), at)
            rows = s.exec(select(Clock.kind, EscalationStep.step).join(Clock, Clock.id == EscalationStep.clock_id)
                          .where(EscalationStep.incident_id == estate).order_by(EscalationStep.id)).all()
        return [tuple(r) for r in rows]

    kind = f"supervision:{late['id']}"
    assert sweep(issued + timedelta(minutes=59)) == []
    assert sweep(issued + timedelta(hours=1, minutes=15)) == [(kind, "warn_50")]  # half of the 2 h
    fired = sweep(issued + timedelta(hours=27))  # 24 h past due: every rung, once
    assert [s for k, s in fired if k == kind] == ["warn_50", "warn_80", "urge", "supervise"]
    assert not [k for k, _ in fired if k == f"supervision:{answered['id']}"]  # met: never escalates
    assert [s for k, s in fired if k == "response"] == ["warn_50"]  # 27 h of 48 h
    audit = [a for a in detail(client, estate)["audit"] if a["action"] == "escalation.supervise"]
    assert [(a["detail"]["clock"], a["detail"]["recipients"]) for a in audit] == [(kind, ["高平市人民政府主要负责人"])]
    notices = {n["id"]: n for n in client.get(f"/api/incidents/{estate}/supervision", headers=COORD).json()["notices"]}
    assert notices[late["id"]]["escalations"] == ["提醒", "提醒", "催办", "督办"]
    assert notices[answered["id"]]["escalations"] == [] and notices[answered["id"]]["state"] == "answered"


def test_an_unanswered_notice_puts_the_incident_on_the_escalation_board(client, settings) -> None:
    food = incident(client, "1", FOOD)
    coordinator = login(client, "coordinator_gaoping")

    def board() -> list[int]:
        r = client.get("/api/incidents", params={"view": "escalated"}, headers=coordinator)
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()]

    assert board() == []  # no rung fired, no claim lapsed, no notice
    nid = _issue(client, food, coordinator)["id"]
    assert board() == [food]
    scj = login(client, "liaison_scj")
    assert client.post(f"/api/supervision/{nid}/sign", headers=scj).status_code == 200
    assert client.post(f"/api/supervision/{nid}/answer", headers=scj, json={"answer": "已立案调查"}).status_code == 200
    assert board() == []  # answered: off the board again
