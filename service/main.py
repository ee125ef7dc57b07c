"""The FastAPI application: wiring only."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import structlog
from fastapi import FastAPI

from dashboard import board, live, pages, snapshot
from service import ops
from service.accountability import views as accountability
from service.alerts import digest_views as digest
from service.alerts import views as alert_routes
from service.attachments import views as attachments
from service.auth import views as auth
from service.auth.demo import demo_problem, ensure_demo_accounts, retire_demo_accounts
from service.calendar import views as calendar
from service.core import error_docs, errors
from service.core.db import migrate, session_scope
from service.core.logs import configure_logging
from service.core.queue import queued
from service.core.request_guard import RequestGuard, limits_of
from service.core.settings import Settings, get_settings
from service.escalation.major_watch import watch_majors
from service.escalation.sweeper import embedded_sweeper
from service.incidents import bulk_views as bulk
from service.incidents import duty_views as duties
from service.incidents import views as incidents
from service.incidents import workflow_views as workflow
from service.incidents.jobs import warm_up
from service.incidents.runtime import load_engine
from service.items import import_views as item_import
from service.items import report as item_report
from service.items import views as items
from service.orgs.store import ensure_org
from service.register import views as register
from service.reports import views as reports
from service.review import views as review
from service.supervision import views as supervision

ROUTERS = (item_report.router, item_import.router,  # 舆情报送 and CSV/XLSX import, before /api/items/{id}
           items.router, incidents.router, workflow.router, duties.router, bulk.router, board.router,
           auth.router, auth.users, live.router, snapshot.router,
           alert_routes.router, alert_routes.channels,  # escalation alerts and their channels
           review.router,  # 回应效果评估
           supervision.router,  # 督办单
           attachments.router,  # 附件
           reports.router,  # 统计报表与导出
           digest.router,  # 领导每日摘要
           register.router,  # 单位政务舆情联络登记
           calendar.router,  # 工作日历
           accountability.router,  # 问责、整改、年度考核
           ops.router)  # /healthz and /metrics


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    if problem := demo_problem(settings):
        raise RuntimeError(problem)

    app = FastAPI(title="yuqing 政务舆情回应跟踪", version="0.1.0", lifespan=lifespan(settings))
    app.state.settings = settings
    errors.install(app)
    app.add_middleware(RequestGuard, limit_for=limits_of(settings))  # body limits (413), no NUL in URLs
    for router in ROUTERS:
        app.include_router(router)
    pages.install(app)  # dashboard pages, /static and the wallboard's figures
    error_docs.document(app)  # every route's error responses in the OpenAPI schema
    return app


def lifespan(settings: Settings) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def run(app: FastAPI) -> AsyncIterator[None]:
        configure_logging()
        migrate(settings.database_url)
        ensure_org(settings)
        if settings.demo:  # demo accounts, one per role (README); never outside demo mode
            ensure_demo_accounts(settings)
        else:
            retire_demo_accounts(settings)
        warm_start(settings)  # the first item is not the one that loads model and dictionaries
        unwatch = watch_majors(settings)  # 特别重大: the principal leader told at once, not at the next sweep
        sweeper = embedded_sweeper(settings)  # without Redis the server walks the ladder itself
        structlog.get_logger().info("app.started", database=settings.database_url.split("@")[-1],
                                    redis=queued(settings), demo=settings.demo, sweeper=bool(sweeper))
        try:
            async with live.running(app, settings):  # live dashboard hub and its event feed
                yield
        finally:
            unwatch()
            if sweeper is not None:
                await asyncio.to_thread(sweeper.stop)

    return run


def warm_start(settings: Settings) -> None:
    """Load the organisation, the classifier and jieba's dictionaries before serving."""
    with session_scope(settings.database_url) as session:
        warm_up(load_engine(settings, session))
