"""The live hub on a real event loop: aggregation, visibility per viewer, slow sockets.

The hub's loader is given rows from a dict here (the database loader is exercised by
test_live_ws); everything else — queues, sender tasks, flushing, `sees` on the demo org — is
the real code.
"""

from __future__ import annotations

import asyncio
import json
import random
from dataclasses import dataclass

import pytest

from dashboard.hub import RESYNC, Hub
from routing.orgfile import load_demo_org
from service.auth.rules import Principal, Role, assignment_of, sees
from service.core.events import from_message

ORG = load_demo_org()
MISHAN, SANJIA, SCJ = "米山镇人民政府", "三甲镇人民政府", "高平市市场监督管理局"
LIAISON_MISHAN = Principal(1, "liaison_mishan", Role.LIAISON, unit=MISHAN)
LIAISON_SANJIA = Principal(2, "liaison_sanjia", Role.LIAISON, unit=SANJIA)
LIAISON_SCJ = Principal(3, "liaison_scj", Role.LIAISON, unit=SCJ)
LEADER = Principal(4, "leader_gaoping", Role.LEADER, region="高平市")
LEADER_ZEZHOU = Principal(5, "leader_zezhou", Role.LEADER, region="泽州县")


def row(incident_id: int, region: str, *units: str, co: tuple[str, ...] = ()) -> dict:
    return {"id": incident_id, "status": "unclaimed", "level_region": region, "regions": [region],
            "first_responsible": list(units), "co_responsible": list(co), "lead": None}


@dataclass
class Loaded:
    rows: dict
    org: object


class Db:
    """The loader's source: current rows, and a record of every load."""

    def __init__(self, *rows: dict) -> None:
        self.rows = {r["id"]: r for r in rows}
        self.loads: list[list[int]] = []

    def __call__(self, ids: list[int]) -> Loaded:
        self.loads.append(list(ids))
        return Loaded({i: dict(self.rows[i]) for i in ids if i in self.rows}, ORG)


class Inbox:
    """A socket's far end: records what was sent; may be held to play a slow client."""

    def __init__(self, held: bool = False) -> None:
        self.messages: list[dict] = []
        self.gate = asyncio.Event()
        if not held:
            self.gate.set()

    async def send(self, text: str) -> None:
        await self.gate.wait()
        self.messages.append(json.loads(text))

    def of(self, kind: str) -> list[dict]:
        return [m for m in self.messages if m["type"] == kind]


async def settle() -> None:
    for _ in range(20):  # let the sender tasks drain their queues
        await asyncio.sleep(0)


def run(coro):
    return asyncio.run(coro)


def test_many_events_coalesce_into_one_message_per_scope_per_flush() -> None:
    async def main() -> None:
        db = Db(*(row(i, "米山镇", MISHAN) for i in range(1, 11)))
        hub = Hub(db)
        boxes = [Inbox() for _ in range(3)]
        for box in boxes:  # three sockets of one scope, one of another
            hub.connect(LIAISON_MISHAN, box.send)
        leader = Inbox()
        hub.connect(LEADER, leader.send)
        for n in range(200):
            hub.notify(from_message({"type": "incident.item_added", "incident_id": 1 + n % 10, "at": 1000.0 + n}))
        await hub.flush()
        await settle()
        assert db.loads == [list(range(1, 11))]  # one load of the distinct ids
        for box in [*boxes, leader]:
            changes = box.of("changes")
            assert len(changes) == 1
            assert [r["id"] for r in changes[0]["incidents"]] == list(range(1, 11))
        # each row carries its earliest unsent change time: the latency is measured from it
        assert {r["id"]: r["changed_at"] for r in leader.of("changes")[0]["incidents"]}[3] == 1002.0
        await hub.flush()  # nothing new: nothing loaded, nothing sent
        await settle()
        assert len(db.loads) == 1 and len(leader.of("changes")) == 1
        await hub.stop()

    run(main())


def test_hello_first_then_changes_with_rising_seq() -> None:
    async def main() -> None:
        db = Db(row(1, "米山镇", MISHAN))
        hub = Hub(db)
        box = Inbox()
        hub.connect(LEADER, box.send)
        for _ in range(2):
            hub.notify(from_message({"type": "incident.updated", "incident_id": 1}))
            await hub.flush()
        await settle()
        kinds = [m["type"] for m in box.messages]
        assert kinds == ["hello", "changes", "changes"]
        assert box.messages[0]["seq"] == 0 and box.messages[0]["viewer"]["username"] == "leader_gaoping"
        assert [m["seq"] for m in box.of("changes")] == [1, 2]
        await hub.stop()

    run(main())


def test_seq_rises_by_one_per_message_of_a_scope_so_a_gap_means_loss() -> None:
    async def main() -> tuple[Inbox, Inbox, Inbox]:
        db = Db(row(1, "米山镇", MISHAN), row(2, "三甲镇", SANJIA))
        hub = Hub(db)
        mishan, leader = Inbox(), Inbox()
        hub.connect(LIAISON_MISHAN, mishan.send)
        hub.connect(LEADER, leader.send)
        for incident_id in (1, 2, 2, 1):  # flushes 2 and 3 concern 三甲镇 only
            hub.notify(from_message({"type": "incident.updated", "incident_id": incident_id}))
            await hub.flush()
        await settle()
        late = Inbox()
        hub.connect(LIAISON_MISHAN, late.send)
        await settle()
        await hub.stop()
        return mishan, leader, late

    mishan, leader, late = run(main())
    assert [m["seq"] for m in mishan.messages] == [0, 1, 2]
    assert [m["seq"] for m in leader.messages] == [0, 1, 2, 3, 4]
    assert late.messages[0]["type"] == "hello" and late.messages[0]["seq"] == 2  # continues from here


def test_a_viewer_never_receives_what_he_may_not_see() -> None:
    towns = ["米山镇", "三甲镇", "神农镇", "巴公镇"]  # 巴公镇 is in 泽州县, not 高平市
    units = {"米山镇": MISHAN, "三甲镇": SANJIA, "神农镇": "神农镇人民政府", "巴公镇": "巴公镇人民政府"}
    rng = random.Random(7)
    rows = []
    for i in range(1, 61):
        town = rng.choice(towns)
        co = (SCJ,) if rng.random() < 0.3 else ()
        rows.append(row(i, town, units[town], co=co))
    viewers = [LIAISON_MISHAN, LIAISON_SANJIA, LIAISON_SCJ, LEADER, LEADER_ZEZHOU,
               Principal(6, "admin", Role.ADMIN), Principal(7, "liaison_none", Role.LIAISON, unit="高平市教育局")]

    async def main() -> dict[str, Inbox]:
        hub = Hub(Db(*rows))
        boxes = {v.username: Inbox() for v in viewers}
        for v in viewers:
            hub.connect(v, boxes[v.username].send)
        for r in rows:
            hub.notify(from_message({"type": "incident.created", "incident_id": r["id"]}))
        await hub.flush()
        await settle()
        await hub.stop()
        return boxes

    boxes = run(main())
    for v in viewers:
        got = {r["id"] for m in boxes[v.username].of("changes") for r in m["incidents"]}
        expected = {r["id"] for r in rows if sees(v, assignment_of(r), ORG)}
        assert got == expected, v.username
    # the matrix is not trivial: some see a part, one sees nothing, the admin everything
    assert 0 < len({r["id"] for m in boxes["liaison_scj"].of("changes") for r in m["incidents"]}) < 60
    assert boxes["liaison_none"].of("changes") == []
    assert len(boxes["admin"].of("changes")[0]["incidents"]) == 60


def test_transfer_away_is_pushed_as_removed_to_who_saw_it_only() -> None:
    async def main() -> None:
        db = Db(row(1, "米山镇", MISHAN))
        hub = Hub(db)
        mishan, sanjia, scj = Inbox(), Inbox(), Inbox()
        hub.connect(LIAISON_MISHAN, mishan.send)
        hub.connect(LIAISON_SANJIA, sanjia.send)
        hub.connect(LIAISON_SCJ, scj.send)
        hub.notify(from_message({"type": "incident.created", "incident_id": 1}))
        await hub.flush()
        db.rows[1] = row(1, "三甲镇", SANJIA)  # transferred (转办) to 三甲镇
        hub.notify(from_message({"type": "incident.updated", "incident_id": 1}))
        await hub.flush()
        await settle()
        assert [m["removed"] for m in mishan.of("changes")] == [[], [1]]
        assert [r["id"] for m in sanjia.of("changes") for r in m["incidents"]] == [1]
        assert scj.of("changes") == []  # never saw it: told nothing, not even the id
        await hub.stop()

    run(main())


def test_snapshot_served_rows_count_as_seen_for_removal() -> None:
    async def main() -> None:
        db = Db(row(1, "米山镇", MISHAN))
        hub = Hub(db)
        hub.remember([db.rows[1]])  # the snapshot served it; the hub never pushed it
        box = Inbox()
        hub.connect(LIAISON_MISHAN, box.send)
        db.rows[1] = row(1, "三甲镇", SANJIA)
        hub.notify(from_message({"type": "incident.updated", "incident_id": 1}))
        await hub.flush()
        await settle()
        assert [m["removed"] for m in box.of("changes")] == [[1]]
        await hub.stop()

    run(main())


def test_a_slow_socket_does_not_delay_the_others_and_overflow_asks_for_resync() -> None:
    async def main() -> None:
        db = Db(row(1, "米山镇", MISHAN))
        hub = Hub(db, queue_size=4)
        slow, fast = Inbox(held=True), Inbox()
        slow_conn = hub.connect(LIAISON_MISHAN, slow.send)
        hub.connect(LIAISON_MISHAN, fast.send)
        for _ in range(10):
            hub.notify(from_message({"type": "incident.updated", "incident_id": 1}))
            await hub.flush()
            await settle()
        assert len(fast.of("changes")) == 10  # every flush reached the fast socket at once
        assert slow.messages == [] and slow_conn.resyncs > 0
        slow.gate.set()  # the slow client catches up: backlog dropped, told to resync
        await settle()
        kinds = [m["type"] for m in slow.messages]
        assert "resync" in kinds and len(kinds) <= 4 + 1  # at most the queue, plus the one being sent
        assert kinds.index("resync") <= 1
        assert json.loads(RESYNC) == {"type": "resync"}
        await hub.stop()

    run(main())


def test_a_dead_socket_is_dropped_and_the_rest_go_on() -> None:
    async def main() -> None:
        db = Db(row(1, "米山镇", MISHAN))
        hub = Hub(db)
        closed: list[int] = []

        async def broken(_text: str) -> None:
            raise ConnectionResetError

        async def close(code: int) -> None:
            closed.append(code)

        hub.connect(LEADER, broken, close)
        ok = Inbox()
        hub.connect(LEADER, ok.send)
        await settle()
        assert len(hub.connections()) == 1 and closed == [4408]
        hub.notify(from_message({"type": "incident.updated", "incident_id": 1}))
        await hub.flush()
        await settle()
        assert len(ok.of("changes")) == 1
        await hub.stop()

    run(main())


def test_escalation_alerts_go_to_supervisors_and_warnings_to_the_unit() -> None:
    async def main() -> tuple[Inbox, Inbox, Inbox]:
        db = Db(row(1, "米山镇", MISHAN), row(2, "巴公镇", "巴公镇人民政府"))
        hub = Hub(db)
        leader, liaison, other = Inbox(), Inbox(), Inbox()
        hub.connect(LEADER, leader.send)
        hub.connect(LIAISON_MISHAN, liaison.send)
        hub.connect(LEADER_ZEZHOU, other.send)
        hub.notify(from_message({"type": "escalation", "incident_id": 1, "step": "warn_50", "label": "提醒", "recipients": [MISHAN]}))
        hub.notify(from_message({"type": "escalation", "incident_id": 1, "step": "urge", "label": "催办", "recipients": ["x"]}))
        await hub.flush()
        await settle()
        await hub.stop()
        return leader, liaison, other

    leader, liaison, other = run(main())
    assert [a["step"] for a in leader.of("alert")] == ["warn_50", "urge"]
    assert [a["step"] for a in liaison.of("alert")] == ["warn_50"]  # 提醒 to the unit; 催办 goes above it
    assert other.of("alert") == [] and other.of("changes") == []  # another county's leader
    assert leader.of("alert")[0]["incident"]["id"] == 1


def test_failed_load_tells_every_client_to_resync() -> None:
    async def main() -> Inbox:
        def broken(_ids: list[int]) -> Loaded:
            raise RuntimeError("database down")

        hub = Hub(broken)
        box = Inbox()
        hub.connect(LEADER, box.send)
        hub.notify(from_message({"type": "incident.updated", "incident_id": 1}))
        await hub.flush()
        await settle()
        await hub.stop()
        return box

    assert [m["type"] for m in run(main()).messages] == ["hello", "resync"]


@pytest.mark.parametrize("window", [5.0])
def test_running_hub_pushes_the_first_change_without_waiting_a_window(window: float) -> None:
    async def main() -> None:
        hub = Hub(Db(row(1, "米山镇", MISHAN)), flush_seconds=window)
        await hub.start()
        box = Inbox()
        hub.connect(LEADER, box.send)
        loop = asyncio.get_running_loop()
        started = loop.time()
        hub.notify_threadsafe(from_message({"type": "incident.created", "incident_id": 1}))
        while not box.of("changes"):
            await asyncio.sleep(0.01)
            assert loop.time() - started < window / 2, "a quiet hub must not hold the first change a window"
        hub.notify(from_message({"type": "incident.updated", "incident_id": 1}))
        await asyncio.sleep(0.2)
        assert len(box.of("changes")) == 1  # the second one waits for the window
        await hub.stop()

    run(main())


def test_changes_found_in_the_database_count_only_when_the_bus_missed_them() -> None:
    async def main() -> tuple[Db, list[bool]]:
        db = Db(row(1, "米山镇", MISHAN), row(2, "米山镇", MISHAN))
        hub = Hub(db)
        hub.connect(LEADER, Inbox().send)
        hub.notify(from_message({"type": "incident.claimed", "incident_id": 1, "at": 100.0}))  # heard on the bus
        await hub.flush()
        taken = [hub.notify_if_missed(from_message({"type": "incident.updated", "incident_id": 1, "at": 99.5})),  # that same change
                 hub.notify_if_missed(from_message({"type": "incident.updated", "incident_id": 2, "at": 50.0}))]  # never heard
        await hub.flush()
        taken.append(hub.notify_if_missed(from_message({"type": "incident.updated", "incident_id": 1, "at": 101.0})))  # a later one
        await hub.flush()
        await hub.stop()
        return db, taken

    db, taken = run(main())
    assert taken == [False, True, True]
    assert db.loads == [[1], [2], [1]]
