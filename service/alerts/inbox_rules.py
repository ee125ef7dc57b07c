"""Pure rules of the alert inbox (no database): how high a rung stands, what an entry is
called now, and how one incident's entries fold into one row.

- A clock's rungs climb 提醒 50 % → 提醒 80 % → 催办 (breach) → 督办 (routing.escalation; rules.md
  Deadlines, seed 004 督办): one entry per clock takes the highest so far (`rank_of`).
- 临期 / 超时 is read against *now*, not the rung: a 提醒 entry whose clock is already past its
  deadline (the sweep was late, or the 催办 rung is due but not yet fired) is 超时, never 临期.
- 特别重大 routed/upgraded (`major`) tells the principal leader (rules.md Responsible
  body 5, seed 001: he leads, directs and supervises).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

MAJOR = "major"  # the clock key (and step) of the principal leader's 特别重大 alert
CLAIM = "claim"  # a lapsed claim


def rank_of(step: str) -> int:
    """warn_<pct> → pct (below a breach); urge / a lapsed claim 100; supervise 200; major 300."""
    if step.startswith("warn_") and step[5:].isdigit():
        return min(int(step[5:]), 99)
    return {"urge": 100, "claim_expired": 100, "supervise": 200, MAJOR: 300}.get(step, 100)


def stage(step: str, due_at: datetime, now: datetime) -> tuple[str, str]:
    """(kind, Chinese label) of an entry now: kind is due (临期), overdue (超时), supervise,
    claim or major — what the inbox colours and says."""
    if step == MAJOR:
        return "major", "特别重大 · 主要负责人牵头"
    if step.startswith("claim"):
        return "claim", "认领超时"
    if step == "supervise":
        return "supervise", "超时督办"
    if step == "urge":  # fired at the deadline: past it
        return "overdue", "超时催办"
    if due_at <= now:
        return "overdue", "已超时"
    pct = step[5:] if step.startswith("warn_") else ""
    return "due", f"临期提醒（已过 {pct}%）" if pct else "临期提醒"


@dataclass(frozen=True)
class Entry:
    """What folding needs of one inbox entry."""

    id: int
    incident_id: int
    clock: str
    clock_label: str
    step: str
    rank: int
    rungs: int
    due_at: datetime
    unread: bool


@dataclass(frozen=True)
class Row:
    """One incident in the inbox: its highest open rung, its clocks (one entry each, the
    highest of the viewer's audiences), how many rungs, and every entry id behind it."""

    incident_id: int
    top: Entry
    entries: tuple[Entry, ...]
    ids: tuple[int, ...]
    rungs: int
    unread: int


def _urgency(e: Entry) -> tuple[int, datetime]:
    return -e.rank, e.due_at


def fold(entries: Iterable[Entry]) -> list[Row]:
    """One row per incident, the most urgent first: highest rung, then the nearest deadline.
    A clock heard through two audiences (a leader over two regions) is one clock."""
    by_incident: dict[int, list[Entry]] = {}
    for e in entries:
        by_incident.setdefault(e.incident_id, []).append(e)
    rows = []
    for incident_id, group in by_incident.items():
        per_clock: dict[str, Entry] = {}
        unread: set[str] = set()
        for e in sorted(group, key=_urgency):
            per_clock.setdefault(e.clock, e)
            if e.unread:
                unread.add(e.clock)
        clocks = tuple(per_clock.values())
        rows.append(Row(incident_id=incident_id, top=clocks[0], entries=clocks, ids=tuple(sorted(e.id for e in group)),
                        rungs=sum(e.rungs for e in group), unread=len(unread)))
    rows.sort(key=lambda r: (*_urgency(r.top), r.incident_id))
    return rows


def clocks_text(entries: Sequence[Entry]) -> str:
    """The clocks involved, in Chinese (回应、反馈 …); the 特别重大 alert is no clock."""
    return "、".join(dict.fromkeys(e.clock_label or e.clock for e in entries if e.clock != MAJOR))
