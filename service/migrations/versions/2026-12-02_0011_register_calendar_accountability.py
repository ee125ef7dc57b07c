"""unit_register, calendar_year, calendar_day (seeded from the `holidays` package),
accountability_record, assessment_result

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-02 05:00:00
"""
import sqlalchemy as sa
from alembic import op

import service.core.columns

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None

TS = service.core.columns.UTCDateTime(timezone=True)
SEED_YEARS = range(2018, 2031)  # those of them the package has a 节假日安排 for (service.calendar.seed)


def upgrade() -> None:
    op.create_table(
        "unit_register",
        sa.Column("unit", sa.String(length=200), nullable=False),
        sa.Column("entry", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("unit"),
    )
    year = op.create_table(
        "calendar_year",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("year"),
    )
    day = op.create_table(
        "calendar_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    op.create_index("ix_calendar_day_year", "calendar_day", ["year"])
    op.create_table(
        "accountability_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=200), nullable=False),
        sa.Column("persons", sa.JSON(), nullable=False),
        sa.Column("ground", sa.String(length=16), nullable=False),
        sa.Column("sanction", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incident.id"), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("notified_at", TS, nullable=False),
        sa.Column("rectify_days", sa.Integer(), nullable=True),
        sa.Column("due_at", TS, nullable=True),
        sa.Column("submitted_at", TS, nullable=True),
        sa.Column("submitted_by", sa.String(length=64), nullable=True),
        sa.Column("report", sa.String(), nullable=True),
        sa.Column("reminded_at", TS, nullable=True),
        sa.Column("overdue_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_accountability_record_unit", "accountability_record", ["unit"])
    op.create_index("ix_accountability_record_incident_id", "accountability_record", ["incident_id"])
    op.create_index("ix_accountability_record_due_at", "accountability_record", ["due_at"])
    op.create_table(
        "assessment_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("grade", sa.String(length=8), nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("record_id", sa.Integer(), sa.ForeignKey("accountability_record.id"), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit", "year", name="uq_assessment_unit_year"),
    )
    op.create_index("ix_assessment_result_unit", "assessment_result", ["unit"])
    _seed(year, day)


def _seed(year: sa.Table, day: sa.Table) -> None:
    from service.calendar.seed import official_years, source
    from service.core.columns import utcnow

    found = official_years(SEED_YEARS)
    now, src = utcnow(), source()
    op.bulk_insert(year, [{"year": y, "source": src, "updated_by": "system", "updated_at": now} for y in found])
    op.bulk_insert(day, [{"day": d.day, "year": y, "kind": d.kind, "name": d.name}
                         for y, days in found.items() for d in days])


def downgrade() -> None:
    op.drop_table("assessment_result")
    op.drop_table("accountability_record")
    op.drop_table("calendar_day")
    op.drop_table("calendar_year")
    op.drop_table("unit_register")
