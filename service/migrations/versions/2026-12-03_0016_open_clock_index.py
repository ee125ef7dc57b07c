"""ix_clock_open_due, ix_incident_unit_region: the open clocks, a region's incidents (issue 18 b)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 06:40:00

The board's order (the next breach first), the snapshot and the wallboard read each
incident's earliest open clock; a partial index over the open clocks only (met ones are most
of the table in time), in due order, lets the snapshot and the wall walk them soonest first and
the board group them from the index alone, on PostgreSQL and SQLite.
A region holder's scope (the region rows of incident_unit) is read from its own partial index.
"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

OPEN = sa.text("met_at IS NULL")
REGION = sa.text("role = 'region'")


def upgrade() -> None:
    op.create_index("ix_clock_open_due", "clock", ["due_at", "incident_id"], postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_index("ix_incident_unit_region", "incident_unit", ["unit", "incident_id"], postgresql_where=REGION,
                    sqlite_where=REGION)


def downgrade() -> None:
    op.drop_index("ix_incident_unit_region", table_name="incident_unit")
    op.drop_index("ix_clock_open_due", table_name="clock")
