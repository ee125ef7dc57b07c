"""incident workflow: claim/response/return columns, response table, incident_unit index

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 06:00:00
"""
import sqlalchemy as sa
from alembic import op

import service.core.columns

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

def new_columns() -> list[sa.Column]:
    return [
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_unit", sa.String(), nullable=True),
        sa.Column("claimed_at", service.core.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("responded_at", service.core.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", service.core.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("merged_into", sa.Integer(), nullable=True),
        sa.Column("returned_by", sa.String(length=64), nullable=True),
        sa.Column("returned_unit", sa.String(), nullable=True),
        sa.Column("returned_at", service.core.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("return_grounds", sa.String(), nullable=True),
        sa.Column("claim_expired_at", service.core.columns.UTCDateTime(timezone=True), nullable=True),
    ]


def upgrade() -> None:
    with op.batch_alter_table("incident") as batch:
        for column in new_columns():
            batch.add_column(column)
        batch.create_index("ix_incident_claimed_by", ["claimed_by"])
    op.create_table(
        "incident_unit",
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incident.id"), nullable=False),
        sa.Column("unit", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("incident_id", "unit", "role"),
    )
    op.create_index("ix_incident_unit_unit", "incident_unit", ["unit", "incident_id"])
    op.create_table(
        "response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incident.id"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("link", sa.String(length=2000), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("unit", sa.String(), nullable=True),
        sa.Column("at", service.core.columns.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_response_incident_id", "response", ["incident_id"])
    op.execute("UPDATE incident SET status = 'unclaimed' WHERE status = 'open'")
    _backfill_units()


def _backfill_units() -> None:
    """incident_unit from the incidents' JSON lists (the rows service.incidents.units writes)."""
    incident = sa.table("incident", sa.column("id"), sa.column("level_region"), sa.column("regions", sa.JSON),
                        sa.column("first_responsible", sa.JSON), sa.column("co_responsible", sa.JSON),
                        sa.column("lead"))
    target = sa.table("incident_unit", sa.column("incident_id"), sa.column("unit"), sa.column("role"))
    conn = op.get_bind()
    rows = []
    for r in conn.execute(sa.select(incident)).mappings():
        rows += [{"incident_id": r["id"], "unit": u, "role": role} for u, role in unit_rows(
            r["level_region"], r["regions"] or [], r["first_responsible"] or [], r["co_responsible"] or [], r["lead"])]
        if len(rows) >= 5000:
            conn.execute(target.insert(), rows)
            rows = []
    if rows:
        conn.execute(target.insert(), rows)


def unit_rows(level_region, regions, first, co, lead):  # noqa: ANN001, ANN201 — frozen copy for this revision
    pairs = [*((u, "first") for u in first), *((u, "co") for u in co), *(((lead, "lead"),) if lead else ()),
             *((r, "region") for r in (level_region, *regions) if r)]
    return list(dict.fromkeys((name[:200], role) for name, role in pairs))


def downgrade() -> None:
    op.execute("UPDATE incident SET status = 'open' WHERE status <> 'closed'")
    op.drop_index("ix_response_incident_id", table_name="response")
    op.drop_table("response")
    op.drop_index("ix_incident_unit_unit", table_name="incident_unit")
    op.drop_table("incident_unit")
    with op.batch_alter_table("incident") as batch:
        batch.drop_index("ix_incident_claimed_by")
        for column in reversed(new_columns()):
            batch.drop_column(column.name)
