"""Building, storing and delivering the leaders' digests on SQLite and PostgreSQL: per-leader
scope, exact content, idempotence, and inline delivery to a real webhook receiver (HMAC checked)
and a real SMTP server, with a failing channel visible."""

from __future__ import annotations

import hashlib
import hmac
import subprocess
import sys
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import select

from service.alerts.digest_service import run_digests
from service.alerts.models import Digest, DigestDelivery
from service.core.db import session_scope
from service.core.settings import Settings
from service.escalation.sweep import daily_digest
from service.main import create_app
from tests.alerts.conftest import GENEROUS_TIMEOUT, free_port
from tests.alerts.digest_fixtures import DAY, NOW, World, seed
from tests.support.factories import login

SECRET = "0123456789abcdef-digest"


def digests(settings: Settings) -> dict[tuple[str, str], Digest]:
    with session_scope(settings.database_url) as session:
        return {(d.audience_kind, d.audience): d for d in session.exec(select(Digest).order_by(Digest.id)).all()}


def test_one_digest_per_leader_audience_scoped_like_the_leader(client, settings) -> None:
    w = seed(settings)
    done = run_digests(settings, DAY, NOW)
    assert (done["day"], done["digests"], done["deliveries"]) == ("2026-11-25", 4, 0)
    got = digests(settings)
    assert {k: d.subject for k, d in got.items()} == {
        ("region", "高平市"): "【舆情日报】高平市 2026-11-25：重大事件2件，超时2项，今日到期1项",
        ("region", "米山镇"): "【舆情日报】米山镇 2026-11-25：重大事件1件，超时0项，今日到期1项",
        ("unit", "高平市市场监督管理局"): "【舆情日报】高平市市场监督管理局 2026-11-25：重大事件0件，超时1项，今日到期0项",
        ("region", "泽州县"): "【舆情日报】泽州县 2026-11-25：重大事件1件，超时0项，今日到期0项",
    }  # 河西镇's only leader is disabled; 高平市's two leaders share one digest
    county = got[("region", "高平市")].body
    assert [e["incident_id"] for e in county["open_major"]] == [w.hexi, w.mishan]  # 特别重大 first; not 泽州县's
    assert [(b["incident_id"], b["kind"], b["late_minutes"]) for b in county["breaches"]] == [
        (w.hexi, "overdue", 840), (w.scj, "met_late", 330)]  # the merged-away incident is not listed
    assert [e["incident_id"] for e in county["due_today"]] == [w.mishan]
    assert got[("region", "米山镇")].body["text"] == (
        "【舆情日报】米山镇 2026-11-25：重大事件1件，超时0项，今日到期1项\n"
        "统计截至 2026-11-25 08:00（北京时间）\n\n"
        "一、未办结重大事件（1件）\n"
        f"1. #{w.mishan} 市政服务（重大） 待认领 http://127.0.0.1:8000/incidents/{w.mishan}\n\n"
        "二、超时（0项）\n无\n\n"
        "三、今日到期（1项）\n"
        f"1. #{w.mishan} 市政服务（重大） 首次回应 到期 2026-11-25 20:00 http://127.0.0.1:8000/incidents/{w.mishan}")
    assert [e["incident_id"] for e in got[("unit", "高平市市场监督管理局")].body["breaches"]] == [w.scj]
    assert [e["incident_id"] for e in got[("region", "泽州县")].body["open_major"]] == [w.zezhou]
    # a second run (later the same day) builds none and keeps the first figures
    again = run_digests(settings, DAY, NOW + timedelta(hours=3))
    assert (again["digests"], again["deliveries"]) == (0, 0)
    first = {k: (d.id, d.subject) for k, d in got.items()}
    assert {k: (d.id, d.subject) for k, d in digests(settings).items()} == first


def test_the_sweep_builds_once_after_the_digest_hour(client, settings) -> None:
    seed(settings)
    assert daily_digest(settings, NOW - timedelta(minutes=1)) is None  # 07:59 local
    assert digests(settings) == {}
    assert daily_digest(settings, NOW)["digests"] == 4  # 08:00 local
    assert daily_digest(settings, NOW + timedelta(minutes=1))["digests"] == 0
    later = settings.model_copy(update={"digest_hour": 9})
    assert daily_digest(later, NOW + timedelta(days=1, minutes=30)) is None  # 08:30 next day, hour 9
    assert daily_digest(later, NOW + timedelta(days=1, hours=1))["day"] == "2026-11-26"


def test_inline_delivery_webhook_smtp_visible_failure(database_url, receiver, smtp_server) -> None:
    port, mailbox = smtp_server
    settings = Settings(database_url=database_url, demo=True, demo_force=True, redis_url=None, alert_host_allowlist="127.0.0.1", smtp_host="127.0.0.1", smtp_port=port,
                        alert_timeout_seconds=GENEROUS_TIMEOUT, _env_file=None)
    with TestClient(create_app(settings)) as client:
        w: World = seed(settings)
        coord = login(client, "coordinator_gaoping")
        dead = f"http://127.0.0.1:{free_port()}/hook?token=T0KEN"
        for audience_kind, audience, kind, target in (("region", "高平市", "webhook", receiver.url + "/hook"),
                                                      ("region", "米山镇", "email", "mishan@example.org"),
                                                      ("unit", "高平市市场监督管理局", "webhook", dead)):
            r = client.post("/api/alert-channels", headers=coord, json={
                "audience_kind": audience_kind, "audience": audience, "kind": kind, "target": target, "secret": SECRET})
            assert r.status_code == 201, r.text
        done = run_digests(settings, DAY, NOW)
        # 高平市 → its webhook; 米山镇 → 高平市's webhook (region below) and its e-mail; the unit → the dead hook
        assert (done["digests"], done["deliveries"]) == (4, 4)
        bodies = {}
        for req in receiver.requests:
            expected = "sha256=" + hmac.new(SECRET.encode(), req.body, hashlib.sha256).hexdigest()
            assert hmac.compare_digest(req.headers["x-yuqing-signature"], expected)
            assert req.json()["delivery_id"] == req.headers["x-yuqing-delivery"]
            assert req.headers["x-yuqing-delivery"].startswith("digest-")
            bodies[req.json()["audience"]] = req.json()
        assert sorted(bodies) == ["米山镇", "高平市"]
        county = bodies["高平市"]
        assert (county["type"], county["day"], county["counts"]["open_major"], county["counts"]["breaches"]) == (
            "leader_digest", "2026-11-25", 2, 2)
        ((rcpt, mail),) = mailbox.messages
        assert rcpt == ["mishan@example.org"]
        assert mail["Subject"] == "【舆情日报】米山镇 2026-11-25：重大事件1件，超时0项，今日到期1项"
        assert f"1. #{w.mishan} 市政服务（重大） 待认领" in mail.get_content()
        unit = digests(settings)[("unit", "高平市市场监督管理局")]
        (failed,) = client.get(f"/api/digests/{unit.id}/deliveries", headers=coord).json()
        assert (failed["status"], failed["attempts"], failed["channel_kind"]) == ("failed", 1, "webhook")
        assert "ConnectError" in failed["last_error"] and "T0KEN" not in failed["last_error"]
        assert failed["target"] == dead.split("?")[0] + "?…"
        county_row = digests(settings)[("region", "高平市")]
        (sent,) = client.get(f"/api/digests/{county_row.id}/deliveries", headers=coord).json()
        assert (sent["status"], sent["attempts"], sent["last_error"]) == ("sent", 1, None)
        # a rerun sends nothing twice
        assert run_digests(settings, DAY, NOW + timedelta(hours=1))["deliveries"] == 0
        assert len(receiver.requests) == 2 and len(mailbox.messages) == 1


def test_cli_digest_command(client, settings) -> None:
    seed(settings)
    env = {"DATABASE_URL": settings.database_url, "PATH": "/usr/bin:/bin", "REDIS_URL": ""}
    bad = subprocess.run([sys.executable, "-m", "service.cli", "digest", "--day", "2026-13-01"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
    ok = subprocess.run([sys.executable, "-m", "service.cli", "digest", "--day", "2026-11-25"], env=env,
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr[-2000:]
    assert "2026-11-25：新生成摘要 4 份，推送 0 条" in ok.stdout
    with session_scope(settings.database_url) as session:
        assert len(session.exec(select(DigestDelivery)).all()) == 0
        assert sorted(d.day for d in session.exec(select(Digest)).all()) == ["2026-11-25"] * 4
