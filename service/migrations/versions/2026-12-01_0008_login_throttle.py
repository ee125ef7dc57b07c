"""login_throttle: failed sign-ins per account name and per source address, with growing
delays instead of a hard lock (issue 12 rows 4 and 5); audit chains' creation markers in
chain 0 for the chains that exist already (row 8)

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-01 22:00:00
"""
import sqlalchemy as sa
from alembic import op

import service.core.columns

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TS = service.core.columns.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_at", TS, nullable=False),
        sa.Column("last_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    from service.audit.chain import mark_existing_chains

    mark_existing_chains(op.get_bind())


def downgrade() -> None:
    op.drop_table("login_throttle")  # the chain markers stay: the audit log is append-only
