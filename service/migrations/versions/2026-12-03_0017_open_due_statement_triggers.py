"""incident.open_due_at kept by statement-level triggers on PostgreSQL (issue 18)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 13:50:00

Migration 0016's row trigger planned and ran one UPDATE of the incident per clock row written:
a new incident's three clocks updated its row three times, inside ingest's grouping lock, about
0.3 ms a clock — end to end, ingest lost ≈ 8 % (bench/README, issue 18). On PostgreSQL the
triggers now fire once per statement and refresh each touched incident once, from the
statement's transition tables (a COPY or executemany of a batch's clocks: one UPDATE). An
UPDATE of clock refreshes only the incidents whose clocks changed due_at, met_at or incident
(the sweep's next_due_at writes touch none). PostgreSQL allows transition tables only on a
trigger of one event without a column list: three triggers. SQLite keeps 0016's row triggers
(it has no statement triggers; the embedded default is not the scale deployment).
"""
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# each touched incident's earliest open clock, `ids` a query of the touched incident ids
REFRESH = ("UPDATE incident SET open_due_at = (SELECT min(c.due_at) FROM clock c "
           "WHERE c.incident_id = incident.id AND c.met_at IS NULL) WHERE incident.id IN ({ids})")
TOUCHED = {
    "insert": "SELECT incident_id FROM new_clock",
    "delete": "SELECT incident_id FROM old_clock",
    "update": ("SELECT x.incident_id FROM new_clock n JOIN old_clock o ON o.id = n.id, "
               "LATERAL (VALUES (n.incident_id), (o.incident_id)) AS x(incident_id) "
               "WHERE n.due_at IS DISTINCT FROM o.due_at OR n.met_at IS DISTINCT FROM o.met_at "
               "OR n.incident_id <> o.incident_id"),
}
TABLES = {"insert": "NEW TABLE AS new_clock", "delete": "OLD TABLE AS old_clock",
          "update": "OLD TABLE AS old_clock NEW TABLE AS new_clock"}
# static SQL in plpgsql caches its plan, and one cached while clock was small would scan it:
# EXECUTE plans each statement's refresh afresh (once a statement, not once a row)
FUNCTION = """
CREATE FUNCTION clock_open_due_{event}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE '{refresh}';
    RETURN NULL;
END $$"""
ROW_FUNCTION = """
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


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER clock_open_due ON clock")
    op.execute("DROP FUNCTION clock_open_due()")
    for event, ids in TOUCHED.items():
        op.execute(FUNCTION.format(event=event, refresh=REFRESH.format(ids=ids)))
        op.execute(f"CREATE TRIGGER clock_open_due_{event} AFTER {event.upper()} ON clock "
                   f"REFERENCING {TABLES[event]} FOR EACH STATEMENT EXECUTE FUNCTION clock_open_due_{event}()")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for event in TOUCHED:
        op.execute(f"DROP TRIGGER clock_open_due_{event} ON clock")
        op.execute(f"DROP FUNCTION clock_open_due_{event}()")
    op.execute(ROW_FUNCTION.format(refresh=REFRESH.format(ids="$1")))
    op.execute("CREATE TRIGGER clock_open_due AFTER INSERT OR DELETE OR UPDATE OF due_at, met_at, incident_id "
               "ON clock FOR EACH ROW EXECUTE FUNCTION clock_open_due()")
