"""ix_clock_open_due: the open clocks by incident and due time (issue 18 b)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 06:40:00

The board's order (the next breach first), the snapshot and the wallboard read each
incident's earliest open clock; a partial index over the open clocks only (met ones are
most of the table in time) lets that be one index-only read of it on PostgreSQL and SQLite.
"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

OPEN = sa.text("met_at IS NULL")


def upgrade() -> None:
    op.create_index("ix_clock_open_due", "clock", ["incident_id", "due_at"], postgresql_where=OPEN, sqlite_where=OPEN)


def downgrade() -> None:
    op.drop_index("ix_clock_open_due", table_name="clock")
