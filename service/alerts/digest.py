"""A leader's daily digest (领导每日摘要), composed from plain rows: pure, no database, no clock.

For one leader audience (a region: its leaders; a unit: its leaders) and one local day, as of
`now` (the time the digest is built):

- 未办结重大事件: incidents graded 重大 or 特别重大 that are not closed (特别重大 first);
- 超时: clocks of open incidents still unmet at `now` past their due time (超时未办), plus
  clocks met late during the previous local day (昨日超时办结) — a late answer given yesterday
  is news for the leader this morning, one given earlier was in an earlier digest;
- 今日到期: unmet clocks of open incidents due inside the local day [00:00, 24:00) and not yet
  past due at `now` (past-due ones are already in 超时: the lists do not overlap, so the
  counts add up).

A digest is composed, stored and sent even when every count is zero ("今日无重大事件、无超时、
无今日到期事项"): a leader who gets nothing cannot tell a quiet day from a broken system.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from service.alerts.message import zone_name
from service.alerts.models import REGION, UNIT
from service.auth.rules import Principal, Role
from service.incidents.rules import STATUS_LABEL, Status

MAJOR = ("特别重大", "重大")  # most severe first
LISTED = 20  # entries per section in the text and markdown (the JSON carries them all)
OVERDUE, MET_LATE = "overdue", "met_late"

Audience = tuple[str, str]  # (unit | region, name)


@dataclass(frozen=True)
class ClockRow:
    kind: str
    label: str
    due: datetime  # aware
    met: datetime | None = None


@dataclass(frozen=True)
class IncidentRow:
    """What the digest needs of one incident of the audience's scope."""

    id: int
    topic: str
    severity: str
    status: str
    clocks: tuple[ClockRow, ...] = ()


def scope_viewer(audience: Audience) -> Principal:
    """The leader an audience stands for, to ask `access.sees` which incidents are in scope
    (a region: that region and below; a unit: the incidents assigned to it)."""
    kind, name = audience
    return Principal(user_id=0, username=f"digest:{kind}:{name}", role=Role.LEADER,
                  region=name if kind == REGION else None, unit=name if kind == UNIT else None)


def day_bounds(day: date, timezone: str) -> tuple[datetime, datetime]:
    """Start and end (exclusive) of the local day, as aware datetimes."""
    zone = ZoneInfo(timezone)
    return (datetime.combine(day, time(0), tzinfo=zone),
            datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone))


def local_day(now: datetime, timezone: str) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


def duration(minutes: int) -> str:
    """2天3小时 / 5小时30分 / 14小时 / 45分钟."""
    days, rest = divmod(max(minutes, 0), 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}天{hours}小时" if hours else f"{days}天"
    if hours:
        return f"{hours}小时{mins}分" if mins else f"{hours}小时"
    return f"{mins}分钟"


@dataclass(frozen=True)
class LeaderDigest:
    audience: Audience
    day: date
    timezone: str
    now: datetime
    link_base: str
    open_major: tuple[dict, ...]
    breaches: tuple[dict, ...]
    due_today: tuple[dict, ...]

    @property
    def counts(self) -> dict[str, int]:
        return {"open_major": len(self.open_major), "breaches": len(self.breaches),
                "overdue": sum(b["kind"] == OVERDUE for b in self.breaches),
                "met_late": sum(b["kind"] == MET_LATE for b in self.breaches), "due_today": len(self.due_today)}

    @property
    def quiet(self) -> bool:
        return not (self.open_major or self.breaches or self.due_today)

    @property
    def subject(self) -> str:
        c = self.counts
        return (f"【舆情日报】{self.audience[1]} {self.day.isoformat()}："
                f"重大事件{c['open_major']}件，超时{c['breaches']}项，今日到期{c['due_today']}项")

    def as_of(self) -> str:
        return f"{self.now.astimezone(ZoneInfo(self.timezone)):%Y-%m-%d %H:%M}（{zone_name(self.timezone)}）"

    def sections(self) -> list[tuple[str, tuple[dict, ...], str]]:
        c = self.counts
        return [(f"未办结重大事件（{c['open_major']}件）", self.open_major, "major"),
                (f"超时（{c['breaches']}项）", self.breaches, "breach"),
                (f"今日到期（{c['due_today']}项）", self.due_today, "due")]

    def text(self) -> str:
        lines = [self.subject, f"统计截至 {self.as_of()}"]
        if self.quiet:
            return "\n".join([*lines, "", QUIET_LINE])
        for number, (title, entries, kind) in zip("一二三", self.sections(), strict=True):
            lines += ["", f"{number}、{title}"]
            lines += [f"{i}. {_line(e, kind)} {e['link']}" for i, e in enumerate(entries[:LISTED], 1)] or ["无"]
            lines += _more(entries)
        return "\n".join(lines)

    def markdown(self) -> str:
        c = self.counts
        head = [f"### 【舆情日报】{self.audience[1]} {self.day.isoformat()}",
                f"**重大事件** {c['open_major']}件 · **超时** {c['breaches']}项 · **今日到期** {c['due_today']}项",
                f"统计截至 {self.as_of()}"]
        if self.quiet:
            return "\n\n".join([*head, QUIET_LINE])
        parts = list(head)
        for title, entries, kind in self.sections():
            rows = [f"- [#{e['incident_id']}]({e['link']}) {_line(e, kind, with_id=False)}" for e in entries[:LISTED]]
            parts += [f"#### {title}", "\n".join(rows + _more(entries)) or "无"]
        return "\n\n".join(parts)

    def body(self) -> dict:
        """What is stored (Digest.body) and, without the markdown, what a webhook receives."""
        return {"type": "leader_digest", "audience_kind": self.audience[0], "audience": self.audience[1],
                "day": self.day.isoformat(), "timezone": self.timezone, "as_of": self.now.astimezone(UTC).isoformat(),
                "counts": self.counts, "open_major": list(self.open_major), "breaches": list(self.breaches),
                "due_today": list(self.due_today), "subject": self.subject, "text": self.text(),
                "markdown": self.markdown()}


QUIET_LINE = "今日无重大事件、无超时、无今日到期事项。（无事项也照常推送，以示系统运行正常。）"


def _line(e: dict, kind: str, with_id: bool = True) -> str:
    head = (f"#{e['incident_id']} " if with_id else "") + f"{e['topic']}（{e['severity']}）"
    if kind == "major":
        return f"{head} {e['status_label']}"
    if kind == "due":
        return f"{head} {e['clock_label']} 到期 {e['due_local']}"
    if e["kind"] == OVERDUE:
        return f"{head} {e['clock_label']} 到期 {e['due_local']}，仍未完成，已超时{duration(e['late_minutes'])}"
    return f"{head} {e['clock_label']} 到期 {e['due_local']}，{e['met_local']} 完成，超时{duration(e['late_minutes'])}"


def _more(entries: tuple[dict, ...]) -> list[str]:
    return [f"……另有 {len(entries) - LISTED} 项，请到工作台查看"] if len(entries) > LISTED else []


def compose(audience: Audience, day: date, timezone: str, now: datetime, incidents: list[IncidentRow],
            link_base: str) -> LeaderDigest:
    """The digest of `audience` for the local `day`, as of `now`, from the incidents of its scope."""
    zone = ZoneInfo(timezone)
    start, end = day_bounds(day, timezone)
    yesterday = start - timedelta(days=1)
    base = link_base.rstrip("/")

    def local(t: datetime) -> str:
        return f"{t.astimezone(zone):%Y-%m-%d %H:%M}"

    def entry(incident: IncidentRow, clock: ClockRow | None = None) -> dict:
        out = {"incident_id": incident.id, "topic": incident.topic, "severity": incident.severity,
               "status": str(Status(incident.status)), "status_label": STATUS_LABEL[Status(incident.status)],
               "link": f"{base}/incidents/{incident.id}"}
        if clock is not None:
            out |= {"clock": clock.kind, "clock_label": clock.label or clock.kind,
                    "due_at": clock.due.astimezone(UTC).isoformat(), "due_local": local(clock.due)}
        return out

    majors, breaches, due = [], [], []
    for incident in incidents:
        is_open = Status(incident.status) is not Status.CLOSED
        if is_open and incident.severity in MAJOR:
            majors.append(entry(incident))
        for clock in incident.clocks:
            if clock.met is None and is_open and clock.due <= now:
                late = int((now - clock.due).total_seconds() // 60)
                breaches.append(entry(incident, clock) | {"kind": OVERDUE, "met_at": None, "met_local": None,
                                                          "late_minutes": late})
            elif clock.met is not None and clock.met > clock.due and yesterday <= clock.met < start:
                late = int((clock.met - clock.due).total_seconds() // 60)
                breaches.append(entry(incident, clock) | {"kind": MET_LATE,
                                                          "met_at": clock.met.astimezone(UTC).isoformat(),
                                                          "met_local": local(clock.met), "late_minutes": late})
            elif clock.met is None and is_open and start <= clock.due < end:  # and due > now: not yet late
                due.append(entry(incident, clock))
    majors.sort(key=lambda e: (MAJOR.index(e["severity"]), e["incident_id"]))
    breaches.sort(key=lambda e: (e["kind"] != OVERDUE, e["due_at"], e["incident_id"], e["clock"]))
    due.sort(key=lambda e: (e["due_at"], e["incident_id"], e["clock"]))
    return LeaderDigest(audience=audience, day=day, timezone=timezone, now=now, link_base=base,
                        open_major=tuple(majors), breaches=tuple(breaches), due_today=tuple(due))
