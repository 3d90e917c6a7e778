"""what os1 said on its own initiative, of every user (os1.initiative.messages)

The same table each home keeps in its SQLite file, keyed by user, so a message a worker or
another server posted is seen through every home of the user. ``seq`` keeps the order of
posting among messages of the same time (SQLite's rowid).

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE initiative_messages (
        user_id TEXT NOT NULL,
        seq BIGSERIAL NOT NULL,
        id TEXT NOT NULL,
        key TEXT NOT NULL,
        kind TEXT NOT NULL,
        text TEXT NOT NULL,
        reason TEXT NOT NULL,
        approval_id TEXT NOT NULL DEFAULT '',
        created DOUBLE PRECISION NOT NULL,
        seen BOOLEAN NOT NULL DEFAULT false,
        PRIMARY KEY (user_id, id)
    );
    CREATE UNIQUE INDEX initiative_messages_key ON initiative_messages (user_id, key);
    CREATE INDEX initiative_messages_created ON initiative_messages (user_id, created);
    """)


def downgrade() -> None:
    op.execute("DROP TABLE initiative_messages;")
