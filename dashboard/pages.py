"""The dashboard's pages: static HTML shells and vanilla JS, served by the app.

The HTML holds no data: every page fetches what it shows from the API as the signed-in
viewer, so the API's permission checks are the only ones, and user text from the internet
never passes through server-side templating (the scripts insert it with textContent).
A strict Content-Security-Policy forbids inline scripts and foreign origins.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

from service.core.params import IdPath

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

router = APIRouter(include_in_schema=False)


def security_headers(request: Request) -> dict[str, str]:
    # 'self' for connect-src covers ws(s) to the same origin only in CSP3 browsers: name it.
    ws = ("wss://" if request.url.scheme == "https" else "ws://") + request.url.netloc
    csp = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
           f"font-src 'self'; connect-src 'self' {ws}; base-uri 'none'; form-action 'self'; "
           "frame-ancestors 'none'")
    return {"Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY", "Cache-Control": "no-store"}


def _page(request: Request, name: str) -> FileResponse:
    return FileResponse(TEMPLATES / name, media_type="text/html; charset=utf-8", headers=security_headers(request))


DEMO_HINT = re.compile(r'\s*<p [^>]*id="demo-hint"[^>]*>.*?</p>', re.S)


@router.get("/")
def login_page(request: Request) -> Response:
    """The demo password is shown in demo mode only: elsewhere it opens nothing anyway."""
    if request.app.state.settings.demo:
        return _page(request, "login.html")
    html = DEMO_HINT.sub("", (TEMPLATES / "login.html").read_text(encoding="utf-8"))
    return HTMLResponse(html, headers=security_headers(request))


@router.get("/dashboard")
def dashboard_page(request: Request) -> FileResponse:
    return _page(request, "dashboard.html")


@router.get("/incidents/{incident_id}")
def incident_page(request: Request, incident_id: IdPath) -> FileResponse:
    return _page(request, "incident.html")


@router.get("/wall")
def wall_page(request: Request) -> FileResponse:
    return _page(request, "wall.html")


@router.get("/alerts")
def alerts_page(request: Request) -> FileResponse:
    return _page(request, "alerts.html")  # 提醒: the whole inbox and its history


@router.get("/review")
def review_page(request: Request) -> FileResponse:
    return _page(request, "review.html")  # 回应效果评估 queue (宣传部门)


@router.get("/reports")
def reports_page(request: Request) -> FileResponse:
    return _page(request, "reports.html")  # figures, charts and exports


@router.get("/register")
def register_page(request: Request) -> FileResponse:
    return _page(request, "register.html")  # 联络登记完整性、问责与整改、年度考核


@router.get("/reports/monthly")
def monthly_report_page(request: Request) -> FileResponse:
    return _page(request, "monthly.html")  # printable monthly report


@router.get("/report")
def report_page(request: Request) -> FileResponse:
    return _page(request, "report.html")  # 舆情报送 (a person enters an item)


@router.get("/import")
def import_page(request: Request) -> FileResponse:
    return _page(request, "import.html")  # CSV/XLSX import with a preview


@router.get("/supervision/{notice_id}/print")
def supervision_print_page(request: Request, notice_id: IdPath) -> FileResponse:
    return _page(request, "supervision_print.html")  # 督办单, A4


@router.get("/favicon.ico")
def favicon() -> Response:
    return Response(status_code=204)  # none: spares every page a 404 in the console


class _Static(StaticFiles):
    """Static files with nosniff, so a script is only ever run as the type it is served as."""

    async def get_response(self, path: str, scope: Scope):
        response = await super().get_response(path, scope)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-cache"
        return response


def install(app: FastAPI) -> None:
    from dashboard import wallstats

    app.include_router(router)
    wallstats.install(app)
    app.mount("/static", _Static(directory=STATIC), name="static")
