"""督办单 input rules as pure functions: the due time and the units supervised."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

MAX_AHEAD = timedelta(days=30)  # a notice further out is no supervision at all
MIN_REQUIREMENT = 4


def due_problem(due_at: datetime, now: datetime) -> tuple[str, str] | None:
    """(zh, en) when `due_at` is not an aware time in the future and at most MAX_AHEAD away."""
    if due_at.tzinfo is None or due_at.utcoffset() is None:
        return "办理时限须带时区", "due_at must carry a timezone offset"
    if due_at <= now:
        return "办理时限须晚于当前时间", "due_at must be in the future"
    if due_at - now > MAX_AHEAD:
        return f"办理时限最长为{MAX_AHEAD.days}天", f"due_at may be at most {MAX_AHEAD.days} days ahead"
    return None


def supervised_units(asked: Iterable[str] | None, first_responsible: Iterable[str], assigned: Iterable[str],
                     known: Iterable[str]) -> tuple[list[str], list[str], list[str]]:
    """(units, unknown, unassigned): the units named (deduplicated, in order), or by default the
    incident's first responsible units; names not in the org are unknown, and units of the org
    not assigned the incident are refused too: they could not see it to answer (转办 first)."""
    names = list(dict.fromkeys(u.strip() for u in (first_responsible if asked is None else asked) if u.strip()))
    assigned, known = set(assigned), set(known)
    return (names, [u for u in names if u not in assigned and u not in known],
            [u for u in names if u in known and u not in assigned])


def state_of(due_at: datetime, answered_at: datetime | None, now: datetime) -> str:
    """answered (办理情况已反馈), overdue (已超期) or open (办理中)."""
    if answered_at is not None:
        return "answered"
    return "overdue" if now > due_at else "open"


def doc_number(region: str, year: int, seq: int) -> str:
    """文号 of the `seq`-th notice of `year` issued by `region`'s government office, e.g.
    高平市 → 高政舆督〔2026〕3号 (the issue's form: the region's first character, 政 for the
    government office, 舆督 for 舆情督办; 〔〕 are the official brackets of a 发文字号)."""
    return f"{region[:1]}政舆督〔{year}〕{seq}号"


def answer_refusal(signed: bool, answered: bool) -> tuple[str, str] | None:
    """A notice is answered once, and only after the supervised unit signed for it (签收)."""
    if answered:
        return "该督办单已反馈", "this supervision notice was answered already"
    if not signed:
        return "请先签收督办单再反馈办理情况", "sign for the notice (签收) before answering it"
    return None
