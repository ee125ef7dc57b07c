"""Coordinators' merges and splits, read from the audit log, as labelled pairs a retrain can use."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from service.audit.actions import ItemSplit, Merged
from service.audit.log import record
from service.core.db import migrate, session_scope
from service.core.settings import Settings
from service.incidents.models import Incident, Item
from service.learning.merge_pairs import MERGED, SPLIT, Decision, export_jsonl, load_pairs, pairs_from

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def test_pairs_from_merges_and_splits_later_decision_wins() -> None:
    members = {10: [1, 2, 3], 20: [4, 5]}
    decisions = [
        Decision(1, MERGED, 10, (3,), "coord"),  # item 3 absorbed into incident 10 (items 1, 2)
        Decision(2, SPLIT, 20, (5,), "coord"),  # item 5 split out of incident 20 (item 4 stays)
        Decision(3, MERGED, 20, (4,), "system"),  # the system's own actions teach nothing
    ]
    got = {(p.a, p.b): p.same for p in pairs_from(decisions, members)}
    assert got == {(1, 3): True, (2, 3): True, (4, 5): False}
    later = pairs_from([*decisions, Decision(4, SPLIT, 10, (3,), "coord")], {10: [1, 2], 20: [4, 5]})
    assert {(p.a, p.b): p.same for p in later if 3 in (p.a, p.b)} == {(1, 3): False, (2, 3): False}


def test_load_and_export_from_the_audit_log(settings: Settings, tmp_path: Path) -> None:
    migrate(settings.database_url)
    with session_scope(settings.database_url) as session:
        incidents = [Incident(topic="城乡建设", severity="一般", scope="single", level_region="A市", received_at=T0,
                              last_seen=T0, created_at=T0, signature={}) for _ in range(2)]
        session.add_all(incidents)
        session.flush()
        a, b = (i.id for i in incidents)
        items = [Item(source="t", external_id=str(n), title=f"标题{n}", text=f"正文{n}", received_at=T0,
                      created_at=T0, incident_id=inc) for n, inc in enumerate([a, a, a, b, b])]
        session.add_all(items)
        session.flush()
        ids = [i.id for i in items]
        record(session, MERGED, Merged(absorbed=999, item_ids=[ids[2]], received_at=T0.isoformat()), incident_id=a,
               actor="coord")
        record(session, SPLIT, ItemSplit(new_incident_id=999), incident_id=b, item_id=ids[4], actor="coord")
        items[4].incident_id = None  # the split item left incident b
        session.add(items[4])
        session.commit()
        pairs, texts = load_pairs(session)
        got = {(p.a, p.b): p.same for p in pairs}
        assert got == {(ids[0], ids[2]): True, (ids[1], ids[2]): True, (ids[3], ids[4]): False}
        out = tmp_path / "pairs.jsonl"
        assert export_jsonl(pairs, texts, out) == 3
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert rows[-1]["same"] is False and rows[-1]["b"]["text"] == "正文4" and rows[0]["actor"] == "coord"
