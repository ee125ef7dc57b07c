"""The FastAPI application: wiring only."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI, Request, Response
from sqlalchemy import text

from dashboard import live, pages, snapshot
from service.alerts import digest_views as digest
from service.alerts import views as alert_routes
from service.auth import views as auth
from service.auth.demo import demo_problem, ensure_demo_accounts, retire_demo_accounts
from service.core import error_docs, errors
from service.core.db import migrate, session_scope
from service.core.deps import SessionDep, SettingsDep
from service.core.errors import NotFound, Unauthenticated
from service.core.logs import configure_logging
from service.core.metrics import authorized as metrics_authorized
from service.core.metrics import render
from service.core.queue import queue_depth
from service.core.redis import redis_connection
from service.core.request_guard import RequestGuard, limits_of
from service.core.settings import Settings, get_settings
from service.incidents import views as incidents
from service.incidents import workflow_views as workflow
from service.incidents.jobs import warm_up
from service.incidents.runtime import load_engine
from service.incidents.sweeper import embedded_sweeper
from service.items import views as items
from service.orgs.store import ensure_org
from service.reports import views as reports
from service.review import views as review
from service.supervision import views as supervision


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    if problem := demo_problem(settings):
        raise RuntimeError(problem)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        configure_logging()
        migrate(settings.database_url)
        ensure_org(settings)
        if settings.demo:  # demo accounts, one per role (README); never outside demo mode
            ensure_demo_accounts(settings)
        else:
            retire_demo_accounts(settings)
        warm_start(settings)  # the first item is not the one that loads model and dictionaries
        sweeper = embedded_sweeper(settings)  # without Redis the server walks the ladder itself
        structlog.get_logger().info("app.started", database=settings.database_url.split("@")[-1],
                                    redis=bool(settings.redis_url), demo=settings.demo, sweeper=bool(sweeper))
        try:
            async with live.running(app, settings):  # live dashboard hub and its event feed
                yield
        finally:
            if sweeper is not None:
                await asyncio.to_thread(sweeper.stop)

    app = FastAPI(title="yuqing 政务舆情回应跟踪", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    errors.install(app)
    app.add_middleware(RequestGuard, limit_for=limits_of(settings))  # body limits (413), no NUL in URLs
    app.include_router(items.router)
    app.include_router(incidents.router)
    app.include_router(workflow.router)
    app.include_router(auth.router)
    app.include_router(auth.users)
    app.include_router(live.router)
    app.include_router(snapshot.router)
    app.include_router(alert_routes.router)  # escalation alerts and their channels
    app.include_router(alert_routes.channels)
    app.include_router(review.router)  # 回应效果评估
    app.include_router(supervision.router)  # 督办单
    app.include_router(reports.router)  # 统计报表与导出
    app.include_router(digest.router)  # 领导每日摘要
    pages.install(app)  # dashboard pages, /static and the wallboard's figures

    @app.get("/healthz", tags=["ops"], responses={503: {"description": "数据库或 Redis 不可达 / degraded"}},
             summary="数据库与 Redis 是否可达 / database and Redis reachable")
    def healthz(session: SessionDep, s: SettingsDep, response: Response) -> dict:
        checks = {"database": _check(lambda: session.exec(text("SELECT 1")).one())}
        if s.redis_url:
            checks["redis"] = _check(lambda: redis_connection(s.redis_url).ping())
        ok = all(v == "ok" for v in checks.values())
        response.status_code = 200 if ok else 503
        return {"status": "ok" if ok else "degraded", **checks}

    @app.get("/metrics", tags=["ops"], response_class=Response, responses={200: {"content": {"text/plain": {}}}},
             summary="Prometheus metrics (Authorization: Bearer METRICS_TOKEN)")
    def metrics(request: Request, session: SessionDep, s: SettingsDep) -> Response:
        if not s.metrics_token:  # off unless the operator gives scrapers a token
            raise NotFound("未启用指标（METRICS_TOKEN 未设置）", "metrics are off: METRICS_TOKEN is not set")
        if not metrics_authorized(request.headers.get("authorization", ""), s.metrics_token):
            raise Unauthenticated("指标需要令牌", "metrics need Authorization: Bearer <METRICS_TOKEN>")
        return Response(render(session, queue_depth(s), cache_key=s.database_url),
                        media_type="text/plain; version=0.0.4")

    error_docs.document(app)  # every route's error responses in the OpenAPI schema
    return app


def warm_start(settings: Settings) -> None:
    """Load the organisation, the classifier and jieba's dictionaries before serving."""
    with session_scope(settings.database_url) as session:
        warm_up(load_engine(settings, session))


def _check(probe) -> str:
    try:
        probe()
        return "ok"
    except Exception as exc:
        return f"error: {type(exc).__name__}"
