"""问责, 整改 and the annual assessment over the real API (SQLite and PostgreSQL): the coordinator
records, the unit's liaison reports, the sweep reminds and marks overdue once; a 不合格 brings its
通报批评 and a 10-working-day 整改; a year without calendar data leaves the deadline unset until
the admin enters it. Refusals write nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from routing.local_time import BEIJING
from service.accountability.models import AccountabilityRecord, AssessmentResult
from service.accountability.service import sweep_rectifications
from service.audit.models import AuditEntry
from service.core.db import session_scope
from tests.conftest import COORD, VIEWER
from tests.incidents.helpers import FOOD, SCJ
from tests.support.factories import incident, login


def _actions(settings, prefix: str) -> list[tuple[str, dict]]:
    with session_scope(settings.database_url) as s:
        return [(a.action, a.detail) for a in s.exec(select(AuditEntry).where(AuditEntry.action.startswith(prefix))
                                                    .order_by(AuditEntry.id))]


def _hold(client, headers=COORD, **body) -> dict:
    r = client.post("/api/accountability", headers=headers, json=body)
    assert r.status_code == 201, r.text
    return r.json()


def test_a_major_incident_unit_is_held_to_account_and_reports_its_rectification(client, settings) -> None:
    food = incident(client, "1", FOOD, severity="重大")
    notified = datetime(2026, 9, 29, 10, tzinfo=BEIJING)  # Tuesday before 国庆
    rec = _hold(client, unit=SCJ, persons=[{"name": "王某", "post": "副局长"}], ground="处置不得力",
                sanction="约谈整改", incident_id=food, notified_at=notified.isoformat())
    # 10 working days from the next day: 9-30, 10-8, 10-9, 10-10 (调休), 10-12…10-16, 10-19
    assert rec["rectify_days"] == 10 and datetime.fromisoformat(rec["due_at"]) == datetime(2026, 10, 20, tzinfo=BEIJING)
    assert rec["state"] == "overdue" and rec["clause"].startswith("seed 002")
    scj = login(client, "liaison_scj")
    listed = client.get("/api/accountability", headers=scj).json()["records"]
    assert [r["id"] for r in listed] == [rec["id"]]
    r = client.post(f"/api/accountability/{rec['id']}/report", headers=scj, json={"report": "已建立食材抽检台账并通报"})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "late" and r.json()["submitted_by"] == "liaison_scj"
    again = client.post(f"/api/accountability/{rec['id']}/report", headers=scj, json={"report": "再次报送内容"})
    assert again.status_code == 409
    assert [a for a, _ in _actions(settings, "accountability.")] == ["accountability.recorded"]
    assert [(a, d["late"]) for a, d in _actions(settings, "rectification.")] == [("rectification.submitted", True)]
    # the reports list the 问责 notified in their period, and say what the 4 % weighs
    report = client.get("/api/reports/summary?from=2026-09-01&to=2026-10-01", headers=VIEWER).json()
    assert [(r["id"], r["unit"], r["state"]) for r in report["accountability"]] == [(rec["id"], SCJ, "late")]
    assert "4%" in report["weight_note"] and "不是舆情回应单项的权重" in report["weight_note"]
    later = client.get("/api/reports/summary?from=2026-10-01&to=2026-11-01", headers=VIEWER).json()
    assert later["accountability"] == []


def test_the_rules_of_the_seeds_are_enforced_and_refusals_write_nothing(client, settings) -> None:
    food = incident(client, "1", FOOD)  # 一般
    cases = [
        ({"unit": SCJ, "ground": "处置不得力", "sanction": "通报批评", "incident_id": food}, 422),  # not 重大
        ({"unit": SCJ, "ground": "处置不得力", "sanction": "通报批评"}, 422),  # no incident
        ({"unit": SCJ, "ground": "工作不力", "sanction": "通报批评"}, 422),
        ({"unit": SCJ, "ground": "考核不合格", "sanction": "约谈整改"}, 422),
        ({"unit": "不存在的局", "ground": "考核不合格", "sanction": "通报批评"}, 422),
        ({"unit": "阳城县教育局", "ground": "考核不合格", "sanction": "通报批评"}, 403),  # outside 高平市
    ]
    coordinator = login(client, "coordinator_gaoping")
    for body, status in cases:
        r = client.post("/api/accountability", headers=coordinator, json=body)
        assert r.status_code == status, (body, r.text)
        assert r.json()["error"]["zh"] and r.json()["error"]["en"]
    scj = login(client, "liaison_scj")
    assert client.post("/api/accountability", headers=scj, json=cases[2][0]).status_code == 403
    with session_scope(settings.database_url) as s:
        assert s.exec(select(AccountabilityRecord)).all() == []
    assert _actions(settings, "accountability.") == []


def test_the_sweep_reminds_then_marks_overdue_once(client, settings) -> None:
    notified = datetime(2026, 3, 2, 9, tzinfo=BEIJING)  # Monday; 10 working days → end of 3-16
    rec = _hold(client, unit="米山镇人民政府", ground="考核不合格", sanction="通报批评",
                notified_at=notified.isoformat())
    due = datetime.fromisoformat(rec["due_at"])
    assert due == datetime(2026, 3, 17, tzinfo=BEIJING)
    with session_scope(settings.database_url) as s:
        early = sweep_rectifications(s, notified + timedelta(days=5))
        remind = sweep_rectifications(s, due - timedelta(days=1))
        rerun = sweep_rectifications(s, due - timedelta(hours=20))
        lapse = sweep_rectifications(s, due + timedelta(minutes=1))
        s.commit()
    assert (early["remind"], remind["remind"], rerun["remind"], lapse["overdue"]) == (0, 1, 0, 1)
    with session_scope(settings.database_url) as s:
        assert sweep_rectifications(s, due + timedelta(days=3)) == {"due_set": 0, "remind": 0, "overdue": 0}
    assert [a for a, _ in _actions(settings, "rectification.")] == ["rectification.reminded",
                                                                    "rectification.overdue"]
    got = client.get(f"/api/accountability/{rec['id']}", headers=VIEWER).json()
    assert got["state"] == "overdue" and got["state_label"] == "逾期未报"


def test_a_deadline_in_a_year_without_calendar_data_waits_for_the_admin(client, settings) -> None:
    food = incident(client, "1", FOOD, severity="重大")
    notified = datetime(2026, 12, 1, 10, tzinfo=BEIJING)  # 30 working days run into 2027
    rec = _hold(client, unit=SCJ, ground="回应不妥当", sanction="约谈整改", incident_id=food, rectify_days=30,
                notified_at=notified.isoformat())
    assert rec["due_at"] is None and rec["state"] == "pending_calendar" and rec["state_label"] == "待补录工作日历"
    with session_scope(settings.database_url) as s:
        assert sweep_rectifications(s, datetime.now(UTC))["due_set"] == 0  # still no 2027: never guessed
        s.commit()
    admin = login(client, "admin")
    days = [{"day": "2027-01-01", "kind": "holiday", "name": "元旦"}]
    assert client.put("/api/calendar/2027", headers=admin, json={"days": days}).status_code == 200
    with session_scope(settings.database_url) as s:
        assert sweep_rectifications(s, datetime.now(UTC))["due_set"] == 1
        s.commit()
    got = client.get(f"/api/accountability/{rec['id']}", headers=VIEWER).json()
    # December 2026: 22 working days after the 1st; 2027: 1-1 off, 1-4 … 1-8 (27), 1-11 … 1-13 (30)
    assert datetime.fromisoformat(got["due_at"]) == datetime(2027, 1, 14, tzinfo=BEIJING)
    assert [(a, d["due_at"] is not None) for a, d in _actions(settings, "rectification.due")] == [
        ("rectification.due_set", True)]


def test_a_failing_assessment_brings_its_notice_and_rectification(client, settings) -> None:
    coordinator = login(client, "coordinator_gaoping")
    for unit, score, grade in (("高平市教育局", 92, "优秀"), ("高平市民政局", 85.5, "良好"),
                               ("高平市司法局", 60, "合格"), ("高平市财政局", 59.5, "不合格")):
        r = client.post("/api/assessments", headers=coordinator, json={"unit": unit, "year": 2026, "score": score})
        assert r.status_code == 201, r.text
        assert r.json()["grade"] == grade and (r.json()["record_id"] is not None) is (grade == "不合格")
    again = client.post("/api/assessments", headers=coordinator, json={"unit": "高平市财政局", "year": 2026, "score": 70})
    assert again.status_code == 409
    r = client.post("/api/assessments", headers=coordinator, json={"unit": "晋城市教育局", "year": 2026, "score": 70})
    assert r.status_code in (403, 422)  # not one of the 62 assessed units (and outside 高平市)
    results = client.get("/api/assessments?year=2026", headers=VIEWER).json()
    assert [(x["unit"], x["notice"]) for x in results["results"]] == [
        ("高平市教育局", "通报表扬"), ("高平市民政局", None), ("高平市司法局", None), ("高平市财政局", "通报批评")]
    assert "全部政务公开工作" in results["weight_note"]
    records = client.get("/api/accountability?unit=高平市财政局", headers=VIEWER).json()["records"]
    assert [(r["ground"], r["sanction"], r["rectify_days"]) for r in records] == [("考核不合格", "通报批评", 10)]
    with session_scope(settings.database_url) as s:
        assert len(s.exec(select(AssessmentResult)).all()) == 4
    assert [d["grade"] for _, d in _actions(settings, "assessment.")] == ["优秀", "良好", "合格", "不合格"]


def test_the_results_show_what_the_response_records_deduct(client) -> None:
    incident(client, "1", FOOD, datetime.now(UTC) - timedelta(days=3))  # 一般: 48 h, unanswered → late
    incident(client, "2", "高平市某小区电梯故障无人维修", datetime.now(UTC) - timedelta(days=3))  # not SCJ's
    coordinator = login(client, "coordinator_gaoping")
    r = client.post("/api/assessments", headers=coordinator, json={"unit": SCJ, "year": 2026, "score": 88})
    assert r.status_code == 201, r.text
    result = client.get("/api/assessments?year=2026", headers=VIEWER).json()["results"][0]
    part = result["response_part"]
    assert (part["late_responses"], part["late_feedback"], part["accountability"]) == (1, 0, 0)
    assert [(d["reason"], d["points"], d["major"]) for d in part["deductions"]] == [("舆情回应超时1次", 1.0, False)]
    assert client.get("/api/assessments?year=2025", headers=VIEWER).json()["results"] == []


def test_the_escalation_sweep_runs_the_rectification_phase(client, settings) -> None:
    from service.escalation.sweep import sweep_once

    notified = datetime(2026, 3, 2, 9, tzinfo=BEIJING)
    rec = _hold(client, unit="米山镇人民政府", ground="考核不合格", sanction="通报批评", notified_at=notified.isoformat())
    done = sweep_once(settings, datetime.fromisoformat(rec["due_at"]) + timedelta(hours=1))
    assert done["failed"] == [] and done["rectifications"] == 1  # 逾期 (no 提醒 after the deadline)
    assert sweep_once(settings, datetime.fromisoformat(rec["due_at"]) + timedelta(hours=2))["rectifications"] == 0
    assert client.get(f"/api/accountability/{rec['id']}", headers=VIEWER).json()["overdue_at"] is not None
