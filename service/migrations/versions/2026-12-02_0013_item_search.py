"""item_search: the board's full-text search over items (issue 17 part 3)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 05:00:00

item_search holds each item's terms (routing.searchterms: character pairs of Chinese runs,
Latin words). The index is per database: on SQLite an FTS5 external-content table `item_fts`
over item_search.terms, kept in step by triggers; on PostgreSQL a GIN index over the terms as
a tsvector (array_to_tsvector: the lexemes are the terms as they are, no parser or dictionary
between). Existing processed items are indexed here. Objects named item_fts* are outside the
models (service.core.db.MODELLED skips them).
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade() -> None:
    op.create_table(
        "item_search",
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("item.id"), primary_key=True),
        sa.Column("terms", sa.String(), nullable=False),
    )
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        op.execute("CREATE INDEX item_fts_terms ON item_search "
                   "USING gin (array_to_tsvector(string_to_array(terms, ' ')))")
    else:
        op.execute("CREATE VIRTUAL TABLE item_fts USING fts5(terms, content='item_search', content_rowid='item_id',"
                   " tokenize='unicode61 remove_diacritics 0')")
        op.execute("CREATE TRIGGER item_fts_ai AFTER INSERT ON item_search BEGIN "
                   "INSERT INTO item_fts(rowid, terms) VALUES (new.item_id, new.terms); END")
        op.execute("CREATE TRIGGER item_fts_ad AFTER DELETE ON item_search BEGIN "
                   "INSERT INTO item_fts(item_fts, rowid, terms) VALUES ('delete', old.item_id, old.terms); END")
        op.execute("CREATE TRIGGER item_fts_au AFTER UPDATE ON item_search BEGIN "
                   "INSERT INTO item_fts(item_fts, rowid, terms) VALUES ('delete', old.item_id, old.terms); "
                   "INSERT INTO item_fts(rowid, terms) VALUES (new.item_id, new.terms); END")
    _index_existing(conn)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for trigger in ("item_fts_ai", "item_fts_ad", "item_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS item_fts")
    op.drop_table("item_search")


def _index_existing(conn) -> None:  # noqa: ANN001
    from routing.searchterms import index_terms

    item = sa.table("item", sa.column("id"), sa.column("title"), sa.column("text"), sa.column("status"))
    search = sa.table("item_search", sa.column("item_id"), sa.column("terms"))
    last = 0
    while True:
        rows = conn.execute(sa.select(item.c.id, item.c.title, item.c.text).where(item.c.id > last)
                            .where(item.c.status == "processed").order_by(item.c.id).limit(BATCH)).all()
        if not rows:
            return
        conn.execute(search.insert(), [{"item_id": i, "terms": " ".join(index_terms(f"{t or ''} {x or ''}"))}
                                       for i, t, x in rows])
        last = rows[-1][0]
