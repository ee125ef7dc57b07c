"""`yuqing triage`: offline batch triage of a JSON-lines file, one JSON object out per item.

The output contract (field names and meanings) is stable: it is how rule fidelity is checked.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime

from pydantic import ValidationError

from routing.deadlines import to_policy_tz
from routing.duties import ROLE_LABEL, duties_of
from routing.grouping import group_batch
from routing.local_time import BEIJING
from routing.register import who_to_call
from service.core.inputs import ReceivedWindow
from service.core.settings import Settings
from service.incidents.pipeline import Engine, Triage
from service.items.schemas import ItemIn


class TriageInputError(ValueError):
    pass


def parse_lines(lines: Iterable[str], now: datetime, window: ReceivedWindow | None = None) -> list:
    """Items of a JSON-lines text, checked as the API checks them (service.core.inputs; `window`
    defaults to the shipped settings); the first bad line stops the run with an error naming
    the line and the field."""
    window = window or ReceivedWindow.of(Settings.model_construct())
    items = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            raise TriageInputError(f"第{n}行：不是有效的 JSON / line {n}: not valid JSON") from None
        if not isinstance(raw, dict):
            raise TriageInputError(f"第{n}行：需要 JSON 对象 / line {n}: a JSON object is required")
        if "id" not in raw:
            raise TriageInputError(f"第{n}行：缺少 id / line {n}: missing id")
        item_id = str(raw.pop("id"))
        raw.setdefault("external_id", item_id)
        raw.setdefault("source", "triage")
        try:
            item = ItemIn.model_validate(raw)
        except ValidationError as exc:
            raise TriageInputError(_invalid(n, exc)) from None
        if problem := item.received_problem(window, now):
            raise TriageInputError(f"第{n}行 received_at：{problem[0]} / line {n}: {problem[1]}")
        items.append(item.to_input(item_id, now))
    return items


def _invalid(n: int, exc: ValidationError) -> str:
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or "item"
    more = f"（另有 {exc.error_count() - 1} 处） / (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"第{n}行 {field}：输入无效 / line {n}: {field}: {first['msg']}{more}"


def triage_records(engine: Engine, items: list) -> Iterator[dict]:
    """Triage in received_at order (as live), answer in input order."""
    order = sorted(range(len(items)), key=lambda i: items[i].received_at)
    results = engine.triage_many([items[i] for i in order])
    by_key = {r.item.key: r for r in results}
    incident_of = group_batch([r.signature() for r in results], engine.policy.grouping)
    for item in items:
        yield to_record(by_key[item.key], incident_of[item.key], engine)


def to_record(t: Triage, incident: str, engine: Engine) -> dict:
    d = t.decision
    due = {c.kind: to_policy_tz(c.due_at, engine.policy).isoformat() for c in t.clocks}
    return {
        "id": t.item.key,
        "topic": t.facts.topic,
        "severity": str(t.facts.severity),
        "scope": str(d.scope),
        "vertical": d.vertical,
        "first_responsible": list(d.first_responsible),
        "co_responsible": list(d.co_responsible),
        "coordinators": list(d.coordinators),
        "lead": d.lead,
        "leader": d.leader,
        "report_to": d.report_to,
        "response_due": due.get("response"),
        "feedback_due": due.get("feedback"),
        "clocks": due,
        "reasons": list(t.reasons),
        "incident": incident,
        # the registers of the org file: who to call at each unit named above (seed 000 三(五)2)
        "who_to_call": who_to_call([*d.first_responsible, *d.co_responsible, *([d.lead] if d.lead else []),
                                    *d.coordinators], engine.org.registers),
        "duties": duty_records(t, engine),
    }


def duty_records(t: Triage, engine: Engine) -> list[dict]:
    """Each unit's duty (routing.duties): unit, role, what it owes, whether the incident's
    response waits for it, and its clocks (kind → due time in the policy's zone)."""
    duties = duties_of(t.decision, severity=t.facts.severity, received_at=t.item.received_at,
                       verification_request=t.item.verification_request, emergency=t.severity.emergency,
                       policy=engine.policy, org=engine.org)
    return [{"unit": d.unit, "role": str(d.role), "role_label": ROLE_LABEL[d.role], "owes": d.owes,
             "required": d.required, "clause": d.clause,
             "clocks": {c.kind: to_policy_tz(c.due_at, engine.policy).isoformat() for c in d.clocks}}
            for d in duties]


def now_local() -> datetime:
    return datetime.now(BEIJING)
