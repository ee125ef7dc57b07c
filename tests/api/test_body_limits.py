"""Issue 12 row 7: request bodies are limited in the app (64 KB for sign-in and workflow, a few
MB for item batches), refused with 413 in both languages before a route reads them — also
when streamed without a Content-Length — and every request model refuses unknown fields."""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlmodel import func
from sqlmodel import select as sql_select

from service.audit.models import AuditEntry
from service.auth.passwords import DEMO_PASSWORD
from service.core.db import session_scope
from service.core.settings import Settings
from service.incidents.models import Item
from service.main import create_app
from tests.conftest import COORD, INGEST

MB = 1024 * 1024


def padded_login(password: str, pad: int) -> bytes:
    """A well-formed sign-in that a parser would accept: the padding is JSON whitespace."""
    return b'{"username": "admin", "password": "' + password.encode() + b'"' + b" " * pad + b"}"


def count(settings: Settings, model) -> int:
    with session_scope(settings.database_url) as s:
        return s.exec(sql_select(func.count()).select_from(model)).one()


def assert_413(r) -> None:
    assert r.status_code == 413, r.text
    err = r.json()["error"]
    assert "请求体过大" in err["zh"] and "too large" in err["en"] and err["limit"] > 0


def test_an_oversized_sign_in_is_refused_and_not_counted_as_a_failure(client, settings) -> None:
    audit = count(settings, AuditEntry)
    for _ in range(settings.login_max_failures + 1):  # as many as would lock the account if they were read
        assert_413(client.post("/api/auth/login", content=padded_login("wrong", MB),
                               headers={"Content-Type": "application/json"}))
    r = client.post("/api/auth/login", json={"username": "admin", "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    assert count(settings, AuditEntry) == audit  # no lock recorded


def test_a_body_just_under_the_limit_is_read(client) -> None:
    r = client.post("/api/auth/login", content=padded_login("wrong", 60 * 1024),
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 401  # read, parsed and checked: the limit is not lower than it says


def test_workflow_bodies_have_the_small_limit(client, settings) -> None:
    audit = count(settings, AuditEntry)
    big = {"channel": "政府网站", "text": "回" * 10_000, "pad": " " * (70 * 1024)}
    assert_413(client.post("/api/incidents/1/respond", json=big, headers=COORD))
    assert count(settings, AuditEntry) == audit


def test_item_batches_have_their_own_larger_limit(settings) -> None:
    with TestClient(create_app(settings.model_copy(update={"items_body_limit_bytes": 256 * 1024}))) as client:
        batch = [{"external_id": str(i), "text": "米山镇凤凰小区烧烤店油烟扰民" + "。" * 900} for i in range(40)]
        assert 64 * 1024 < len(json.dumps(batch, ensure_ascii=False).encode()) < 256 * 1024
        assert client.post("/api/items", json=batch, headers=INGEST).status_code == 202
        more = [{"external_id": f"m{i}", "text": "米山镇凤凰小区烧烤店油烟扰民" + "。" * 900} for i in range(100)]
        assert_413(client.post("/api/items", json=more, headers=INGEST))
    assert count(settings, Item) == 40


def test_unknown_fields_are_refused_and_nothing_is_counted(client, settings) -> None:
    for _ in range(settings.login_max_failures + 1):
        r = client.post("/api/auth/login", json={"username": "admin", "password": "wrong", "remember": True})
        assert r.status_code == 422 and "remember" in r.json()["error"]["en"]
    assert client.post("/api/auth/login", json={"username": "admin", "password": DEMO_PASSWORD}).status_code == 200
    r = client.post("/api/incidents/1/severity", json={"severity": "重大", "reason": "核实", "by": "x"}, headers=COORD)
    assert r.status_code == 422 and "by" in r.json()["error"]["en"]


def _resolve(schema: dict, node: dict) -> list[dict]:
    if "$ref" in node:
        return _resolve(schema, schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]])
    if "anyOf" in node:
        return [m for part in node["anyOf"] for m in _resolve(schema, part)]
    if node.get("type") == "array":
        return _resolve(schema, node["items"])
    return [node] if node.get("type") == "object" else []


def test_every_request_model_is_strict(client) -> None:
    schema = client.get("/openapi.json").json()
    bodies = [(m, p, (content.get("application/json") or content["multipart/form-data"])["schema"])
              for p, ops in schema["paths"].items() for m, op in ops.items() if "requestBody" in op
              for content in [op["requestBody"]["content"]]]  # JSON bodies and the upload forms
    assert len(bodies) >= 15
    lax = [(m, p, model.get("title")) for m, p, node in bodies for model in _resolve(schema, node)
           if model.get("additionalProperties") is not False]
    assert lax == []


# ---- streamed without a Content-Length, against the real server --------------------------

@pytest.fixture
def served(settings: Settings) -> Iterator[int]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield sock.getsockname()[1]
    server.should_exit = True
    thread.join(10)


def stream_sign_in(port: int, total: int) -> tuple[bytes, int]:
    """POST a chunked sign-in of `total` bytes, stopping as soon as the server answers; the
    answer and how much had been sent by then."""
    conn = socket.create_connection(("127.0.0.1", port), timeout=10)
    conn.sendall(b"POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 b"Transfer-Encoding: chunked\r\n\r\n")
    chunk = b" " * (64 * 1024)
    framed, sent = b"%x\r\n" % len(chunk) + chunk + b"\r\n", 0
    head = b'{"username": "admin", "password": "wrong"'
    conn.sendall(b"%x\r\n" % len(head) + head + b"\r\n")
    try:
        while sent < total and not select.select([conn], [], [], 0)[0]:
            conn.sendall(framed)
            sent += len(chunk)
    except (BrokenPipeError, ConnectionResetError, TimeoutError):
        pass  # the server stopped reading: what it answered is below
    answer = b""
    try:
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            part = conn.recv(65536)
            if not part:
                break
            answer += part
    finally:
        conn.close()
    return answer, sent


def test_a_streamed_100_mb_sign_in_is_cut_off_early(served: int) -> None:
    for _ in range(6):  # more than LOGIN_MAX_FAILURES: none is counted
        answer, sent = stream_sign_in(served, 100 * MB)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert "请求体过大".encode() in answer
        assert sent < 16 * MB  # answered long before the 100 MB were sent
    r = httpx.post(f"http://127.0.0.1:{served}/api/auth/login", json={"username": "admin", "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
