"""The unit of work: one transaction, and what must follow its commit.

Services write through `uow.session` and note what the commit makes true — events for the
live view (`publish`) and background work (`dispatch`) — but never commit. The edge that owns
the transaction (a view, a job, a sweep phase, a console command) calls `commit()`, which
commits first, then publishes and dispatches: a failure after the commit is tolerated
(service.core.aftercommit) and never undoes the answer, and nothing is published for work
that was rolled back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlmodel import Session

from service.core.bus import publish_many
from service.core.events import Event
from service.core.queue import Call, dispatch
from service.core.settings import Settings


@dataclass
class UnitOfWork:
    session: Session
    settings: Settings
    _events: list[Event] = field(default_factory=list)
    _work: list[tuple[str, list[Call]]] = field(default_factory=list)

    def publish(self, *events: Event) -> None:
        self._events.extend(events)

    def dispatch(self, what: str, calls: Sequence[Call]) -> None:
        if calls:
            self._work.append((what, list(calls)))

    def commit(self) -> None:
        self.session.commit()
        events, work = self._events, self._work
        self._events, self._work = [], []
        publish_many(self.settings, events)
        for what, calls in work:
            dispatch(self.settings, what, calls)

    def rollback(self) -> None:
        self.session.rollback()
        self._events, self._work = [], []
