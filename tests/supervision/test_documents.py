"""督办单 as a document, on SQLite and PostgreSQL: 文号 per issuing region and year without gaps
(also when coordinators issue at the same instant), 签收 by the supervised unit before it
answers — and 签收 claims a 待认领 incident for the unit —, the print view's data, and the files
of an answer or a response, read only by those who see the incident."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from routing.local_time import BEIJING
from service.auth.rules import Principal, Role
from service.core.db import session_scope
from service.incidents.runtime import load_engine
from service.supervision import service as sv
from service.supervision.models import SupervisionNotice
from tests.attachments import files
from tests.conftest import COORD
from tests.incidents.helpers import ESTATE, FLOOD, FOOD, MISHAN, SCHOOL, detail
from tests.support.factories import incident, login

REQUIREMENT = "请于时限内报送核查处置情况"


def _due(hours: float = 48) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


def issue(client, incident_id: int, headers: dict = COORD) -> dict:
    r = client.post(f"/api/incidents/{incident_id}/supervision", headers=headers,
                    json={"requirement": REQUIREMENT, "due_at": _due()})
    assert r.status_code == 201, r.text
    return r.json()


def test_doc_numbers_run_per_region_and_year(client) -> None:
    year = datetime.now(BEIJING).year
    a, b = incident(client, "1", ESTATE), incident(client, "2", FLOOD)
    coordinator = login(client, "coordinator_gaoping")
    got = [issue(client, a, coordinator), issue(client, b, coordinator), issue(client, a, COORD)]
    assert [n["doc_no"] for n in got] == [f"高政舆督〔{year}〕{i}号" for i in (1, 2, 3)]
    assert [(n["doc_region"], n["doc_year"], n["doc_seq"]) for n in got] == [("高平市", year, i) for i in (1, 2, 3)]


def test_signing_claims_the_unclaimed_incident_then_the_unit_answers(client) -> None:
    """The township answered a notice without claiming, and the incident stayed 待认领: now the
    unit signs first, which takes the incident on."""
    estate = incident(client, "1", ESTATE)  # → 米山镇人民政府, 待认领
    nid = issue(client, estate)["id"]
    mishan = login(client, "liaison_mishan")
    r = client.post(f"/api/supervision/{nid}/answer", headers=mishan, json={"answer": "已责令烧烤店整改"})
    assert r.status_code == 409 and r.json()["error"]["en"] == "sign for the notice (签收) before answering it"
    assert client.post(f"/api/supervision/{nid}/sign", headers=login(client, "reviewer_gaoping")).status_code == 403
    assert client.post(f"/api/supervision/{nid}/sign", headers=login(client, "liaison_scj")).status_code == 404
    r = client.post(f"/api/supervision/{nid}/sign", headers=mishan)
    assert r.status_code == 200, r.text
    assert (r.json()["signed_by"], r.json()["signed_unit"]) == ("liaison_mishan", MISHAN)
    again = client.post(f"/api/supervision/{nid}/sign", headers=mishan)
    assert again.status_code == 409 and again.json()["error"]["zh"] == "该督办单已签收"
    d = detail(client, estate)
    assert (d["incident"]["status"], d["incident"]["claimed_unit"]) == ("claimed", MISHAN)
    actions = [(a["action"], a["actor"]) for a in d["audit"]]
    assert ("incident.claimed", "liaison_mishan") in actions
    signed = [a for a in d["audit"] if a["action"] == "incident.supervision_signed"]
    assert [(s["detail"]["notice_id"], s["detail"]["claimed"], s["detail"]["unit"]) for s in signed] == [
        (nid, True, MISHAN)]
    assert client.post(f"/api/supervision/{nid}/answer", headers=mishan,
                       json={"answer": "已责令烧烤店整改"}).status_code == 200


def test_the_document_and_the_answer_files(client) -> None:
    food = incident(client, "1", FOOD)  # SCJ first responsible
    notice = issue(client, food, login(client, "coordinator_gaoping"))
    nid = notice["id"]
    scj = login(client, "liaison_scj")
    upload = {"files": ("整改报告.pdf", files.PDF, "application/pdf")}
    early = client.post(f"/api/supervision/{nid}/attachments", headers=scj, files=upload)
    assert early.status_code == 409  # not signed yet
    assert client.post(f"/api/supervision/{nid}/sign", headers=scj).status_code == 200
    r = client.post(f"/api/supervision/{nid}/attachments", headers=scj, files=upload)
    assert r.status_code == 201, r.text
    doc = client.get(f"/api/supervision/{nid}", headers=scj).json()
    assert doc["notice"]["doc_no"] == notice["doc_no"] and doc["issuer"] == "高平市人民政府办公室"
    assert doc["incident"]["id"] == food and doc["incident"]["text"] == FOOD
    assert doc["notice"]["signed_by"] == "liaison_scj"
    assert [a["filename"] for a in doc["attachments"]] == ["整改报告.pdf"]
    hexi_viewer = login(client, "liaison_mishan")  # does not see the incident
    assert client.get(f"/api/supervision/{nid}", headers=hexi_viewer).status_code == 404
    assert client.get(doc["attachments"][0]["url"], headers=hexi_viewer).status_code == 404
    assert client.get(doc["attachments"][0]["url"], headers=COORD).content == files.PDF
    # a response's files: the responding unit's
    assert client.post(f"/api/incidents/{food}/respond", headers=scj,
                       json={"channel": "发布权威信息", "text": "已责令停业整改"}).status_code == 200
    response_id = detail(client, food)["responses"][0]["id"]
    shot = {"files": ("通报.png", files.png(), "image/png")}
    assert client.post(f"/api/incidents/{food}/responses/{response_id}/attachments", headers=COORD,
                       files=shot).status_code == 403
    r = client.post(f"/api/incidents/{food}/responses/{response_id}/attachments", headers=scj, files=shot)
    assert r.status_code == 201, r.text
    listed = client.get(f"/api/incidents/{food}/attachments", headers=scj).json()
    assert [(a["owner"], a["filename"]) for a in listed["attachments"]] == [("notice", "整改报告.pdf"),
                                                                           ("response", "通报.png")]
    assert [x["id"] for x in listed["may_attach_to"]] == [response_id]


def test_concurrent_issues_get_consecutive_numbers(client, settings) -> None:
    texts = [ESTATE, FLOOD, SCHOOL, FOOD, "米山镇幸福小区电梯故障多日无人维修", "野川镇中学门口道路破损严重"]
    incidents = [incident(client, str(n), t) for n, t in enumerate(texts)]
    start, errors = threading.Barrier(len(incidents)), []

    def run(n: int, incident_id: int) -> None:
        viewer = Principal(user_id=100 + n, username=f"coordinator_{n}", role=Role.COORDINATOR, region="高平市",
                           unit="高平市人民政府办公室")
        try:
            with session_scope(settings.database_url) as session:
                engine = load_engine(settings, session)
                start.wait()
                sv.issue(session=session, engine=engine, viewer=viewer, incident_id=incident_id,
                         requirement=REQUIREMENT, due_at=datetime.now(UTC) + timedelta(days=1))
                session.commit()
        except Exception as exc:  # reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=run, args=(n, i)) for n, i in enumerate(incidents)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    with session_scope(settings.database_url) as s:
        seqs = sorted(n.doc_seq for n in s.exec(select(SupervisionNotice)))
    assert seqs == list(range(1, len(incidents) + 1))
