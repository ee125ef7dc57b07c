"""clock.next_due_at: the time of the clock's next escalation rung (the sweep reads only due ones)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 22:00:00

Existing unmet clocks are placed with the shipped policy's ladder and the rungs they already
fired; after each pass that looks at a clock the sweep places it again with the policy in use.
"""
import sqlalchemy as sa
from alembic import op

import service.core.columns

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TS = service.core.columns.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("clock") as batch:
        batch.add_column(sa.Column("next_due_at", TS, nullable=True))
        batch.create_index("ix_clock_next_due_at", ["next_due_at"], unique=False)
    _place_existing(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("clock") as batch:
        batch.drop_index("ix_clock_next_due_at")
        batch.drop_column("next_due_at")


def _place_existing(conn) -> None:  # noqa: ANN001
    from routing.escalation import next_due
    from routing.policy import load_policy

    rule = load_policy(None).escalation
    clock, step = sa.table("clock", sa.column("id"), sa.column("started_at", TS), sa.column("due_at", TS),
                           sa.column("met_at", TS), sa.column("next_due_at", TS)), \
        sa.table("escalation_step", sa.column("clock_id"), sa.column("step"))
    done: dict[int, set[str]] = {}
    for clock_id, name in conn.execute(sa.select(step.c.clock_id, step.c.step)):
        done.setdefault(clock_id, set()).add(name)
    rows = conn.execute(sa.select(clock.c.id, clock.c.started_at, clock.c.due_at)
                        .where(clock.c.met_at.is_(None))).all()
    values = [{"cid": cid, "at": _placed(next_due, rule, started, due, frozenset(done.get(cid, ())))}
              for cid, started, due in rows]
    stmt = clock.update().where(clock.c.id == sa.bindparam("cid")).values(next_due_at=sa.bindparam("at"))
    for i in range(0, len(values), 5000):
        conn.execute(stmt, values[i:i + 5000])


def _placed(next_due, rule, started, due, done):  # noqa: ANN001, ANN202
    try:
        return next_due(started, due, rule, done)
    except ValueError:  # a clock without a span has no ladder: looked at once by the sweep
        return started
