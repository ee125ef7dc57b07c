"""Typed audit actions: every action has a detail schema, `record` refuses a detail that is not
its action's (nothing is added), the chain hook is on the app's sessions only, and the
dashboard's timeline names every action an incident's chain can hold."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import select

from service.audit.actions import DETAIL, AuditAction, Claimed, DetailError, Merged, check_detail, key_of, schema_of
from service.audit.log import AuditBatch, record
from service.audit.models import AuditEntry
from service.core.db import migrate, session_scope
from service.core.settings import Settings

INCIDENT_JS = Path(__file__).parents[2] / "dashboard" / "static" / "incident.js"


def test_every_action_has_a_schema() -> None:
    assert set(DETAIL) == set(AuditAction)
    for action in AuditAction:
        assert schema_of(action).__required_keys__, action  # every detail says something


def test_warn_steps_of_any_fraction_are_members() -> None:
    assert AuditAction.escalation("warn_80") is AuditAction.ESCALATION_WARN_80
    warn_30 = AuditAction.escalation("warn_30")  # a policy warning at 30 %
    assert warn_30 == "escalation.warn_30" and warn_30 is AuditAction("escalation.warn_30")
    assert warn_30 not in list(AuditAction)  # not a member of the listing
    check_detail(warn_30, {"clock": "response", "label": "回应", "recipients": [], "due_at": "2026-01-01T00:00:00"})
    with pytest.raises(ValueError):
        AuditAction("escalation.nudge")
    with pytest.raises(ValueError):
        AuditAction("incident.noted")


def test_a_wrong_detail_key_is_refused_and_nothing_is_written(settings: Settings) -> None:
    migrate(settings.database_url)
    with session_scope(settings.database_url) as s:
        before = len(s.exec(select(AuditEntry)).all())  # the template's own (demo accounts)
        with pytest.raises(DetailError, match=r"missing \['unit'\], unknown \['unti'\]"):
            record(s, AuditAction.INCIDENT_CLAIMED, {"unti": "高平市公安局"})
        with pytest.raises(DetailError, match="unknown"):
            record(s, AuditAction.INCIDENT_CLAIMED, Claimed(unit="高平市公安局") | {"extra": 1})  # type: ignore[operator]
        with pytest.raises(DetailError, match=r"missing \['received_at'\]"):
            record(s, AuditAction.INCIDENT_MERGED, {"absorbed": 2, "item_ids": [3]})
        with pytest.raises(DetailError, match="not an AuditAction"):
            record(s, "incident.claimed", Claimed(unit="x"))  # type: ignore[arg-type]
        batch = AuditBatch()
        with pytest.raises(DetailError):
            batch.add(AuditAction.ITEM_FAILED, {"eror": "x"}, item_id=1)
        assert batch.rows == [] and not s.new
        s.commit()
        assert len(s.exec(select(AuditEntry)).all()) == before


def test_optional_keys_may_be_left_out() -> None:
    check_detail(AuditAction.CHAIN_STARTED, {"chain": 3})
    check_detail(AuditAction.CHAIN_STARTED, {"chain": 3, "backfilled": True})


def test_key_of_names_only_keys_the_schemas_have() -> None:
    assert key_of("item_ids", Merged) == "item_ids"
    with pytest.raises(KeyError):
        key_of("unit", Claimed, Merged)


def test_importing_the_audit_modules_hooks_no_session() -> None:
    # the hook is installed by the writer (record), on the writing session's class only
    code = ("import service.audit.log, service.audit.checkpoint\n"
            "from sqlalchemy import event\nfrom sqlalchemy.orm import Session\n"
            "from service.audit.actions import AuditAction\n"
            "from service.audit.chain import _chain_new_entries as hook\n"
            "from service.audit.log import record\n"
            "from service.core.db import AppSession, get_engine\n"
            "get_engine('sqlite://')\n"
            "assert not event.contains(Session, 'before_flush', hook)\n"
            "assert not event.contains(AppSession, 'before_flush', hook)\n"
            "record(AppSession(), AuditAction.USER_ENABLED, {'username': 'x'})\n"
            "assert event.contains(AppSession, 'before_flush', hook)\n"
            "assert not event.contains(Session, 'before_flush', hook)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_the_timeline_names_every_action_of_an_incident() -> None:
    labelled = set(re.findall(r'"([a-z_]+\.[a-z_0-9]+)":', INCIDENT_JS.read_text(encoding="utf-8")))
    on_incidents = {a.value for a in AuditAction if a.value.split(".")[0] in ("incident", "escalation")}
    assert on_incidents | {AuditAction.ALERT_ACKNOWLEDGED.value} <= labelled
