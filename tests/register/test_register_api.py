"""The 政务舆情 register over the real API (SQLite and PostgreSQL): the org file's entries, the
admin's audited edit, who to call on an incident, the completeness report; refusals write nothing."""

from __future__ import annotations

from sqlmodel import select

from service.audit.models import AuditEntry
from service.core.db import session_scope
from service.register.models import UnitRegisterEntry
from tests.conftest import COORD, VIEWER
from tests.incidents.helpers import FOOD, SCJ, detail
from tests.support.factories import incident, login

EDU = "高平市教育局"
HANDLER = {"name": "钱多多", "phone": "13900000303", "post": "科员"}


def _edu_body() -> dict:
    return {"coordinating_office": {"name": "高平市教育局办公室", "phone": "0356-5500301"},
            "responsible": {"name": "孙文华", "phone": "13900000301", "post": "副局长"},
            "liaison": {"name": "周敏", "phone": "13900000302"}, "handler": HANDLER}


def test_the_completeness_report_lists_the_assessed_units_lacking_a_register(client) -> None:
    r = client.get("/api/register/completeness", headers=VIEWER)
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["assessed"], report["complete"], report["incomplete"]) == (62, 2, 60)
    assert report["due"] == "2020-06-30"
    units = {u["unit"]: u["missing_labels"] for u in report["units"]}
    assert SCJ not in units and "米山镇人民政府" not in units
    assert units[EDU] == ["承办人"] and units["东城办事处"] == ["政务舆情协调部门", "责任人", "联络人", "承办人"]
    assert report["units"][0]["unit"] == "东城办事处"  # the scheme's order


def test_the_admin_edits_a_register_audited_and_it_completes_the_unit(client, settings) -> None:
    admin = login(client, "admin")
    r = client.put(f"/api/register/{EDU}", headers=admin, json=_edu_body())
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["source"] == "admin" and got["missing"] == [] and got["register"]["handler"] == HANDLER
    units = [u["unit"] for u in client.get("/api/register/completeness", headers=VIEWER).json()["units"]]
    assert EDU not in units and len(units) == 59
    with session_scope(settings.database_url) as s:
        audit = s.exec(select(AuditEntry).where(AuditEntry.action == "register.edited")).all()
        assert [(a.actor, a.detail["unit"], a.detail["before"]["handler"], a.detail["after"]["handler"])
                for a in audit] == [("admin", EDU, None, HANDLER)]


def test_refusals_write_nothing(client, settings) -> None:
    admin = login(client, "admin")
    bad_phone = {**_edu_body(), "handler": {"name": "钱多多", "phone": "abcdefg"}}
    r = client.put(f"/api/register/{EDU}", headers=admin, json=bad_phone)
    assert r.status_code == 422 and "电话号码格式不正确" in r.json()["error"]["zh"] and r.json()["error"]["en"]
    r = client.put("/api/register/不存在的局", headers=admin, json=_edu_body())
    assert r.status_code == 404
    r = client.put(f"/api/register/{EDU}", headers=COORD, json=_edu_body())  # not the admin
    assert r.status_code == 403
    r = client.put(f"/api/register/{EDU}", headers=admin, json={**_edu_body(), "deputy": HANDLER})
    assert r.status_code == 422
    with session_scope(settings.database_url) as s:
        assert s.exec(select(UnitRegisterEntry)).all() == []
        assert s.exec(select(AuditEntry).where(AuditEntry.action == "register.edited")).all() == []
    assert client.get("/api/register/completeness").status_code == 401


def test_an_incident_shows_who_to_call_at_each_unit(client) -> None:
    food = incident(client, "1", FOOD)  # SCJ first responsible; 河西镇/马村镇 co-responsible
    units = {u["unit"]: u for u in detail(client, food)["units"]}
    scj = units[SCJ]
    assert scj["role"] and scj["register"]["liaison"] == {"name": "李晓梅", "phone": "13900000102",
                                                            "post": "办公室主任"}
    assert scj["register_missing"] == []
    assert units["河西镇人民政府"]["register"] is None
    assert units["河西镇人民政府"]["register_missing"] == ["政务舆情协调部门", "责任人", "联络人", "承办人"]
