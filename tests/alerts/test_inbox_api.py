"""The alert inbox through the real API and sweep, on SQLite and PostgreSQL: one entry per clock
climbing its ladder in place, 临期 vs 超时 read against now, bulk acknowledgement (only one's
own, audited, all or nothing), resolution when the clock is met, and the principal leader's
alert for a 特别重大 incident (once per grading)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from service.alerts.models import Alert, InboxEntry
from service.core.columns import utcnow
from service.core.db import session_scope
from service.escalation.sweep import sweep_once
from tests.alerts.conftest import ESTATE, RECEIVED, make_incident
from tests.conftest import COORD, VIEWER
from tests.support.factories import incident as post_incident
from tests.support.factories import login

H = timedelta(hours=1)


def make_incident_at(client, received) -> int:
    return post_incident(client, "1", ESTATE, received)


def inbox(client, who) -> dict:
    r = client.get("/api/alerts/inbox", headers=who)
    assert r.status_code == 200, r.text
    return r.json()


def test_one_row_per_clock_climbs_its_ladder_in_place(client, settings) -> None:
    received = utcnow().replace(microsecond=0) - 40 * H  # the inbox reads 临期/超时 against the real now
    incident = make_incident_at(client, received)
    liaison = login(client, "liaison_mishan")
    assert inbox(client, liaison) == {"total": 0, "unread": 0, "rows": []}
    sweep_once(settings, received + 25 * H)  # 50 % of the 48 h response clock
    (row,) = inbox(client, liaison)["rows"]
    assert (row["incident_id"], row["kind"], row["label"], row["rungs"], row["unread"]) == (
        incident, "due", "临期提醒（已过 50%）", 1, 1)
    assert row["clocks"] == "回应" and client.get("/api/alerts/inbox/unread", headers=liaison).json() == {"unread": 1}
    r = client.post("/api/alerts/inbox/ack", headers=liaison, json={"ids": row["ids"]})
    assert r.status_code == 200 and r.json() == {"acknowledged": 1, "unread": 0}
    sweep_once(settings, received + 39 * H)  # 80 %: the same row, raised, unread again
    (row,) = inbox(client, liaison)["rows"]
    assert (row["kind"], row["label"], row["rungs"], row["unread"]) == ("due", "临期提醒（已过 80%）", 2, 1)
    sweep_once(settings, received + 73 * H)
    leader = inbox(client, login(client, "leader_gaoping"))
    (row,) = leader["rows"]  # 催办 (米山镇) and 督办 (高平市): one incident, one clock, the highest rung
    assert (row["kind"], row["label"], row["rungs"], len(row["entries"]), len(row["ids"])) == (
        "supervise", "超时督办", 2, 1, 2)
    with session_scope(settings.database_url) as s:  # the rungs stay, for the deliveries and the history
        assert {a.step for a in s.exec(select(Alert).where(Alert.incident_id == incident))} == {
            "warn_50", "warn_80", "urge", "supervise"}


def test_a_reminder_of_a_clock_long_past_its_deadline_reads_overdue(client, settings) -> None:
    received = utcnow() - timedelta(days=30)
    incident = make_incident_at(client, received)
    sweep_once(settings, received + 39 * H)  # a sweep that ran only the reminders, a month ago
    (row,) = inbox(client, login(client, "liaison_mishan"))["rows"]
    assert (row["incident_id"], row["kind"], row["label"], row["rungs"]) == (incident, "overdue", "已超时", 2)


def test_bulk_acknowledge_is_the_recipients_own_all_or_nothing_and_audited(client, settings) -> None:
    incident = make_incident(client)
    sweep_once(settings, RECEIVED + 73 * H)
    leader, liaison = login(client, "leader_gaoping"), login(client, "liaison_mishan")
    theirs = inbox(client, leader)["rows"][0]["ids"]
    mine = inbox(client, liaison)["rows"][0]["ids"]
    for who, body, status in [(liaison, {"ids": theirs}, 404), (liaison, {"ids": [*mine, *theirs]}, 404),
                              (liaison, {"ids": [99999]}, 404), (liaison, {}, 422), (VIEWER, {"all": True}, 403),
                              (login(client, "liaison_scj"), {"ids": mine}, 404)]:
        r = client.post("/api/alerts/inbox/ack", headers=who, json=body)
        assert r.status_code == status, (body, r.text)
        assert r.json()["error"]["zh"] and r.json()["error"]["en"]
    assert inbox(client, liaison)["unread"] == 1  # nothing half-written
    r = client.post("/api/alerts/inbox/ack", headers=leader, json={"all": True})
    assert r.json() == {"acknowledged": 2, "unread": 0}
    assert client.post("/api/alerts/inbox/ack", headers=leader, json={"all": True}).json()["acknowledged"] == 0
    assert inbox(client, leader)["rows"][0]["unread"] == 0  # still open: the clock still runs
    acks = [a for a in client.get(f"/api/incidents/{incident}", headers=COORD).json()["audit"]
            if a["action"] == "alert.acknowledged"]
    assert sorted(a["detail"]["step"] for a in acks) == ["supervise", "urge"] and {a["actor"] for a in acks} == {
        "leader_gaoping"}
    rungs = client.get("/api/alerts?unacknowledged=true", headers=leader).json()
    assert rungs == []  # the rungs behind the entries are acknowledged with them


def test_a_met_clock_leaves_the_inbox_for_the_history(client, settings) -> None:
    incident = make_incident(client)
    sweep_once(settings, RECEIVED + 39 * H)
    liaison = login(client, "liaison_mishan")
    assert inbox(client, liaison)["total"] == 1
    assert client.post(f"/api/incidents/{incident}/claim", headers=liaison).status_code == 200
    assert client.post(f"/api/incidents/{incident}/respond", headers=liaison,
                       json={"channel": "政府网站", "text": "已核查整改"}).status_code == 200
    assert inbox(client, liaison)["total"] == 0  # at once, before any sweep
    (past,) = client.get("/api/alerts/inbox/history", headers=liaison).json()
    assert (past["incident_id"], past["resolved"], past["resolved_at"]) == (incident, "时限已满足", None)
    assert sweep_once(settings, RECEIVED + 40 * H)["inbox_resolved"] == 1
    with session_scope(settings.database_url) as s:
        (entry,) = s.exec(select(InboxEntry)).all()
        assert entry.resolved_reason == "met" and entry.resolved_at is not None
    assert sweep_once(settings, RECEIVED + 41 * H)["inbox_resolved"] == 0
    assert client.get("/api/alerts/inbox/history", headers=login(client, "liaison_scj")).json() == []


def test_the_principal_leader_hears_of_an_especially_major_incident_once_per_grading(client, settings) -> None:
    incident = make_incident(client)
    leader = login(client, "leader_gaoping")
    sweep_once(settings, RECEIVED + H)
    assert inbox(client, leader)["rows"] == []  # 一般: nobody's to lead
    r = client.post(f"/api/incidents/{incident}/severity", headers=COORD,
                    json={"severity": "特别重大", "reason": "引发群体聚集"})
    assert r.status_code == 200, r.text
    (row,) = inbox(client, leader)["rows"]  # told at once by the upgrade, before any sweep
    assert sweep_once(settings, RECEIVED + 2 * H)["major_alerts"] == 0  # the sweep (the backstop): once
    assert sweep_once(settings, RECEIVED + 3 * H)["major_alerts"] == 0
    assert (row["incident_id"], row["kind"], row["severity"]) == (incident, "major", "特别重大")
    assert "牵头" in row["message"]
    rungs = client.get("/api/alerts", headers=leader).json()
    # the leader's own alert, once (the party-report task's rungs go to the government office: issue 15)
    assert [(a["step"], a["recipients"]) for a in rungs if a["step"] == "major"] == [("major", ["高平市人民政府主要负责人"])]
    assert inbox(client, login(client, "liaison_mishan"))["rows"] == []  # the leader's, not the unit's
    for severity in ("重大", "特别重大"):  # downgraded, then upgraded again: a new grading, a new alert
        assert client.post(f"/api/incidents/{incident}/severity", headers=COORD,
                           json={"severity": severity, "reason": "复核"}).status_code == 200
    assert [a["step"] for a in client.get("/api/alerts", headers=leader).json() if a["step"] == "major"] == [
        "major", "major"]
    (row,) = inbox(client, leader)["rows"]  # one row for the incident; its 特别重大 entry unread again, its 2nd rung
    (major,) = [e for e in row["entries"] if e["clock"] == "major"]
    assert major["unread"] is True and major["rungs"] == 2 and row["kind"] == "major"


def test_an_item_routed_as_especially_major_tells_the_leader_without_a_sweep(client, settings) -> None:
    """The server's own sweeper is off in the tests (SWEEP_SECONDS=0): only the routing's event
    can have told him."""
    leader = login(client, "leader_gaoping")
    incident = post_incident(client, "major-1", "高平市米山镇化工厂爆炸起火，多人受伤，周边居民紧急疏散", RECEIVED,
                             severity="特别重大")
    (row,) = inbox(client, leader)["rows"]
    assert (row["incident_id"], row["kind"]) == (incident, "major")
    with session_scope(settings.database_url) as s:
        assert [a.key for a in s.exec(select(Alert)).all() if a.step == "major"] == [f"major:{incident}:0"]
    assert sweep_once(settings, RECEIVED + H)["major_alerts"] == 0  # nothing left for the backstop
    assert [a["step"] for a in client.get("/api/alerts", headers=leader).json()].count("major") == 1
