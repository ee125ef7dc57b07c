"""Working-day calendar routes: everyone who reads may see a year; the admin sets a year by hand
or from the `holidays` package and sees which years are missing (GET /api/calendar/status)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path
from pydantic import Field
from sqlmodel import col, select

from routing.workdays import CalendarDay
from service.auth.deps import Allowed, ReaderDep
from service.auth.rules import Action, Principal
from service.calendar import service as cs
from service.calendar.models import CalendarYear
from service.core.deps import SessionDep, UowDep
from service.core.inputs import StrictModel

router = APIRouter(prefix="/api/calendar", tags=["calendar"])
Year = Annotated[int, Path(ge=cs.MIN_YEAR, le=cs.MAX_YEAR, description="年份")]
EditorDep = Annotated[Principal, Allowed(Action.EDIT_CALENDAR)]


class DayIn(StrictModel):
    day: date = Field(description="日期 YYYY-MM-DD")
    kind: Literal["holiday", "workday"] = Field(description="holiday 放假 / workday 调休上班")
    name: str = Field("", max_length=100, description="名称，如 春节")


class YearIn(StrictModel):
    days: list[DayIn] = Field(max_length=400, description="该年全部放假日与调休上班日")


@router.get("/status", summary="工作日历缺失年份（管理员） / years missing from the calendar (admin)")
def status(viewer: EditorDep, session: SessionDep) -> dict:
    return cs.status(session)


@router.get("", summary="工作日历已有年份 / years the calendar holds")
def years(viewer: ReaderDep, session: SessionDep) -> dict:
    return {"years": [r.model_dump() for r in session.exec(select(CalendarYear).order_by(col(CalendarYear.year)))]}


@router.get("/{year}", summary="一年的放假与调休 / a year's holidays and make-up days")
def year(year: Year, viewer: ReaderDep, session: SessionDep) -> dict:
    return cs.year_view(session, year)


@router.put("/{year}", summary="设置一年的放假与调休（管理员） / set a year's holidays and make-up days (admin)")
def set_year(year: Year, body: YearIn, viewer: EditorDep, uow: UowDep) -> dict:
    cs.set_year(session=uow.session, viewer=viewer, year=year,
                days=[CalendarDay(d.day, d.kind, d.name.strip()) for d in body.days])
    uow.commit()
    return cs.year_view(uow.session, year)


@router.post("/{year}/seed", summary="从 holidays 包导入一年（管理员） / seed a year from the holidays package (admin)")
def seed_year(year: Year, viewer: EditorDep, uow: UowDep) -> dict:
    cs.seed_year(session=uow.session, viewer=viewer, year=year)
    uow.commit()
    return cs.year_view(uow.session, year)
