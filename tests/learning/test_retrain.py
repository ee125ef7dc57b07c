"""Coordinators' corrections become training data; retrain promotes only a model not worse;
the same retrain runs as an RQ job on a real worker."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from redis import Redis
from sqlmodel import col, select

from classifier import registry
from classifier.datasets import load_labelled
from routing.taxonomy import load_taxonomy
from service.audit.models import AuditEntry
from service.core.db import session_scope
from service.core.settings import Settings
from service.learning.corrections import export_csv, load_corrections, training_pairs
from service.learning.retrain import TRAINING_SNAPSHOT, retrain, write_snapshot
from service.main import create_app
from tests.conftest import COORD, INGEST, REDIS_URL

FOOD = "河西镇、马村镇多家餐馆被曝使用过期食材"


@pytest.fixture
def model_settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(update={"model_dir": str(tmp_path / "models")})


@pytest.fixture
def api(model_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(model_settings)) as c:
        yield c


def post(client: TestClient, ext: str, text: str, at: str = "2026-06-01T10:00:00+08:00") -> int:
    r = client.post("/api/items", json={"external_id": ext, "text": text, "received_at": at}, headers=INGEST)
    assert r.status_code == 202, r.text
    return client.get(f"/api/items/{r.json()['items'][0]['id']}", headers=COORD).json()["incident_id"]


def change_topic(client: TestClient, incident: int, topic: str) -> None:
    r = client.post(f"/api/incidents/{incident}/topic", json={"topic": topic, "reason": "人工研判更正"}, headers=COORD)
    assert r.status_code == 200, r.text


def test_topic_change_through_the_api_becomes_a_training_pair(api: TestClient, model_settings: Settings,
                                                              tmp_path: Path) -> None:
    incident = post(api, "1", FOOD)
    before = api.get(f"/api/incidents/{incident}", headers=COORD).json()["incident"]["topic"]
    change_topic(api, incident, "义务教育")
    r = api.post(f"/api/incidents/{incident}/severity", json={"severity": "重大", "reason": "涉及学生"}, headers=COORD)
    assert r.status_code == 200, r.text
    with session_scope(model_settings.database_url) as s:
        found = load_corrections(s)
    topic = [c for c in found if c.field == "topic"]
    assert [(c.text, c.label, c.before, c.incident_id) for c in topic] == [(FOOD, "义务教育", before, incident)]
    assert [(c.label, c.before) for c in found if c.field == "severity"] == [("重大", "一般")]
    assert topic[0].actor != "system"
    # the export reads back as training data with the CLI's own reader
    n = export_csv(found, tmp_path / "corr.csv", field="topic")
    data = load_labelled(tmp_path / "corr.csv", text_col="text", label_col="label")
    assert n == 1 and data.texts == (FOOD,) and data.labels == ("义务教育",)


def test_last_change_wins_and_system_upgrades_are_not_corrections(api: TestClient, model_settings: Settings) -> None:
    incident = post(api, "1", FOOD)
    change_topic(api, incident, "义务教育")
    change_topic(api, incident, "医疗卫生")
    # a graver item merging into the incident upgrades it automatically: not a correction
    r = api.post("/api/items", json={"external_id": "2", "text": FOOD + "，多人食物中毒住院", "severity": "重大",
                                     "received_at": "2026-06-01T12:00:00+08:00"}, headers=INGEST)
    assert r.status_code == 202
    with session_scope(model_settings.database_url) as s:
        actions = [(e.action, e.actor) for e in s.exec(select(AuditEntry).order_by(col(AuditEntry.id)))]
        found = load_corrections(s)
    assert ("incident.severity_changed", "system") in actions
    assert {c.field for c in found} == {"topic"}
    texts, labels = training_pairs(found)
    assert set(labels) == {"医疗卫生"} and FOOD in texts


# --- retraining with real models -------------------------------------------------------------
TOPICS = ("食品药品监管", "义务教育", "市政服务", "环境保护", "社会保险", "安全生产")


def subset(per_topic: int = 16) -> tuple[list[str], list[str]]:
    from classifier.build_default import TRAINING_CSV

    data = load_labelled(TRAINING_CSV, text_col="text", label_col="label")
    taken: dict[str, int] = {}
    texts, labels = [], []
    for t, lab in zip(data.texts, data.labels, strict=True):
        if lab in TOPICS and taken.get(lab, 0) < per_topic:
            taken[lab] = taken.get(lab, 0) + 1
            texts.append(t)
            labels.append(lab)
    return texts, labels


def install_current(settings: Settings, texts: list[str], labels: list[str]) -> registry.ModelRef:
    """A deployment model trained on `labels`, with its training snapshot, made active."""
    from classifier.build_default import fit_model

    ref = registry.save(fit_model(texts, labels, taxonomy=load_taxonomy(), org=None), settings.model_dir)
    write_snapshot(ref.directory / TRAINING_SNAPSHOT.format(version=ref.version), texts, labels)
    registry.activate(ref)
    return ref


def correct(client: TestClient, texts: list[str], topic_of) -> list[str]:
    """Post `texts` as items, then set each incident's topic to topic_of(its first text). The demo
    coordinator supervises 高平市 only: incidents routed above it are left alone. Returns the
    texts whose incidents were corrected."""
    r = client.post("/api/items", json=[{"external_id": f"c{i}", "text": t, "received_at": "2026-06-01T10:00:00+08:00"}
                                        for i, t in enumerate(texts)], headers=INGEST)
    assert r.status_code == 202, r.text
    incidents: dict[int, list[str]] = {}
    for it in r.json()["items"]:
        got = client.get(f"/api/items/{it['id']}", headers=COORD)
        if got.status_code == 404:  # its incident is outside the coordinator's region
            continue
        incidents.setdefault(got.json()["incident_id"], []).append(got.json()["text"])
    corrected = []
    for incident, members in incidents.items():
        got = client.get(f"/api/incidents/{incident}", headers=COORD)
        if got.status_code == 404:  # outside the coordinator's region
            continue
        if got.json()["incident"]["topic"] != topic_of(members[0]):
            change_topic(client, incident, topic_of(members[0]))
        corrected += members
    return corrected


def audit_actions(settings: Settings) -> list[str]:
    with session_scope(settings.database_url) as s:
        return [e.action for e in s.exec(select(AuditEntry).where(col(AuditEntry.action).startswith("classifier.")))]


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_retrain_promotes_when_corrections_fix_a_systematic_error(api: TestClient, model_settings: Settings) -> None:
    texts, labels = subset()
    truth = dict(zip(texts, labels, strict=True))
    # the current model learnt every 市政服务 text as 环境保护; coordinators correct those items
    wrong = ["环境保护" if lab == "市政服务" else lab for lab in labels]
    old = install_current(model_settings, texts, wrong)
    water = [t for t, lab in truth.items() if lab == "市政服务"]
    corrected = correct(api, water, lambda t: truth[t])
    assert len(corrected) >= len(water) // 2
    result = retrain(model_settings)
    assert result.promoted, result.reason
    assert result.candidate_f1 > result.current_f1 and result.changed > 0
    assert result.active_version != old.version
    assert set(registry.versions(model_settings.model_dir)) == {old.version, result.active_version}
    assert registry.active_ref(model_settings.model_dir).version == result.active_version
    snapshot = load_labelled(Path(model_settings.model_dir) / TRAINING_SNAPSHOT.format(version=result.active_version),
                             text_col="text", label_col="label")
    assert all(dict(zip(snapshot.texts, snapshot.labels, strict=True))[t] == "市政服务" for t in corrected)
    assert audit_actions(model_settings) == ["classifier.model_promoted"]
    # the service picks the promoted model up without a restart
    incident = post(api, "new", "南城办事处多个小区突然停水，自来水公司电话打不通")
    assert api.get(f"/api/incidents/{incident}", headers=COORD).json()["incident"]["topic"] == "市政服务"


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_retrain_keeps_the_current_model_when_corrections_make_it_worse(api: TestClient,
                                                                        model_settings: Settings) -> None:
    import random

    texts, labels = subset()
    old = install_current(model_settings, texts, labels)
    rng = random.Random(3)
    noisy = {t: rng.choice(TOPICS) for t in texts[::2]}  # careless re-labelling of half the history
    correct(api, list(noisy), lambda t: noisy[t])
    result = retrain(model_settings)
    assert not result.promoted, result
    assert result.candidate_f1 < result.current_f1 and "current kept" in result.reason
    assert registry.active_ref(model_settings.model_dir).version == old.version
    assert registry.versions(model_settings.model_dir) == [old.version]  # nothing written
    assert audit_actions(model_settings) == ["classifier.retrain_kept"]


@pytest.mark.redis
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_retrain_runs_as_an_rq_job_on_a_real_worker(api: TestClient, model_settings: Settings,
                                                   request: pytest.FixtureRequest) -> None:
    from rq.job import Job

    from service.core.redis import redis_connection
    from service.learning.retrain import enqueue_retrain

    Redis.from_url(REDIS_URL).flushdb()
    request.addfinalizer(lambda: Redis.from_url(REDIS_URL).flushdb())
    texts, labels = subset(per_topic=10)
    truth = dict(zip(texts, labels, strict=True))
    install_current(model_settings, texts, ["环境保护" if lab == "市政服务" else lab for lab in labels])
    correct(api, [t for t, lab in truth.items() if lab == "市政服务"], lambda t: truth[t])
    queued = model_settings.model_copy(update={"redis_url": REDIS_URL})
    job = enqueue_retrain(queued)
    env = {**os.environ, "DATABASE_URL": queued.database_url, "REDIS_URL": REDIS_URL, "MODEL_DIR": queued.model_dir}
    done = subprocess.run([sys.executable, "-m", "service.cli", "worker", "--burst"], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    finished = Job.fetch(job.id, connection=redis_connection(REDIS_URL))
    assert finished.is_finished, finished.get_status()
    result = finished.return_value()
    assert result["n_corrections"] > 0 and result["changed"] > 0
    assert audit_actions(model_settings) == ["classifier.model_promoted" if result["promoted"] else "classifier.retrain_kept"]
    assert registry.active_ref(model_settings.model_dir).version == result["active_version"]


def test_apply_corrections_relabels_adds_and_ignores_non_topics() -> None:
    from service.learning.retrain import apply_corrections

    texts, labels, in_current, changed = apply_corrections(
        ["停水三天", "学校收费"], ["环境保护", "义务教育"],
        [("停水三天", "市政服务"), ("学校收费", "义务教育"), ("餐馆过期食材", "食品药品监管"), ("天气不错", "待研判")],
        load_taxonomy().topic_names)
    assert texts == ["停水三天", "学校收费", "餐馆过期食材"]
    assert labels == ["市政服务", "义务教育", "食品药品监管"]
    assert in_current == [True, True, False] and changed == 2


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_retrain_without_new_corrections_trains_nothing(model_settings: Settings) -> None:
    from service.core.db import migrate

    migrate(model_settings.database_url)
    texts, labels = subset(per_topic=6)
    ref = install_current(model_settings, texts, labels)
    result = retrain(model_settings)
    assert (result.promoted, result.candidate_version, result.changed) == (False, None, 0)
    assert "no new corrections" in result.reason
    assert registry.versions(model_settings.model_dir) == [ref.version]
    assert audit_actions(model_settings) == ["classifier.retrain_kept"]
