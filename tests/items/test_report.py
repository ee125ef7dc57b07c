"""舆情报送 over HTTP on SQLite and PostgreSQL: a person's item goes through the same intake as
the machines' (routed into an incident), with its link stored and its screenshots attached,
audited; a resubmitted form reports nothing twice; a refused form stores nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import func, select

from service.attachments.models import Attachment
from service.audit.models import AuditEntry
from service.core.db import session_scope
from service.incidents.models import Item
from service.main import create_app
from tests.attachments import files
from tests.incidents.helpers import FOOD
from tests.support.factories import login

LINK = "https://weibo.com/123456/abcdef"


def report(client, headers: dict, token: str = "form-token-0001", attach=None, **form) -> object:
    body = {"source": "weibo", "title": "多家餐馆被曝使用过期食材", "text": FOOD, "link": LINK,
            "found_at": "2026-12-01T09:30", "client_token": token, **form}
    uploads = [("files", (name, data, "application/octet-stream")) for name, data in (attach or [])]
    return client.post("/api/items/report", headers=headers, data=body, files=uploads or None)


def counts(settings) -> tuple[int, int, int]:
    with session_scope(settings.database_url) as s:
        return tuple(s.exec(select(func.count()).select_from(t)).one() for t in (Item, Attachment, AuditEntry))


def test_a_liaison_reports_an_item_with_a_screenshot(client, settings) -> None:
    scj = login(client, "liaison_scj")
    shot = files.png()
    r = report(client, scj, attach=[("微博截图.png", shot)])
    assert r.status_code == 202, r.text
    got = r.json()
    assert got["item"]["duplicate"] is False and got["item"]["source"] == "weibo"
    assert [(a["filename"], a["mime"], a["size"]) for a in got["attachments"]] == [("微博截图.png", "image/png", len(shot))]
    with session_scope(settings.database_url) as s:
        item = s.get(Item, got["item"]["id"])
        assert (item.link, item.reported_by, item.status) == (LINK, "liaison_scj", "processed")
        assert item.received_at.isoformat() == "2026-12-01T01:30:00+00:00" and item.incident_id
        audit = s.exec(select(AuditEntry).where(AuditEntry.action == "item.reported")).one()
        assert (audit.actor, audit.item_id, audit.detail["attachments"], audit.detail["link"]) == (
            "liaison_scj", item.id, 1, LINK)
        incident_id = item.incident_id
    listed = client.get(f"/api/incidents/{incident_id}/attachments", headers=scj).json()["attachments"]
    assert [a["id"] for a in listed] == [got["attachments"][0]["id"]]
    download = client.get(listed[0]["url"], headers=scj)
    assert download.status_code == 200 and download.content == shot
    assert download.headers["content-type"] == "image/png"
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%E5%BE%AE%E5%8D%9A%E6%88%AA%E5%9B%BE.png" in download.headers["content-disposition"]
    assert "sandbox" in download.headers["content-security-policy"]
    # another unit's liaison does not see the incident, so not its files either
    mishan = login(client, "liaison_mishan")
    assert client.get(listed[0]["url"], headers=mishan).status_code == 404
    assert client.get(f"/api/incidents/{incident_id}/attachments", headers=mishan).status_code == 404

    # the same form sent twice (a double click, a retry): nothing new
    before = counts(settings)
    again = report(client, scj, attach=[("微博截图.png", shot)])
    assert again.status_code == 202 and again.json()["item"] == {**got["item"], "duplicate": True}
    assert again.json()["attachments"] == []
    assert counts(settings)[:2] == before[:2]


def test_refused_forms_store_nothing(client, settings) -> None:
    reviewer = login(client, "reviewer_gaoping")
    before = counts(settings)
    cases = [({"attach": [("截图.png", files.HTML)]}, "files"),
             ({"attach": [("a.svg", files.SVG)]}, "files"),
             ({"attach": [("empty.png", b"")]}, "files"),
             ({"link": "javascript:alert(1)"}, "link"),
             ({"source": "火星"}, "source"),
             ({"found_at": "2999-01-01T00:00"}, None),
             ({"text": ""}, None)]
    for n, (change, field) in enumerate(cases):
        r = report(client, reviewer, token=f"refused-{n:04d}", **change)
        assert r.status_code == 422, (change, r.text)
        error = r.json()["error"]
        assert error["zh"] and error["en"] and (field is None or error.get("field") == field), (change, error)
    assert counts(settings) == before
    for who in ("leader_gaoping",):
        assert report(client, login(client, who)).status_code == 403


def test_attachments_on_disk_under_random_names(settings, tmp_path: Path) -> None:
    store = tmp_path / "attachments"
    on_disk = settings.model_copy(update={"attachments_dir": str(store), "attachment_max_bytes": 4096})
    with TestClient(create_app(on_disk)) as client:
        coordinator = login(client, "coordinator_gaoping")
        big = files.PDF + b"0" * 5000
        r = report(client, coordinator, token="too-big-00001", attach=[("大文件.pdf", big)])
        assert r.status_code == 422 and "大文件.pdf" in r.json()["error"]["zh"]
        assert not store.exists() or not any(store.rglob("*"))
        r = report(client, coordinator, token="on-disk-00001", attach=[("../../情况说明.pdf", files.PDF)])
        assert r.status_code == 202, r.text
        saved = r.json()["attachments"][0]
        assert saved["filename"] == "情况说明.pdf" and saved["sha256"] == hashlib.sha256(files.PDF).hexdigest()
        stored = [p for p in store.rglob("*") if p.is_file()]
        assert len(stored) == 1 and stored[0].read_bytes() == files.PDF and "情况" not in stored[0].name
        with session_scope(on_disk.database_url) as s:
            assert s.get(Attachment, saved["id"]).content is None
        assert client.get(saved["url"], headers=coordinator).content == files.PDF


def test_uploads_have_their_own_body_limit(settings) -> None:
    small = settings.model_copy(update={"upload_body_limit_bytes": 4096})
    with TestClient(create_app(small)) as client:
        coordinator = login(client, "coordinator_gaoping")
        before = counts(small)
        r = report(client, coordinator, token="over-limit-0001", attach=[("大.pdf", files.PDF + b"0" * 8000)])
        assert r.status_code == 413 and r.json()["error"]["en"].startswith("request body too large (limit 4096")
        assert counts(small) == before
        ok = report(client, coordinator, token="under-limit-001", attach=[("小.pdf", files.PDF)])
        assert ok.status_code == 202, ok.text  # the form with a small file is well under it
