"""Queries of incident rows shared by several flows (kept here so each is written once)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from service.incidents.models import EscalationStep


def fired_steps(session: Session, clock_ids: list[int]) -> dict[int, frozenset[str]]:
    """The rungs already fired of each clock, in one query."""
    found: dict[int, set[str]] = {}
    if not clock_ids:
        return {}
    for clock_id, step in session.exec(select(EscalationStep.clock_id, EscalationStep.step)
                                       .where(col(EscalationStep.clock_id).in_(clock_ids))).all():
        found.setdefault(clock_id, set()).add(step)
    return {k: frozenset(v) for k, v in found.items()}
