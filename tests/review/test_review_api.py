"""回应效果评估 over the real API (SQLite and PostgreSQL): the queue, a review with its audit
entry in the incident's hash chain, and every refusal writing nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service.audit.chain import verify
from service.core.bus import subscribe_local
from service.core.db import session_scope
from service.core.events import to_message
from tests.conftest import COORD
from tests.incidents.helpers import ESTATE, FOOD, MISHAN, SCJ, detail
from tests.review.helpers import responded
from tests.support.factories import account, incident, login

JUDGED = {"accuracy": 80, "authority": 90, "handling": 70, "comments": "口径准确，渠道权威"}


def _ago(hours: float) -> datetime:
    return datetime.now(UTC) - timedelta(hours=hours)


def test_reviewer_reviews_a_response_in_the_queue_audited_in_the_chain(client, settings) -> None:
    # 一般 → 48 h; answered 36 h after receipt: 100 − 40·(0.75 − 0.25)/0.75 = 73.3 → 73
    estate = responded(client, "1", ESTATE, "liaison_mishan", _ago(36))
    food = responded(client, "2", FOOD, "liaison_scj", _ago(2))  # within the first quarter → 100
    assert client.post(f"/api/incidents/{food}/close", headers=login(client, "liaison_scj"),
                       json={"note": "已查处"}).status_code == 200
    reviewer = login(client, "reviewer_gaoping")
    q = client.get("/api/reviews/queue", headers=reviewer).json()
    assert q["total"] == 2
    assert [(e["incident_id"], e["unit"], e["timeliness"], e["status"], e["reviewed"], e["may_review"])
            for e in q["entries"]] == [(food, SCJ, 100, "closed", False, True),
                                       (estate, MISHAN, 73, "responded", False, True)]
    page = client.get("/api/reviews/queue?limit=1&offset=1", headers=reviewer).json()
    assert page["total"] == 2 and [e["incident_id"] for e in page["entries"]] == [estate]

    events: list[dict] = []
    unsubscribe = subscribe_local(lambda e: events.append(to_message(e)))  # as Redis carries it
    try:
        r = client.post(f"/api/incidents/{estate}/reviews", headers=reviewer, json={"unit": MISHAN, **JUDGED})
    finally:
        unsubscribe()
    assert r.status_code == 201, r.text
    got = r.json()
    assert (got["timeliness"], got["accuracy"], got["authority"], got["handling"], got["score"]) == (73, 80, 90, 70, 78.3)
    assert got["reviewer"] == "reviewer_gaoping" and got["reviewer_unit"] == "中共高平市委宣传部"
    assert got["accountability"] is False and got["accountability_ground"] is None
    assert [(e["type"], e["incident_id"]) for e in events] == [("incident.reviewed", estate)]

    audit = [a for a in detail(client, estate)["audit"] if a["action"] == "incident.reviewed"]
    assert len(audit) == 1 and audit[0]["actor"] == "reviewer_gaoping"
    d = audit[0]["detail"]
    assert (d["unit"], d["timeliness"], d["score"], d["accountability"], d["accountability_ground"]) == (
        MISHAN, 73, 78.3, False, None)
    with session_scope(settings.database_url) as s:
        checked, broken = verify(s)
    assert broken is None and checked > 5

    # the queue moves it to 已评估; the liaison of the unit reads his review
    assert [e["incident_id"] for e in client.get("/api/reviews/queue", headers=reviewer).json()["entries"]] == [food]
    done = client.get("/api/reviews/queue?reviewed=true", headers=reviewer).json()["entries"]
    assert [(e["incident_id"], e["review"]["score"], e["may_review"]) for e in done] == [(estate, 78.3, False)]
    mine = client.get(f"/api/incidents/{estate}/reviews", headers=login(client, "liaison_mishan")).json()
    assert [(x["unit"], x["score"]) for x in mine["reviews"]] == [(MISHAN, 78.3)]
    assert mine["responders"][0]["unit"] == MISHAN and mine["responders"][0]["reviewed"] is True
    again = client.post(f"/api/incidents/{estate}/reviews", headers=reviewer, json={"unit": MISHAN, **JUDGED})
    assert again.status_code == 409 and "已评估" in again.json()["error"]["zh"]

    # accountability flagged with its ground
    r = client.post(f"/api/incidents/{food}/reviews", headers=reviewer, json={
        "unit": SCJ, **JUDGED, "accountability": True, "accountability_ground": "回应不妥当",
        "accountability_note": "回应口径与事实不符"})
    assert r.status_code == 201 and r.json()["score"] == 85.0  # (100 + 80 + 90 + 70) / 4
    last = [a for a in detail(client, food)["audit"] if a["action"] == "incident.reviewed"][0]["detail"]
    assert (last["accountability"], last["accountability_ground"], last["accountability_note"]) == (
        True, "回应不妥当", "回应口径与事实不符")


def test_refusals_write_nothing(client, settings) -> None:
    account(settings, "reviewer_sanjia", "reviewer", region="三甲镇")
    account(settings, "reviewer_mishan", "reviewer", unit=MISHAN, region="高平市")
    estate = responded(client, "1", ESTATE, "liaison_mishan", _ago(3))
    unclaimed = incident(client, "2", FOOD)
    reviewer = login(client, "reviewer_gaoping")
    before = detail(client, estate)["audit"]
    body = {"unit": MISHAN, **JUDGED}

    def post(headers: dict, incident_id: int = estate, **change) -> tuple[int, dict]:
        r = client.post(f"/api/incidents/{incident_id}/reviews", headers=headers, json={**body, **change})
        return r.status_code, r.json()["error"]

    status, error = post(login(client, "liaison_mishan"))
    assert status == 403 and error["en"] == "role liaison may not do this"
    assert post(login(client, "coordinator_gaoping"))[0] == 403
    assert post(COORD)[0] == 403  # the coordinator's machine token
    outside = login(client, "reviewer_sanjia")
    assert post(outside) == (404, {"zh": "没有这个事件", "en": "no such incident"})
    assert client.get(f"/api/incidents/{estate}/reviews", headers=outside).status_code == 404
    assert client.get("/api/reviews/queue", headers=outside).json() == {"total": 0, "limit": 50, "offset": 0,
                                                                         "entries": []}
    own = login(client, "reviewer_mishan")
    assert post(own) == (403, {"zh": "不能评估本单位的回应", "en": "you may not review a response of your own unit"})
    assert client.get("/api/reviews/queue", headers=own).json()["entries"][0]["may_review"] is False
    status, error = post(reviewer, unclaimed, unit=SCJ)
    assert status == 409 and "待认领" in error["zh"] and "unclaimed" in error["en"]
    status, error = post(reviewer, estate, unit=SCJ)
    assert status == 409 and error["zh"] == f"{SCJ}未在该事件中回应，无可评估的回应"
    assert post(reviewer, 999999)[0] == 404
    assert detail(client, estate)["audit"] == before
    assert client.get(f"/api/incidents/{estate}/reviews", headers=reviewer).json()["reviews"] == []


def test_bad_input_is_422_in_both_languages(client) -> None:
    estate = responded(client, "1", ESTATE, "liaison_mishan", _ago(3))
    reviewer = login(client, "reviewer_gaoping")
    cases = [
        ({"accountability": True}, "accountability_ground"),
        ({"accountability": True, "accountability_ground": "处置不得力", "accountability_note": "不好"},
         "accountability_note"),
        ({"accountability": False, "accountability_ground": "报告不及时"}, "accountability_ground"),
        ({"accuracy": 101}, "body.accuracy"),
        ({"authority": -5}, "body.authority"),
        ({"handling": "很好"}, "body.handling"),
    ]
    for change, field in cases:
        r = client.post(f"/api/incidents/{estate}/reviews", headers=reviewer, json={"unit": MISHAN, **JUDGED, **change})
        assert r.status_code == 422, (change, r.text)
        error = r.json()["error"]
        assert error["zh"] and error["en"] and field in [d["field"] for d in error["details"]], error
    assert client.get(f"/api/incidents/{estate}/reviews", headers=reviewer).json()["reviews"] == []
    assert not [a for a in detail(client, estate)["audit"] if a["action"] == "incident.reviewed"]
