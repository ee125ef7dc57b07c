"""review, supervision_notice, digest, digest_delivery

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 09:00:00
"""
import sqlalchemy as sa
from alembic import op

import service.core.columns

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TS = service.core.columns.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incident.id"), nullable=False),
        sa.Column("unit", sa.String(length=200), nullable=False),
        sa.Column("reviewer", sa.String(length=64), nullable=False),
        sa.Column("reviewer_unit", sa.String(length=200), nullable=True),
        sa.Column("timeliness", sa.Integer(), nullable=False),
        sa.Column("accuracy", sa.Integer(), nullable=False),
        sa.Column("authority", sa.Integer(), nullable=False),
        sa.Column("handling", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("comments", sa.String(), nullable=False),
        sa.Column("accountability", sa.Boolean(), nullable=False),
        sa.Column("accountability_ground", sa.String(length=16), nullable=True),
        sa.Column("accountability_note", sa.String(), nullable=True),
        sa.Column("at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("incident_id", "unit", name="uq_review_incident_unit"),
    )
    op.create_index("ix_review_incident_id", "review", ["incident_id"])
    op.create_index("ix_review_unit", "review", ["unit"])
    op.create_index("ix_review_at", "review", ["at"])
    op.create_table(
        "supervision_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incident.id"), nullable=False),
        sa.Column("clock_id", sa.Integer(), sa.ForeignKey("clock.id"), nullable=True),
        sa.Column("units", sa.JSON(), nullable=False),
        sa.Column("requirement", sa.String(), nullable=False),
        sa.Column("issued_by", sa.String(length=64), nullable=False),
        sa.Column("issued_unit", sa.String(length=200), nullable=True),
        sa.Column("issued_at", TS, nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("answered_at", TS, nullable=True),
        sa.Column("answered_by", sa.String(length=64), nullable=True),
        sa.Column("answered_unit", sa.String(length=200), nullable=True),
        sa.Column("answer", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_supervision_notice_incident_id", "supervision_notice", ["incident_id"])
    op.create_index("ix_supervision_notice_due_at", "supervision_notice", ["due_at"])
    op.create_table(
        "digest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audience_kind", sa.String(length=8), nullable=False),
        sa.Column("audience", sa.String(length=200), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("audience_kind", "audience", "day", name="uq_digest_audience_day"),
    )
    op.create_index("ix_digest_audience", "digest", ["audience"])
    op.create_table(
        "digest_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest_id", sa.Integer(), sa.ForeignKey("digest.id"), nullable=False),
        sa.Column("channel_id", sa.Integer(), sa.ForeignKey("alert_channel.id"), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_attempt_at", TS, nullable=True),
        sa.Column("sent_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("digest_id", "channel_id", name="uq_digest_delivery"),
    )
    op.create_index("ix_digest_delivery_digest_id", "digest_delivery", ["digest_id"])
    op.create_index("ix_digest_delivery_channel_id", "digest_delivery", ["channel_id"])
    op.create_index("ix_digest_delivery_status", "digest_delivery", ["status"])


def downgrade() -> None:
    op.drop_table("digest_delivery")
    op.drop_table("digest")
    op.drop_table("supervision_notice")
    op.drop_table("review")
