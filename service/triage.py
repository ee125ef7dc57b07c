"""`yuqing triage`: offline batch triage of a JSON-lines file, one JSON object out per item.

The output contract (field names and meanings) is stable: it is how rule fidelity is checked.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime

from pydantic import ValidationError

from routing.deadlines import to_policy_tz
from routing.grouping import group_batch
from service.pipeline import Engine, Triage
from service.schemas import LOCAL_TZ, ItemIn


class TriageInputError(ValueError):
    pass


def parse_lines(lines: Iterable[str], now: datetime) -> list:
    items = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            if not isinstance(raw, dict):
                raise TriageInputError(f"第{n}行：需要 JSON 对象 / line {n}: a JSON object is required")
            item_id = str(raw.pop("id"))
            raw.setdefault("external_id", item_id)
            raw.setdefault("source", "triage")
            items.append(ItemIn.model_validate(raw).to_input(item_id, now))
        except KeyError:
            raise TriageInputError(f"第{n}行：缺少 id / line {n}: missing id") from None
        except (json.JSONDecodeError, ValidationError) as exc:
            raise TriageInputError(f"第{n}行：输入无效 / line {n}: invalid input: {exc}") from None
    return items


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
    }


def now_local() -> datetime:
    return datetime.now(LOCAL_TZ)
