"""Domain errors and their one mapping to HTTP: every 4xx says what is wrong in Chinese and
English, in one shape ({"error": {"zh", "en", …}}) whoever raised it, and the OpenAPI schema
says so per route.

Services raise a `DomainError` subclass and know nothing of HTTP; `STATUS` below is the only
place that turns one into a status code (the CLI prints the same messages)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException


class DomainError(Exception):
    """A refusal, in Chinese and English; `extra` travels into the error body (e.g. details)."""

    def __init__(self, zh: str, en: str, **extra: object) -> None:
        super().__init__(en)
        self.zh, self.en, self.extra = zh, en, extra

    @property
    def status(self) -> int:
        return STATUS[type(self)]


class Unauthenticated(DomainError):
    """Nobody is signed in, or the token is unknown."""


class Forbidden(DomainError):
    """The caller sees the thing but may not do this."""


class NotFound(DomainError):
    """No such thing, or the caller may not see it (its existence is not leaked)."""


class Conflict(DomainError):
    """Not in this state (already claimed, closed, …)."""


class Invalid(DomainError):
    """The input breaks a rule; nothing was written."""


class Throttled(DomainError):
    """Too many attempts: wait `retry_after` seconds (sent as Retry-After)."""

    def __init__(self, zh: str, en: str, *, retry_after: int, **extra: object) -> None:
        super().__init__(zh, en, retry_after=retry_after, **extra)


STATUS: dict[type[DomainError], int] = {Unauthenticated: 401, Forbidden: 403, NotFound: 404, Conflict: 409,
                                        Invalid: 422, Throttled: 429}
OF_STATUS = {status: kind for kind, status in STATUS.items()}


def refused(status: int, zh: str, en: str) -> DomainError:
    """The domain error of a pure rule's refusal, which names its status (404/403/409/422)."""
    return OF_STATUS[status](zh, en)


def body(zh: str, en: str, **extra: object) -> dict[str, Any]:
    return {"error": {"zh": zh, "en": en, **extra}}


# what Starlette itself answers (unknown path, wrong method, unreadable body), in Chinese too
STATUS_ZH = {400: "请求无法解析", 404: "没有这个地址", 405: "不支持该请求方法", 413: "请求体过大", 415: "不支持的内容类型"}


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain_error(_req: Request, exc: DomainError) -> JSONResponse:
        headers = {"Retry-After": str(exc.extra["retry_after"])} if "retry_after" in exc.extra else None
        return JSONResponse(body(exc.zh, exc.en, **exc.extra), status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_req: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(invalid_body(exc.errors()), status_code=422)

    @app.exception_handler(HTTPException)
    async def _http(_req: Request, exc: HTTPException) -> JSONResponse:
        en = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        zh = STATUS_ZH.get(exc.status_code, "请求被拒绝")
        return JSONResponse(body(zh, en), status_code=exc.status_code, headers=exc.headers)


def invalid_body(errors: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The 422 body of a validation failure; its message names the first problem (the item's
    index in a batch, and the field)."""
    errors = _matching_branch(errors)
    details = [{"field": ".".join(str(p) for p in _untagged(e["loc"])), "problem": e["msg"]} for e in errors]
    if not details:
        return body("请求内容无效，未保存任何数据", "invalid request, nothing was stored", details=details)
    loc, problem = _untagged(errors[0]["loc"]), details[0]["problem"]
    where = [str(p) for p in (loc[1:] if loc and loc[0] == "body" else loc)]
    if errors[0]["type"] == "json_invalid":  # its location is a character offset, not a field
        where = []
    if len(where) > 1 and where[0].isdigit() and loc[0] == "body":
        zh_at, en_at = f"第{where[0]}条 {'.'.join(where[1:])}", f"item {where[0]}: {'.'.join(where[1:])}"
    else:
        zh_at = en_at = ".".join(where) or "body"
    return body(f"请求内容无效（{zh_at}：{problem}），未保存任何数据",
                f"invalid request ({en_at}: {problem}), nothing was stored", details=details)


def _is_tag(part: object) -> bool:
    """A union member's tag in a location ("ItemIn", "list[ItemIn]"), not a field name."""
    return isinstance(part, str) and ("[" in part or part[:1].isupper())


def _untagged(loc: tuple[object, ...]) -> tuple[object, ...]:
    return tuple(p for i, p in enumerate(loc) if not (i == 1 and _is_tag(p)))


TYPE_MISMATCH = {"list_type", "model_type", "dict_type", "model_attributes_type"}


def _matching_branch(errors: Sequence[Mapping[str, Any]]) -> Sequence[Mapping[str, Any]]:
    """Of a union body (one item or a list of items), keep the errors of the member the input
    has the shape of: "should be a valid list" says nothing about a single item's fields."""
    tags = {e["loc"][1] for e in errors if len(e["loc"]) > 1 and _is_tag(e["loc"][1])}
    if len(tags) < 2:
        return errors
    wrong_shape = {e["loc"][1] for e in errors if len(e["loc"]) == 2 and e["type"] in TYPE_MISMATCH}
    kept = [e for e in errors if not (len(e["loc"]) > 1 and e["loc"][1] in wrong_shape)]
    return kept or errors
