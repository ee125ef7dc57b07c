"""item.signals: spread counters (reposts, comments, likes, views) as the source gives them

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # server default '{}' so items stored before this revision are valid (no signals)
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signals", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))


def downgrade() -> None:
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.drop_column("signals")
