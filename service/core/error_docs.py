"""The error responses of every route, in the OpenAPI schema, from one pass over the schema
FastAPI builds (create_app calls `document`): what a route may answer follows from what it
is — signed-in only, an id in its path, a write, a body — so no route is documented by hand
and a new one is documented like the others. A route's own `responses=` entry wins."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field


class Problem(BaseModel):
    field: str = Field(description="出错的位置，如 body.0.received_at / where, e.g. body.0.received_at")
    problem: str


class ErrorText(BaseModel):
    model_config = ConfigDict(extra="allow")  # a refusal may add what it is about (field, limit, …)

    zh: str = Field(description="中文说明")
    en: str = Field(description="English explanation")
    details: list[Problem] | None = Field(None, description="每个无效字段 / each invalid field (422)")


class ErrorBody(BaseModel):
    """Every 4xx: {"error": {"zh": …, "en": …}} (service.core.errors)."""

    error: ErrorText


MEANING = {
    400: "请求体无法解析（不是 UTF-8 编码的 JSON） / the body cannot be read (not UTF-8 JSON)",
    401: "未登录、登录已过期或令牌无效 / not signed in, session expired or invalid token",
    403: "无权执行此操作（或缺少 CSRF 令牌） / not allowed (or missing CSRF token)",
    404: "不存在或当前用户不可见 / no such thing, or not visible to the viewer",
    409: "当前状态下不能执行 / not possible in the current state",
    413: "请求体过大 / request body too large",
    422: "请求内容无效，未保存任何数据 / invalid input, nothing was stored",
    429: "尝试过于频繁 / too many attempts",
}
UNSAFE = {"post", "put", "patch", "delete"}
OPEN = {("post", "/api/auth/login")}  # the only /api route without a key (tests/api/test_every_route.py)
# refusals a route's shape does not show: signing in is open to all, but refuses wrong passwords
EXTRA = {("post", "/api/auth/login"): (401, 429),
         ("get", "/metrics"): (401, 404)}  # off without METRICS_TOKEN (404), else needs it (401)
SECURITY = {"bearer": {"type": "http", "scheme": "bearer", "description": "API_TOKENS 中的令牌（/metrics 用 METRICS_TOKEN） / a token of API_TOKENS (METRICS_TOKEN for /metrics)"},
            "session": {"type": "apiKey", "in": "cookie", "name": "yuqing_session",
                        "description": "登录会话；写请求另需 X-CSRF-Token / sign-in session; writes also send X-CSRF-Token"}}


def signed_in_only(method: str, path: str) -> bool:
    return path.startswith("/api/") and (method, path) not in OPEN


def statuses(method: str, path: str, operation: dict[str, Any]) -> set[int]:
    """What a route may refuse with, from what it is: signed-in only, an id in its path, a
    write, a body or parameters to validate."""
    found = set(EXTRA.get((method, path), ()))
    if signed_in_only(method, path):
        found |= {401, 403} | ({409} if method in UNSAFE else set())
    if "{" in path:
        found.add(404)
    if method in UNSAFE:
        found.add(413)
    if operation.get("parameters") or operation.get("requestBody"):
        found.add(422)
    if operation.get("requestBody"):
        found.add(400)
    return found


def add_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Every operation of an OpenAPI schema gets its error responses (ErrorBody) and, when
    signed-in only, its security requirement; FastAPI's own 422 shape is replaced by ours."""
    ref = {"$ref": "#/components/schemas/ErrorBody"}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            if "HTTPValidationError" in str(responses.get("422", "")):
                del responses["422"]
            for code in sorted(statuses(method, path, operation)):
                responses.setdefault(str(code), {"description": MEANING[code]})
            for code, response in responses.items():  # a route's own refusals carry the one body too
                if code.startswith("4"):
                    response.setdefault("content", {"application/json": {"schema": ref}})
            if signed_in_only(method, path):
                operation.setdefault("security", [{"bearer": []}, {"session": []}])
            elif (method, path) == ("get", "/metrics"):
                operation.setdefault("security", [{"bearer": []}])
    components = schema.setdefault("components", {})
    models = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    components.setdefault("schemas", {}).update({**models.pop("$defs", {}), "ErrorBody": models})
    for unused in ("HTTPValidationError", "ValidationError"):
        components["schemas"].pop(unused, None)
    components.setdefault("securitySchemes", {}).update(SECURITY)
    return schema


def document(app: FastAPI) -> None:
    """Have `app.openapi()` (the /openapi.json and /docs source) carry the error responses."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()  # FastAPI caches it until the routes change
        if "ErrorBody" not in schema.get("components", {}).get("schemas", {}):
            add_errors(schema)
        return schema

    # FastAPI's documented way to extend the schema ("Extending OpenAPI") is to replace this
    # method on the instance; its typing does not allow the assignment
    app.openapi = openapi  # type: ignore[method-assign]
