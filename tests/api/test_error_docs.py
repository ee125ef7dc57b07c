"""Issue 12 row 13: every route documents its error responses, with the one error body the
app sends ({"error": {"zh", "en", …}}), including what Starlette itself answers."""

from __future__ import annotations

from service.core.error_docs import ErrorBody
from tests.conftest import COORD, VIEWER

UNSAFE = {"post", "put", "patch", "delete"}


def operations(client) -> list[tuple[str, str, dict]]:
    paths = client.get("/openapi.json").json()["paths"]
    return [(m, p, op) for p, ops in paths.items() for m, op in ops.items()]


def expected(method: str, path: str, op: dict) -> set[str]:
    codes = set()
    if path.startswith("/api/") and (method, path) != ("post", "/api/auth/login"):
        codes |= {"401", "403"} | ({"409"} if method in UNSAFE else set())
    if "{" in path:
        codes.add("404")
    if method in UNSAFE:
        codes.add("413")
    if op.get("parameters") or op.get("requestBody"):
        codes.add("422")
    return codes


def test_every_operation_documents_its_refusals_with_the_error_body(client) -> None:
    ops = operations(client)
    assert len(ops) > 40
    missing, wrong_body = [], []
    for method, path, op in ops:
        if lacking := expected(method, path, op) - set(op["responses"]):
            missing.append((method, path, sorted(lacking)))
        for code, response in op["responses"].items():
            if code.startswith("4") and response["content"]["application/json"]["schema"] != {
                    "$ref": "#/components/schemas/ErrorBody"}:
                wrong_body.append((method, path, code))
    assert missing == [] and wrong_body == []
    login = next(op for m, p, op in ops if (m, p) == ("post", "/api/auth/login"))
    assert {"401", "413", "422", "429"} <= set(login["responses"])


def test_signed_in_routes_declare_their_security(client) -> None:
    schema = client.get("/openapi.json").json()
    assert set(schema["components"]["securitySchemes"]) == {"bearer", "session"}
    ops = operations(client)
    assert all(op.get("security") for m, p, op in ops if "401" in op["responses"] and p != "/api/auth/login")
    assert "HTTPValidationError" not in schema["components"]["schemas"]  # FastAPI's shape is not what we send


def test_refusals_have_the_documented_body(client) -> None:
    answers = [
        client.get("/api/incidents"),  # 401
        client.post("/api/incidents/1/claim", headers=VIEWER),  # 403
        client.get("/api/incidents/99", headers=COORD),  # 404 of a route
        client.get("/api/no-such-route", headers=COORD),  # 404 of Starlette
        client.put("/api/incidents", headers=COORD),  # 405 of Starlette
        client.get("/api/incidents", params={"limit": 0}, headers=COORD),  # 422
        client.post("/api/incidents/1/severity", content=b"\xff\xfe", headers={**COORD,
                                                                              "Content-Type": "application/json"}),
    ]
    statuses = [r.status_code for r in answers]
    assert statuses[:6] == [401, 403, 404, 404, 405, 422] and statuses[6] in (400, 422)
    for r in answers:
        err = ErrorBody.model_validate(r.json()).error
        assert err.zh and err.en
    assert answers[3].json()["error"]["zh"] == "没有这个地址"
