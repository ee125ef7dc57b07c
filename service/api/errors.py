"""Bilingual error bodies: every 4xx says what is wrong in Chinese and English."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


class ApiError(Exception):
    def __init__(self, status: int, zh: str, en: str, **extra: object) -> None:
        super().__init__(en)
        self.status, self.zh, self.en, self.extra = status, zh, en, extra


def body(zh: str, en: str, **extra: object) -> dict:
    return {"error": {"zh": zh, "en": en, **extra}}


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_req: Request, exc: ApiError) -> JSONResponse:
        headers = {"Retry-After": str(exc.extra["retry_after"])} if "retry_after" in exc.extra else None
        return JSONResponse(body(exc.zh, exc.en, **exc.extra), status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_req: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]} for e in exc.errors()
        ]
        return JSONResponse(body("请求内容无效，未保存任何数据", "invalid request, nothing was stored", details=details),
                            status_code=422)
