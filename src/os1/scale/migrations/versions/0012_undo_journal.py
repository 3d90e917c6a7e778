"""the undo journal of every user (os1.skills.journal)

The same table each home keeps in its SQLite file, keyed by user, so an action recorded through
one home (a server, a worker) can be undone through any other home of the user, once. ``seq``
keeps the order of recording among entries of the same time (SQLite's rowid).

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE undo_journal (
        user_id TEXT NOT NULL,
        seq BIGSERIAL NOT NULL,
        id TEXT NOT NULL,
        ts DOUBLE PRECISION NOT NULL,
        kind TEXT NOT NULL,
        summary TEXT NOT NULL,
        payload TEXT NOT NULL,
        undone DOUBLE PRECISION,
        PRIMARY KEY (user_id, id)
    );
    CREATE INDEX undo_journal_ts ON undo_journal (user_id, ts);
    """)


def downgrade() -> None:
    op.execute("DROP TABLE undo_journal;")
