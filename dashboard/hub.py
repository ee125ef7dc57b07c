"""The live hub: gathers incident change events and pushes each viewer what he may see.

Pushing every event to every socket costs the event loop about 25 ms per 500 sockets, so
at 1,000 items/s it cannot keep up. Instead the hub collects the changed incident ids for
`flush_seconds`, loads those incidents once (in a thread: the loop keeps serving), and for
each viewer *scope* — (role, unit, region), which is all `access.sees` looks at — decides
visibility and encodes the JSON once. Every socket of that scope gets the same text through
its own bounded queue and sender task, so a slow socket delays nobody; one that falls
`queue_size` messages behind loses its backlog and is told to resync from the snapshot.

Messages (JSON text frames; keys of a row whose value is null are left out):
- `{"type": "hello", "seq", "viewer", "flush_seconds"}` on connect (`seq`: the last one sent);
- `{"type": "changes", "seq", "incidents": [rows of dashboard.snapshot], "removed": [ids]}` —
  `removed` names incidents this scope saw before and no longer may (re-routed, transferred);
  each row has `changed_at`, the earliest change it carries (epoch seconds);
- `{"type": "alert", "seq", "incident_id", "step", "label", "recipients", "at", "incident"}`
  for escalations, to supervisors (leaders, coordinators, admin) who see the incident, and
  the 提醒 (warn) rungs also to the handling units;
- `{"type": "resync"}`: something may have been lost; reload `GET /api/dashboard/snapshot`;
- `{"type": "pong"}` answers a client's text frame `ping`.
`seq` counts the messages of one scope, so a socket sees it rise by one per message; a gap
means messages were lost (the client resyncs).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Awaitable, Callable, Collection, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog

from service.auth.rules import Assignment, Principal, Role, assignment_of, sees
from service.core.events import EscalationEvent, Event, IncidentEvent, SessionEnded

if TYPE_CHECKING:  # the hub itself runs without the database
    from dashboard.snapshot import Loaded

log = structlog.get_logger()
RESYNC = json.dumps({"type": "resync"})
SESSION_CLOSE_CODE = 4401
SUPERVISORS = frozenset({Role.LEADER, Role.COORDINATOR, Role.ADMIN})


@dataclass(frozen=True)
class Scope:
    """What of a viewer decides visibility: sockets with equal scopes get equal messages."""

    role: Role
    unit: str | None
    region: str | None

    @classmethod
    def of(cls, viewer: Principal) -> Scope:
        return cls(viewer.role, viewer.unit, viewer.region)

    def viewer(self) -> Principal:
        return Principal(user_id=0, username="", role=self.role, unit=self.unit, region=self.region)


def addressed(scope: Scope, event: EscalationEvent) -> bool:
    """Whether an escalation alert is for this scope (given it sees the incident)."""
    return scope.role in SUPERVISORS or (scope.role is Role.LIAISON and event.step.startswith("warn_"))


def _dumps(message: object) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


class FlushStats:
    """What flushing costs, logged every `every` seconds (ops: is the hub keeping up?)."""

    def __init__(self, every: float = 10.0) -> None:
        self.every, self.flushes, self.total_flushes = every, 0, 0
        self.busy = self.worst = self.worst_age = 0.0
        self.incidents = self.messages = 0
        self._since = time.monotonic()

    def add(self, seconds: float, age: float, incidents: int, messages: int, sockets: int) -> None:
        self.flushes += 1
        self.total_flushes += 1
        self.busy += seconds
        self.worst, self.worst_age = max(self.worst, seconds), max(self.worst_age, age)
        self.incidents, self.messages = self.incidents + incidents, self.messages + messages
        if time.monotonic() - self._since >= self.every:
            log.info("live.stats", flushes=self.flushes, busy_s=round(self.busy, 3), worst_flush_s=round(self.worst, 3),
                     oldest_change_s=round(self.worst_age, 3), incidents=self.incidents, messages=self.messages,
                     sockets=sockets)
            self.flushes, self.busy, self.worst, self.worst_age, self.incidents, self.messages = 0, 0.0, 0.0, 0.0, 0, 0
            self._since = time.monotonic()


class Connection:
    """One socket: a bounded queue drained by its own sender task."""

    def __init__(self, hub: Hub, viewer: Principal, send: Callable[[str], Awaitable[None]],
                 close: Callable[[int], Awaitable[None]] | None, maxsize: int, send_timeout: float,
                 login_id: int | None = None) -> None:
        self.hub, self.viewer, self.scope, self.login_id = hub, viewer, Scope.of(viewer), login_id
        self.queue: asyncio.Queue[str] = asyncio.Queue(maxsize)
        self._send, self._close, self._send_timeout = send, close, send_timeout
        self.sent = 0
        self.resyncs = 0  # times its backlog overflowed
        self.task = asyncio.create_task(self._pump())

    def offer(self, text: str) -> None:
        try:
            self.queue.put_nowait(text)
        except asyncio.QueueFull:
            # cannot keep up: drop the backlog rather than hold memory or slow the others
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(RESYNC)
            self.resyncs += 1

    async def _pump(self) -> None:
        try:
            while True:
                text = await self.queue.get()
                async with asyncio.timeout(self._send_timeout):
                    await self._send(text)
                self.sent += 1
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.info("live.socket_dropped", user=self.viewer.username, error=type(exc).__name__)
            self.hub.disconnect(self)
            if self._close is not None:
                try:
                    await self._close(4408)
                except Exception:
                    pass

    def stop(self) -> None:
        if self.task is not asyncio.current_task():
            self.task.cancel()

    async def end(self, code: int) -> None:
        """Close the socket now (its login ended): nothing more is sent to it."""
        self.hub.disconnect(self)
        if self._close is not None:
            try:
                await self._close(code)
            except Exception:
                pass


class Hub:
    def __init__(self, load: Callable[[list[int]], Loaded], *, flush_seconds: float = 0.25, queue_size: int = 32,
                 send_timeout: float = 10.0, known_max: int = 100_000) -> None:
        """`load(ids)` (blocking; run in a thread) returns the `rows` (id → row of
        dashboard.snapshot.load_rows) and the `org` (the OrgChart that visibility is judged by)."""
        self.load, self.flush_seconds, self.queue_size = load, flush_seconds, queue_size
        self.send_timeout = send_timeout
        self._seqs: dict[Scope, int] = defaultdict(int)  # per scope: messages built so far
        self._conns: dict[Scope, set[Connection]] = defaultdict(set)
        self._pending: dict[int, float] = {}  # incident id → earliest unsent change time
        self._alerts: list[EscalationEvent] = []
        # last assignment pushed or served per incident: a change that takes an incident out
        # of a scope's sight is sent to that scope as `removed`
        self._known: OrderedDict[int, Assignment] = OrderedDict()
        self._known_max = known_max
        self._known_lock = threading.Lock()
        self._heard: OrderedDict[int, float] = OrderedDict()  # incident id → newest event time heard
        self._dirty = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task | None = None
        self.stats = FlushStats()

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        for conns in list(self._conns.values()):
            for conn in list(conns):
                self.disconnect(conn)

    # -- input -----------------------------------------------------------------------------
    def notify(self, event: Event) -> None:
        """Take one bus event (on the loop's thread)."""
        if isinstance(event, SessionEnded):
            self.end_sessions(set(event.sessions), {event.username} - {None})
            return
        incident_id = event.incident_id
        if not isinstance(incident_id, int):  # an audit entry of no incident
            return
        at = float(event.at or time.time())
        self._heard[incident_id] = max(at, self._heard.get(incident_id, at))
        self._heard.move_to_end(incident_id)
        if len(self._heard) > self._known_max:
            self._heard.popitem(last=False)
        self._pending[incident_id] = min(at, self._pending.get(incident_id, at))
        if isinstance(event, EscalationEvent):
            self._alerts.append(event)
        self._dirty.set()

    def notify_if_missed(self, event: IncidentEvent) -> bool:
        """Take a change found in the database (the audit log) unless an event at or after it
        was heard already: the bus is the fast path, the database the one that misses nothing."""
        heard = self._heard.get(event.incident_id)
        if heard is not None and heard >= float(event.at or 0):
            return False
        self.notify(event)
        return True

    def notify_threadsafe(self, event: Event) -> None:
        """Take an event from any thread (publish runs in request threads and jobs)."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.notify, event)

    def remember(self, rows: Iterable[dict]) -> None:
        """Note what a viewer was just served (the snapshot), from any thread."""
        with self._known_lock:
            for row in rows:
                self._remember(row["id"], assignment_of(row))

    def _remember(self, incident_id: int, a: Assignment) -> None:
        self._known[incident_id] = a
        self._known.move_to_end(incident_id)
        while len(self._known) > self._known_max:
            self._known.popitem(last=False)

    # -- sockets ---------------------------------------------------------------------------
    def connect(self, viewer: Principal, send: Callable[[str], Awaitable[None]],
                close: Callable[[int], Awaitable[None]] | None = None, login_id: int | None = None) -> Connection:
        conn = Connection(self, viewer, send, close, self.queue_size, self.send_timeout, login_id)
        self._conns[conn.scope].add(conn)
        conn.offer(_dumps({"type": "hello", "seq": self._seqs[conn.scope], "flush_seconds": self.flush_seconds,
                           "viewer": {"username": viewer.username, "role": str(viewer.role), "unit": viewer.unit,
                                      "region": viewer.region}}))
        return conn

    def disconnect(self, conn: Connection) -> None:
        conns = self._conns.get(conn.scope)
        if conns is not None:
            conns.discard(conn)
            if not conns:
                del self._conns[conn.scope]
        conn.stop()

    def end_sessions(self, login_ids: Collection[int] = frozenset(),
                     usernames: Collection[str | None] = frozenset()) -> int:
        """Close at once the sockets of these login sessions and of these users (on the
        loop's thread): sign-out and account disable end the live push too."""
        ended = [c for c in self.connections() if (c.login_id is not None and c.login_id in login_ids)
                 or c.viewer.username in usernames]
        for conn in ended:
            asyncio.ensure_future(conn.end(SESSION_CLOSE_CODE))
        return len(ended)

    def seq_of(self, viewer: Principal) -> int:
        return self._seqs.get(Scope.of(viewer), 0)

    def connections(self) -> list[Connection]:
        return [c for conns in self._conns.values() for c in conns]

    def resync_all(self) -> None:
        """Events may have been missed (bus reconnect, failed flush): every client reloads."""
        for conn in self.connections():
            conn.offer(RESYNC)

    # -- flushing --------------------------------------------------------------------------
    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        last = float("-inf")
        while True:
            await self._dirty.wait()
            # the first change after a quiet spell goes out at once; under load, once a window
            delay = last + self.flush_seconds - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            last = loop.time()
            await self.flush()

    async def flush(self) -> None:
        """Push everything gathered so far (one round)."""
        self._dirty.clear()
        changes, self._pending = self._pending, {}
        alerts, self._alerts = self._alerts, []
        scopes = [s for s, conns in self._conns.items() if conns]
        if not changes or not scopes:
            return
        started = time.perf_counter()
        try:
            out = await asyncio.to_thread(self.prepare, changes, alerts, scopes)
        except Exception:
            log.exception("live.flush_failed", incidents=len(changes))
            self.resync_all()
            return
        for scope, texts in out.items():
            for conn in list(self._conns.get(scope, ())):
                for text in texts:
                    conn.offer(text)
        self.stats.add(time.perf_counter() - started, time.time() - min(changes.values()), len(changes),
                       sum(len(t) for t in out.values()), len(self.connections()))

    def prepare(self, changes: dict[int, float], alerts: list[EscalationEvent],
                scopes: list[Scope]) -> dict[Scope, list[str]]:
        """Load the changed incidents once and build each scope's messages (blocking)."""
        loaded = self.load(sorted(changes))
        rows, org = loaded.rows, loaded.org
        assignments = {i: assignment_of(row) for i, row in rows.items()}
        with self._known_lock:
            before = {i: self._known.get(i) for i in changes}
            for i, a in assignments.items():
                self._remember(i, a)
        for i, row in rows.items():
            row["changed_at"] = changes[i]
        # many incidents share an assignment (a township's matters): number the distinct ones
        # and ask `sees` once per (scope, assignment); hashing assignments per row and scope
        # cost more than everything else here
        distinct: dict[Assignment | None, int] = {None: 0}
        now_of = {i: distinct.setdefault(a, len(distinct)) for i, a in assignments.items()}
        before_of = {i: distinct.setdefault(before[i], len(distinct)) for i in changes}
        ordered = sorted(rows)
        encoded: dict[tuple[int, ...], str] = {}  # scopes that see the same rows share their JSON
        out: dict[Scope, list[str]] = {}
        for scope in scopes:
            viewer = scope.viewer()
            verdict = [a is not None and sees(viewer, a, org) for a in distinct]
            ids = tuple(i for i in ordered if verdict[now_of[i]])
            removed = [i for i in sorted(changes) if verdict[before_of[i]] and not verdict[now_of.get(i, 0)]]
            texts = []
            if ids or removed:
                if ids not in encoded:
                    encoded[ids] = _dumps([rows[i] for i in ids])
                texts.append(f'{{"seq":{self._next_seq(scope)},"type":"changes","incidents":{encoded[ids]},'
                             f'"removed":{_dumps(removed)}}}')
            seen = set(ids) if alerts else set()
            for event in alerts:
                if event.incident_id in seen and addressed(scope, event):
                    texts.append(_dumps({"seq": self._next_seq(scope), "type": "alert", "incident_id": event.incident_id,
                                         "step": event.step, "label": event.label,
                                         "recipients": list(event.recipients), "at": event.at,
                                         "incident": rows[event.incident_id]}))
            if texts:
                out[scope] = texts
        return out

    def _next_seq(self, scope: Scope) -> int:
        self._seqs[scope] += 1  # only the flushing thread writes while a flush runs
        return self._seqs[scope]
