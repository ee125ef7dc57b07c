"""escalation alerts: alert, alert_channel, alert_delivery

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 06:30:00
"""
import sqlalchemy as sa
from alembic import op

import service.core.columns

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TS = service.core.columns.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("step_id", sa.Integer(), sa.ForeignKey("escalation_step.id"), nullable=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incident.id"), nullable=False),
        sa.Column("clock", sa.String(length=32), nullable=False),
        sa.Column("clock_label", sa.String(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=16), nullable=False),
        sa.Column("audience_kind", sa.String(length=8), nullable=False),
        sa.Column("audience", sa.String(length=200), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("message", sa.String(), nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("acknowledged_by", sa.String(length=64), nullable=True),
        sa.Column("acknowledged_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key", "audience_kind", "audience", name="uq_alert_key_audience"),
    )
    op.create_index("ix_alert_step_id", "alert", ["step_id"])
    op.create_index("ix_alert_incident_id", "alert", ["incident_id"])
    op.create_index("ix_alert_audience", "alert", ["audience"])
    op.create_index("ix_alert_created_at", "alert", ["created_at"])
    op.create_table(
        "alert_channel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audience_kind", sa.String(length=8), nullable=False),
        sa.Column("audience", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=2000), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("removed_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_alert_channel_audience", "alert_channel", ["audience"])
    op.create_table(
        "alert_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), sa.ForeignKey("alert.id"), nullable=False),
        sa.Column("channel_id", sa.Integer(), sa.ForeignKey("alert_channel.id"), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_attempt_at", TS, nullable=True),
        sa.Column("sent_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("alert_id", "channel_id", name="uq_alert_delivery"),
    )
    op.create_index("ix_alert_delivery_alert_id", "alert_delivery", ["alert_id"])
    op.create_index("ix_alert_delivery_channel_id", "alert_delivery", ["channel_id"])
    op.create_index("ix_alert_delivery_status", "alert_delivery", ["status"])


def downgrade() -> None:
    op.drop_table("alert_delivery")
    op.drop_table("alert_channel")
    op.drop_table("alert")
