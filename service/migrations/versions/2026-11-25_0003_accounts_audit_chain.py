"""accounts, login sessions, hash-chained append-only audit log

Revision ID: 0003
Revises: 0002

Existing audit rows are chained here, in id order per incident, as if they had been written
with the chain: verify then covers the whole history from the first entry instead of
trusting an unverifiable "genesis" mark (one pass over the table, at upgrade time only).
"""
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

import service.core.columns

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# PostgreSQL: the log is append-only for everyone who is not the table owner dropping this
# trigger on purpose — the application, a console session or a bad migration can only
# INSERT. Dropping or disabling it needs owner rights, and `yuqing audit verify` still shows
# any edit made that way, because the hashes no longer match.
PG_TRIGGER = """
CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_entry is append-only: % refused', TG_OP;
END $$;
CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();
CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only();
"""
# SQLite has no roles; the same refusal stops accidents (sqlite3 shell, stray code)
SQLITE_TRIGGERS = (
    "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
    "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only: UPDATE refused'); END",
    "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry "
    "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only: DELETE refused'); END",
)


def upgrade() -> None:
    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("unit", sa.String(), nullable=True),
        sa.Column("region", sa.String(), nullable=True),
        sa.Column("password_hash", sa.String(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", service.core.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", service.core.columns.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_user_account_username", "user_account", ["username"], unique=True)
    op.create_table(
        "login_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", service.core.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", service.core.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", service.core.columns.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_login_session_token_hash", "login_session", ["token_hash"], unique=True)
    op.create_index("ix_login_session_user_id", "login_session", ["user_id"])

    with op.batch_alter_table("audit_entry") as batch:
        batch.add_column(sa.Column("chain", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("seq", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=False, server_default=""))
        batch.add_column(sa.Column("hash", sa.String(length=64), nullable=False, server_default=""))
    _chain_existing_rows()
    with op.batch_alter_table("audit_entry") as batch:
        batch.create_unique_constraint("uq_audit_chain_seq", ["chain", "seq"])

    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_TRIGGER)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def _chain_existing_rows() -> None:
    from service.audit.chain import GENESIS, SYSTEM_CHAIN, entry_hash
    from service.audit.models import AuditEntry

    conn = op.get_bind()
    t = sa.table("audit_entry", sa.column("id"), sa.column("incident_id"), sa.column("item_id"),
                 sa.column("actor"), sa.column("action"), sa.column("detail", sa.JSON()),
                 sa.column("at", service.core.columns.UTCDateTime()), sa.column("chain"), sa.column("seq"),
                 sa.column("prev_hash"), sa.column("hash"))
    tails: dict[int, tuple[int, str]] = defaultdict(lambda: (0, GENESIS))
    rows = conn.execute(sa.select(t.c.id, t.c.incident_id, t.c.item_id, t.c.actor, t.c.action, t.c.detail, t.c.at)
                        .order_by(t.c.id)).all()
    for r in rows:
        chain = r.incident_id or SYSTEM_CHAIN
        seq, prev = tails[chain]
        e = AuditEntry(incident_id=r.incident_id, item_id=r.item_id, actor=r.actor, action=r.action,
                       detail=r.detail or {}, at=r.at, chain=chain, seq=seq + 1)
        h = entry_hash(e, prev)
        conn.execute(t.update().where(t.c.id == r.id).values(chain=chain, seq=seq + 1, prev_hash=prev, hash=h))
        tails[chain] = (seq + 1, h)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_entry_no_truncate ON audit_entry")
        op.execute("DROP TRIGGER audit_entry_append_only ON audit_entry")
        op.execute("DROP FUNCTION audit_entry_append_only()")
    else:
        op.execute("DROP TRIGGER audit_entry_no_update")
        op.execute("DROP TRIGGER audit_entry_no_delete")
    with op.batch_alter_table("audit_entry") as batch:
        batch.drop_constraint("uq_audit_chain_seq", type_="unique")
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
        batch.drop_column("seq")
        batch.drop_column("chain")
    op.drop_index("ix_login_session_user_id", "login_session")
    op.drop_index("ix_login_session_token_hash", "login_session")
    op.drop_table("login_session")
    op.drop_index("ix_user_account_username", "user_account")
    op.drop_table("user_account")
