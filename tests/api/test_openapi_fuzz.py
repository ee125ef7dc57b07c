"""A bounded property-based run of the whole OpenAPI schema (schemathesis): every operation,
valid and invalid inputs, on a database holding a few incidents (so that ids in paths hit
real rows, not only 404s). No answer may be a 5xx, use a status code or content type the
schema does not list, or break the response schema it documents.

Callers: the coordinator's demo token everywhere, the ingest token for POST /api/items.
`POST /api/digests/run` is left out: it would deliver to whatever channels the run has
subscribed (any host), and it takes no input to vary; tests/alerts cover it.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service.core.db import get_engine
from service.core.settings import Settings
from service.main import create_app
from tests.conftest import COORD, INGEST, METRICS_TOKEN, PG_ADMIN

# per operation and database; both runs together take under 3 minutes here (2 shared cores)
EXAMPLES = int(os.environ.get("YUQING_FUZZ_EXAMPLES", "30"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
LEFT_OUT = {("POST", "/api/digests/run")}
SCHEMA = schemathesis.openapi.from_dict(create_app(Settings(_env_file=None, demo=True)).openapi())
OPERATIONS = [op for r in SCHEMA.get_all_operations() if (op := r.ok()) is not None
              and (op.method.upper(), op.path) not in LEFT_OUT]
ITEMS = [
    {"external_id": "f-1", "text": "河西镇、马村镇多家餐馆被曝使用过期食材，多名食客腹泻"},
    {"external_id": "f-2", "text": "米山镇凤凰小区楼下烧烤店油烟扰民，多次反映无人处理", "signals": {"reposts": 10}},
    {"external_id": "f-3", "kind": "verification_request", "text": "请核实高平市税务局违规收费问题"},
]


def seed(client: TestClient) -> dict[str, int]:
    """A few incidents, one claimed, a 督办单 and a digest: rows for the ids the run tries."""
    items = client.post("/api/items", json=ITEMS, headers=INGEST).json()["items"]
    incident = client.get(f"/api/items/{items[0]['id']}", headers=COORD).json()["incident_id"]
    due = "2099-01-01T00:00:00+08:00"
    client.post(f"/api/incidents/{incident}/supervision", headers=COORD, json={"requirement": "请于限期内办理并反馈",
                                                                            "due_at": due})
    client.post("/api/digests/run", headers=COORD)
    return {"incident_id": incident, "item_id": items[0]["id"], "notice_id": 1, "digest_id": 1}


@contextmanager
def database(kind: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'fuzz.db'}"
        return
    name = f"yuqing_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    finally:
        get_engine.cache_clear()
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# PostgreSQL too: it refuses what SQLite lets through (NUL in text, ids past 32 bits)
@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def seeded(request: pytest.FixtureRequest) -> Iterator[dict]:
    with database(request.param) as url:
        app = create_app(Settings(database_url=url, demo=True, demo_force=True, metrics_token=METRICS_TOKEN,
                                  redis_url=None, _env_file=None))
        with TestClient(app) as client:
            ids = seed(client)
        yield {"app": app, **ids}  # schemathesis calls it in-process, running its lifespan itself
        asgi.shutdown_lifespans()


def strategy(op, ids: dict[str, int]):
    known = {p.name: ids[p.name] for p in op.path_parameters if p.name in ids}
    modes = [op.as_strategy(GenerationMode.POSITIVE), op.as_strategy(GenerationMode.NEGATIVE)]
    if known:  # the same operation on a row that exists
        modes.append(op.as_strategy(GenerationMode.POSITIVE, path_parameters=known))
    return st.one_of(modes)


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: f"{op.method.upper()} {op.path}")
def test_operation_never_fails_nor_breaks_its_schema(op, seeded) -> None:
    headers = INGEST if (op.method.upper(), op.path) == ("POST", "/api/items") else COORD

    @given(case=strategy(op, seeded))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def run(case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS, app=seeded["app"])

    run()
