"""incident.status 'open' (rows from before the workflow, or written by a process that still ran
the old code) becomes 'unclaimed', what the code read it as: the code no longer knows 'open'

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 02:00:00
"""
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE incident SET status = 'unclaimed' WHERE status = 'open'")


def downgrade() -> None:
    pass  # which rows were 'open' is not kept; 'unclaimed' is what every earlier revision's code reads them as
