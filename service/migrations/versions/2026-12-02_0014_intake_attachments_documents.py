"""舆情报送 (item.link, item.reported_by), attachments, 督办单 as a document (文号, 签收) and the
文号 counter

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 05:00:00
"""
import sqlalchemy as sa
from alembic import op

import service.core.columns

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TS = service.core.columns.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("item") as batch:
        batch.add_column(sa.Column("link", sa.String(length=2000), nullable=True))
        batch.add_column(sa.Column("reported_by", sa.String(length=64), nullable=True))
    with op.batch_alter_table("supervision_notice") as batch:
        batch.add_column(sa.Column("doc_no", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("doc_region", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("doc_year", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("doc_seq", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("signed_at", TS, nullable=True))
        batch.add_column(sa.Column("signed_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("signed_unit", sa.String(length=200), nullable=True))
        batch.create_unique_constraint("uq_supervision_notice_doc_no", ["doc_no"])
    op.create_table(
        "supervision_counter",
        sa.Column("region", sa.String(length=200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("region", "year"),
    )
    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=16), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incident.id"), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("mime", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        sa.Column("uploaded_unit", sa.String(length=200), nullable=True),
        sa.Column("at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_attachment_owner", "attachment", ["owner", "owner_id"])
    op.create_index("ix_attachment_incident_id", "attachment", ["incident_id"])


def downgrade() -> None:
    op.drop_index("ix_attachment_incident_id", table_name="attachment")
    op.drop_index("ix_attachment_owner", table_name="attachment")
    op.drop_table("attachment")
    op.drop_table("supervision_counter")
    with op.batch_alter_table("supervision_notice") as batch:
        batch.drop_constraint("uq_supervision_notice_doc_no", type_="unique")
        for name in ("signed_unit", "signed_by", "signed_at", "doc_seq", "doc_year", "doc_region", "doc_no"):
            batch.drop_column(name)
    with op.batch_alter_table("item") as batch:
        batch.drop_column("reported_by")
        batch.drop_column("link")
