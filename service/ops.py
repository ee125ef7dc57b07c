"""Operations routes: /healthz (database and Redis reachable) and /metrics (Prometheus, behind
METRICS_TOKEN)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request, Response
from sqlalchemy import text

from service.core.deps import SessionDep, SettingsDep
from service.core.errors import NotFound, Unauthenticated
from service.core.metrics import authorized as metrics_authorized
from service.core.queue import queue_depth, redis_url
from service.core.redis import redis_connection
from service.incidents.gauges import render

router = APIRouter(tags=["ops"])


@router.get("/healthz", responses={503: {"description": "数据库或 Redis 不可达 / degraded"}},
         summary="数据库与 Redis 是否可达 / database and Redis reachable")
def healthz(session: SessionDep, s: SettingsDep, response: Response) -> dict:
    checks = {"database": _check(lambda: session.execute(text("SELECT 1")).one())}
    if (url := redis_url(s)) is not None:
        checks["redis"] = _check(lambda: redis_connection(url).ping())
    ok = all(v == "ok" for v in checks.values())
    response.status_code = 200 if ok else 503
    return {"status": "ok" if ok else "degraded", **checks}

@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}},
         summary="Prometheus metrics (Authorization: Bearer METRICS_TOKEN)")
def metrics(request: Request, session: SessionDep, s: SettingsDep) -> Response:
    if not s.metrics_token:  # off unless the operator gives scrapers a token
        raise NotFound("未启用指标（METRICS_TOKEN 未设置）", "metrics are off: METRICS_TOKEN is not set")
    if not metrics_authorized(request.headers.get("authorization", ""), s.metrics_token):
        raise Unauthenticated("指标需要令牌", "metrics need Authorization: Bearer <METRICS_TOKEN>")
    return Response(render(session, queue_depth(s), cache_key=s.database_url),
                    media_type="text/plain; version=0.0.4")


def _check(probe: Callable[[], object]) -> str:
    try:
        probe()
        return "ok"
    except Exception as exc:
        return f"error: {type(exc).__name__}"
