"""incident_duty, incident_statement, clock.unit: each unit's duty on an incident (issue 15)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 05:00:00

Incidents already open keep their one claim and response; their duties are written the next
time they are re-routed or re-timed (service.incidents.duties.sync_duties).
"""
import sqlalchemy as sa
from alembic import op

import service.core.columns

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TS = service.core.columns.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("clock") as batch:
        batch.add_column(sa.Column("unit", sa.String(), nullable=True))
    op.create_table(
        "incident_duty",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incident.id"), nullable=False),
        sa.Column("unit", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("owes", sa.String(), nullable=False),
        sa.Column("clause", sa.String(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("label", sa.String(), nullable=False),
        sa.Column("clock_kind", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", TS, nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_at", TS, nullable=True),
        sa.Column("met_at", TS, nullable=True),
        sa.Column("met_by", sa.String(length=64), nullable=True),
        sa.Column("met_unit", sa.String(), nullable=True),
        sa.Column("response_id", sa.Integer(), sa.ForeignKey("response.id"), nullable=True),
        sa.Column("statement_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_by", sa.String(length=64), nullable=True),
        sa.Column("confirmed_at", TS, nullable=True),
        sa.Column("reporter", sa.String(), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("note", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("incident_id", "unit", "role", name="uq_incident_duty_unit_role"),
    )
    op.create_index("ix_incident_duty_incident_id", "incident_duty", ["incident_id"])
    op.create_index("ix_incident_duty_unit", "incident_duty", ["unit"])
    op.create_table(
        "incident_statement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incident.id"), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("unit", sa.String(), nullable=True),
        sa.Column("at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_incident_statement_incident_id", "incident_statement", ["incident_id"])


def downgrade() -> None:
    op.drop_index("ix_incident_statement_incident_id", table_name="incident_statement")
    op.drop_table("incident_statement")
    op.drop_index("ix_incident_duty_unit", table_name="incident_duty")
    op.drop_index("ix_incident_duty_incident_id", table_name="incident_duty")
    op.drop_table("incident_duty")
    with op.batch_alter_table("clock") as batch:
        batch.drop_column("unit")
