"""The error responses of every route, in the OpenAPI schema, from one pass over the app's
routes (create_app calls `document` last): what a route may answer follows from what it
is — signed-in only, an id in its path, a write, a body — so no route is documented by hand
and a new one is documented like the others. A route's own `responses=` entry wins."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from service.accounts.deps import current_viewer


class Problem(BaseModel):
    field: str = Field(description="出错的位置，如 body.0.received_at / where, e.g. body.0.received_at")
    problem: str


class ErrorText(BaseModel):
    model_config = ConfigDict(extra="allow")  # a refusal may add what it is about (field, limit, …)

    zh: str = Field(description="中文说明")
    en: str = Field(description="English explanation")
    details: list[Problem] | None = Field(None, description="每个无效字段 / each invalid field (422)")


class ErrorBody(BaseModel):
    """Every 4xx: {"error": {"zh": …, "en": …}} (service.api.errors)."""

    error: ErrorText


MEANING = {
    401: "未登录、登录已过期或令牌无效 / not signed in, session expired or invalid token",
    403: "无权执行此操作（或缺少 CSRF 令牌） / not allowed (or missing CSRF token)",
    404: "不存在或当前用户不可见 / no such thing, or not visible to the viewer",
    409: "当前状态下不能执行 / not possible in the current state",
    413: "请求体过大 / request body too large",
    422: "请求内容无效，未保存任何数据 / invalid input, nothing was stored",
    429: "尝试过于频繁 / too many attempts",
}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# refusals a route's shape does not show: signing in is open to all, but refuses wrong passwords
EXTRA = {("POST", "/api/auth/login"): (401, 429)}


def _calls(dependant: Dependant) -> Iterator[object]:
    for d in dependant.dependencies:
        yield d.call
        yield from _calls(d)


def signed_in_only(route: APIRoute) -> bool:
    """Asks for the viewer (session or token) or a token role somewhere in its dependencies."""
    return any(call is current_viewer or getattr(call, "__qualname__", "").startswith("require.")
               for call in _calls(route.dependant))


def statuses(route: APIRoute) -> set[int]:
    methods = route.methods or set()
    found = {c for m in methods for c in EXTRA.get((m, route.path), ())}
    if signed_in_only(route):
        found |= {401, 403}
        if methods & UNSAFE:
            found.add(409)
    if route.dependant.path_params:
        found.add(404)
    if methods & UNSAFE:
        found.add(413)
    if route.body_field is not None or route.dependant.query_params or route.dependant.path_params:
        found.add(422)
    return found


def document(app: FastAPI) -> None:
    ref = {"$ref": "#/components/schemas/ErrorBody"}
    for route in app.routes:
        if isinstance(route, APIRoute) and route.include_in_schema:
            for code in sorted(statuses(route)):
                if code not in route.responses and str(code) not in route.responses:
                    route.responses[code] = {"description": MEANING[code], "content": {"application/json": {"schema": ref}}}
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = build()
            models = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.update(models.pop("$defs", {}))
            components["ErrorBody"] = models
        return app.openapi_schema

    app.openapi = openapi
