"""ix_clock_open_due, ix_incident_unit_region, incident.open_due_at: the open clocks, a region's incidents, each incident's next clock due (issue 18 b)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 06:40:00

The board's order (the next breach first), the snapshot and the wallboard read each
incident's earliest open clock; a partial index over the open clocks only (met ones are most
of the table in time), in due order, lets the snapshot and the wall walk them soonest first and
the board group them from the index alone, on PostgreSQL and SQLite.
A region holder's scope (the region rows of incident_unit) is read from its own partial index.

incident.open_due_at is the earliest due_at of the incident's open clocks (NULL: none open),
stored and indexed so the board, the snapshot and the wall walk an index instead of computing it
over 100,000 incidents per page. Triggers on clock keep it: every writer of a clock (the ORM,
Core UPDATEs, ingest's executemany, a migration, psql) goes through them, on both databases,
in the writer's own transaction. The claim's lapse is not stored: claimed_at + the policy's
claim_timeout_hours, a setting that may change; the claimed incidents are walked by claimed_at
(ix_incident_claim, partial on status 'claimed') instead.
"""
import sqlalchemy as sa
from alembic import op

import service.core.columns

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TS = service.core.columns.UTCDateTime(timezone=True)
OPEN = sa.text("met_at IS NULL")
REGION = sa.text("role = 'region'")
CLAIMED = sa.text("status = 'claimed'")
# the stored value of one incident, `ref` naming it (the trigger's NEW/OLD row, or the incident)
EARLIEST = "(SELECT min(c.due_at) FROM clock c WHERE c.incident_id = {ref} AND c.met_at IS NULL)"
SQLITE_TRIGGERS = {  # SQLite: a trigger body is SQL, one per event
    "clock_open_due_ai": "AFTER INSERT ON clock BEGIN {new} END",
    "clock_open_due_au": "AFTER UPDATE OF due_at, met_at, incident_id ON clock BEGIN {new} {old} END",
    "clock_open_due_ad": "AFTER DELETE ON clock BEGIN {old} END",
}
# PostgreSQL: one function for the three events. EXECUTE plans the statement on each call: a
# plan cached while clock was small (a fresh database, a COPY) scans the table on every row
PG_FUNCTION = """
CREATE FUNCTION clock_open_due() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        EXECUTE '{refresh}' USING NEW.incident_id;
    END IF;
    IF TG_OP = 'DELETE' OR OLD.incident_id IS DISTINCT FROM NEW.incident_id THEN
        EXECUTE '{refresh}' USING OLD.incident_id;
    END IF;
    RETURN NULL;
END $$"""


def _refresh(row: str) -> str:
    return f"UPDATE incident SET open_due_at = {EARLIEST.format(ref=f'{row}.incident_id')} WHERE id = {row}.incident_id;"


def upgrade() -> None:
    op.create_index("ix_clock_open_due", "clock", ["due_at", "incident_id"], postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_index("ix_incident_unit_region", "incident_unit", ["unit", "incident_id"], postgresql_where=REGION,
                    sqlite_where=REGION)
    # the triggers' lookup: one incident's open clocks, earliest first (without it PostgreSQL may
    # take min(due_at) by walking ix_clock_open_due until the incident turns up: a scan a row)
    op.create_index("ix_clock_open_incident", "clock", ["incident_id", "due_at"], postgresql_where=OPEN,
                    sqlite_where=OPEN)
    op.add_column("incident", sa.Column("open_due_at", TS, nullable=True))
    op.execute(f"UPDATE incident SET open_due_at = {EARLIEST.format(ref='incident.id')}")
    op.create_index("ix_incident_open_due", "incident", ["open_due_at", "id"])
    op.create_index("ix_incident_claim", "incident", ["claimed_at", "id"], postgresql_where=CLAIMED,
                    sqlite_where=CLAIMED)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION.format(refresh=f"UPDATE incident SET open_due_at = {EARLIEST.format(ref='$1')} "
                                                     "WHERE id = $1"))
        op.execute("CREATE TRIGGER clock_open_due AFTER INSERT OR DELETE OR UPDATE OF due_at, met_at, incident_id "
                   "ON clock FOR EACH ROW EXECUTE FUNCTION clock_open_due()")
    else:
        new, old = _refresh("NEW"), _refresh("OLD")
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body.format(new=new, old=old)}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS clock_open_due ON clock")
        op.execute("DROP FUNCTION IF EXISTS clock_open_due()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index("ix_incident_claim", table_name="incident")
    op.drop_index("ix_incident_open_due", table_name="incident")
    with op.batch_alter_table("incident") as batch:
        batch.drop_column("open_due_at")
    op.drop_index("ix_clock_open_incident", table_name="clock")
    op.drop_index("ix_incident_unit_region", table_name="incident_unit")
    op.drop_index("ix_clock_open_due", table_name="clock")
