"""the alert inbox: inbox_entry, one row per (incident, clock, audience) following its ladder;
filled from the alerts already there

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 05:00:00
"""
import sqlalchemy as sa
from alembic import op

import service.core.columns

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TS = service.core.columns.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "inbox_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incident.id"), nullable=False),
        sa.Column("clock", sa.String(length=32), nullable=False),
        sa.Column("clock_label", sa.String(), nullable=False),
        sa.Column("audience_kind", sa.String(length=8), nullable=False),
        sa.Column("audience", sa.String(length=200), nullable=False),
        sa.Column("alert_id", sa.Integer(), sa.ForeignKey("alert.id"), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=16), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("rungs", sa.Integer(), nullable=False),
        sa.Column("message", sa.String(), nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("opened_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("acknowledged_by", sa.String(length=64), nullable=True),
        sa.Column("acknowledged_at", TS, nullable=True),
        sa.Column("resolved_at", TS, nullable=True),
        sa.Column("resolved_reason", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("incident_id", "clock", "audience_kind", "audience", name="uq_inbox_clock_audience"),
    )
    op.create_index("ix_inbox_entry_incident_id", "inbox_entry", ["incident_id"])
    op.create_index("ix_inbox_entry_audience", "inbox_entry", ["audience"])
    op.create_index("ix_inbox_entry_updated_at", "inbox_entry", ["updated_at"])
    op.create_index("ix_inbox_entry_resolved_at", "inbox_entry", ["resolved_at"])
    _backfill()


def _rank(step: str) -> int:  # as service.alerts.inbox_rules.rank_of (a revision must not import the app)
    if step.startswith("warn_") and step[5:].isdigit():
        return min(int(step[5:]), 99)
    return {"urge": 100, "claim_expired": 100, "supervise": 200, "major": 300}.get(step, 100)


def _backfill() -> None:
    """One entry per (incident, clock, audience) of the alerts already there: the highest rung,
    acknowledged when every rung of it was."""
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT id, incident_id, clock, clock_label, audience_kind, audience, step, label, message, due_at,"
        " created_at, acknowledged_by, acknowledged_at FROM alert ORDER BY id")).mappings().all()
    entries: dict[tuple, dict] = {}
    for r in rows:
        key = (r["incident_id"], r["clock"], r["audience_kind"], r["audience"])
        e = entries.get(key)
        if e is None:
            e = entries[key] = {"incident_id": r["incident_id"], "clock": r["clock"], "audience_kind": r["audience_kind"],
                                "audience": r["audience"], "rank": -1, "rungs": 0, "opened_at": r["created_at"],
                                "all_acked": True}
        e["rungs"] += 1
        e["all_acked"] = e["all_acked"] and r["acknowledged_at"] is not None
        if _rank(r["step"]) >= e["rank"]:
            e.update(rank=_rank(r["step"]), alert_id=r["id"], step=r["step"], label=r["label"], message=r["message"],
                     clock_label=r["clock_label"], due_at=r["due_at"], updated_at=r["created_at"],
                     acknowledged_by=r["acknowledged_by"], acknowledged_at=r["acknowledged_at"])
    table = sa.table("inbox_entry", *(sa.column(c) for c in (
        "incident_id", "clock", "clock_label", "audience_kind", "audience", "alert_id", "step", "label", "rank", "rungs",
        "message", "due_at", "opened_at", "updated_at", "acknowledged_by", "acknowledged_at")))
    values = [{k: v for k, v in e.items() if k != "all_acked"} | ({} if e["all_acked"] else
              {"acknowledged_by": None, "acknowledged_at": None}) for e in entries.values()]
    if values:
        op.bulk_insert(table, values)


def downgrade() -> None:
    op.drop_table("inbox_entry")
