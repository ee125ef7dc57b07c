"""The board's pages and export (issue 17 part 3): one tab of the viewer's incidents, filtered
and searched, ordered by the next breach, a page at a time with the true totals of every tab,
in the dashboard's row shape (dashboard.snapshot.load_rows: open clocks, summary); and the
current filter as CSV or XLSX."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from sqlmodel import col, select

from dashboard.snapshot import load_rows
from routing.facts import Severity
from service.auth.deps import ReaderDep
from service.auth.rules import Principal, Role
from service.core.deps import SessionDep
from service.core.errors import Invalid
from service.core.params import Offset
from service.incidents.cursor import MAX_CHARS
from service.incidents.deps import EngineDep
from service.incidents.listing import (
    VIEWS,
    Filters,
    Order,
    View,
    count,
    filtered,
    ids_of,
    in_view,
    keyset,
    org_units,
    page,
)
from service.incidents.models import Incident
from service.incidents.pipeline import Engine
from service.incidents.rules import STATUS_LABEL, Status
from service.reports.export import XLSX_TYPE, guard

router = APIRouter(prefix="/api/board", tags=["dashboard"])
OVERSIGHT = (Role.COORDINATOR, Role.LEADER, Role.REVIEWER, Role.ADMIN)  # who has the 全部 tab
EXPORT_MAX = 20_000
CLAIM_CLOCK = "claim"  # not a stored clock: a claim lapses claim_timeout_hours after it was taken


def _filters(status: Status | Literal["open"] | None, topic: str | None, severity: Severity | None,
             region: str | None, unit: str | None, q: str | None) -> Filters:
    return Filters(status=status if status is None or status == "open" else status.value, topic=topic or None,
                   severity=str(severity) if severity is not None else None, region=region or None,
                   unit=unit or None, q=q or None)


STATUS_Q = Query(None, description="open = 未办结")
UNIT_Q = Query(None, max_length=200, description="责任单位：全称、简称或别名")
SEARCH_Q = Query(None, max_length=200, description="全文检索：标题、正文、地点、单位")
CURSOR_Q = Query(None, max_length=MAX_CHARS, description="上一页返回的 next_cursor（与 offset 二选一） / "
                                                         "the next_cursor of the page before (instead of offset)")



def _views(viewer: Principal) -> tuple[View, ...]:
    return VIEWS if viewer.role in OVERSIGHT else ("unclaimed", "mine", "escalated")


def with_claim_clock(rows: dict[int, dict], engine: Engine, session) -> None:
    """The lapse of a claim as a clock of the row (policy claim_timeout_hours after claimed_at);
    the pages are ordered by it too (service.incidents.breach.claim_lapse: the same rule in SQL)."""
    claimed = [i for i, r in rows.items() if r.get("status") == Status.CLAIMED.value]
    if not claimed:
        return
    hours = timedelta(hours=engine.policy.claim_timeout_hours)
    for incident_id, at in session.exec(select(Incident.id, Incident.claimed_at).where(col(Incident.id).in_(claimed))):
        if at is not None:
            rows[incident_id].setdefault("clocks", {})[CLAIM_CLOCK] = {
                "label": "认领后回应", "started_at": at.isoformat(timespec="seconds"),
                "due_at": (at + hours).isoformat(timespec="seconds")}


@router.get("", summary="工作台一页（按最近超时排序，附各标签真实总数） / one page of a board tab with true totals")
def board(viewer: ReaderDep, session: SessionDep, engine: EngineDep,
          view: View = Query("unclaimed", description="unclaimed 待认领 / mine 我的 / escalated 升级督办 / all 全部"),
          status: Status | Literal["open"] | None = STATUS_Q, topic: str | None = Query(None, max_length=32),
          severity: Severity | None = None, region: str | None = Query(None, max_length=200),
          unit: str | None = UNIT_Q, q: str | None = SEARCH_Q,
          order: Order = Query("breach", description="breach 最近超时在前 / newest 最新在前"),
          limit: int = Query(50, ge=1, le=200), offset: Offset = 0, cursor: str | None = CURSOR_Q) -> dict:
    f = _filters(status, topic, severity, region, unit, q)
    views = _views(viewer)
    after = keyset(cursor, offset, order)
    found = page(session, viewer, engine.org, f, org_units(engine.org, engine.taxonomy), view=view, views=views,
                 order=order, limit=limit, offset=offset, claim_hours=engine.policy.claim_timeout_hours, cursor=after)
    rows = load_rows(session, found.ids)
    with_claim_clock(rows, engine, session)
    return {"total": found.total, "counts": found.counts, "offset": offset, "limit": limit,
            "next_cursor": found.next_cursor, "incidents": [rows[i] for i in found.ids if i in rows]}


HEADERS = ("编号", "等级", "主题", "状态", "摘要", "地区", "第一责任单位", "配合单位", "牵头单位", "认领人",
           "接收时间", "最近时限", "未完成时限")


def _export_rows(viewer: Principal, session, engine: Engine, f: Filters, view: View) -> list[list[Any]]:
    q = in_view(filtered(session, viewer, engine.org, f, org_units(engine.org, engine.taxonomy)), view, viewer)
    if (n := count(session, q)) > EXPORT_MAX:  # refused, never cut short: a partial list reads as the whole
        raise Invalid(f"当前筛选共 {n} 件，超过导出上限 {EXPORT_MAX} 件，请缩小筛选范围（如按地区、单位或状态）后再导出",
                      f"the filter holds {n} incidents, above the export limit of {EXPORT_MAX}: narrow it "
                      "(region, unit, status) and export again", total=n, limit=EXPORT_MAX)
    ids = ids_of(session, q, limit=EXPORT_MAX, claim_hours=engine.policy.claim_timeout_hours)
    out = []
    for chunk in range(0, len(ids), 500):
        part = ids[chunk:chunk + 500]
        rows = load_rows(session, part)
        with_claim_clock(rows, engine, session)
        for i in part:
            r = rows.get(i)
            if r is None:
                continue
            clocks = sorted(r.get("clocks", {}).values(), key=lambda c: c["due_at"])
            out.append([i, r.get("severity"), r.get("topic"), STATUS_LABEL.get(Status(r["status"]), r["status"]),
                        r.get("summary", ""), "、".join(r.get("regions") or []) or r.get("level_region", ""),
                        "、".join(r.get("first_responsible") or []), "、".join(r.get("co_responsible") or []),
                        r.get("lead", ""), r.get("claimed_by", ""), r.get("received_at", ""),
                        clocks[0]["due_at"] if clocks else "",
                        "；".join(f"{c['label']} {c['due_at']}" for c in clocks)])
    return [[guard(v) if isinstance(v, str) else v for v in row] for row in out]


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f"attachment; filename=\"board\"; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "no-store"}


def to_csv(rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    out.write("\ufeff")  # so Excel reads the Chinese as UTF-8
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def to_xlsx(rows: list[list[Any]]) -> bytes:
    # write-only: rows stream into the file instead of a cell object each held in memory
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("事件清单")
    ws.freeze_panes = "A2"
    header = []
    for name in HEADERS:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    for row in rows:
        ws.append(row)
    body = io.BytesIO()
    wb.save(body)
    return body.getvalue()


FILE_DOC: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {}, XLSX_TYPE: {}},
                                                   "description": "CSV（UTF-8，带 BOM）或 XLSX"}}


@router.get("/export", response_class=Response, responses=FILE_DOC,
            summary="导出当前筛选（CSV / XLSX） / the current filter as CSV or XLSX")
def export(viewer: ReaderDep, session: SessionDep, engine: EngineDep,
           format: Literal["csv", "xlsx"] = Query("csv", description="csv / xlsx"),
           view: View = Query("all"), status: Status | Literal["open"] | None = STATUS_Q,
           topic: str | None = Query(None, max_length=32), severity: Severity | None = None,
           region: str | None = Query(None, max_length=200), unit: str | None = UNIT_Q,
           q: str | None = SEARCH_Q) -> Response:
    rows = _export_rows(viewer, session, engine, _filters(status, topic, severity, region, unit, q), view)
    # read done: end the transaction before building the file, which at 20,000 rows outlasts
    # the idle-in-transaction timeout (main's export of 20,000 rows died of it at the end)
    session.rollback()
    if format == "xlsx":
        return Response(to_xlsx(rows), media_type=XLSX_TYPE, headers=_attachment("事件清单.xlsx"))
    return Response(to_csv(rows), media_type="text/csv; charset=utf-8", headers=_attachment("事件清单.csv"))
