"""the mood's history of every user (os1.mind.affect), so every server shows the same mood

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE affect_history (
        user_id TEXT NOT NULL,
        id BIGSERIAL,
        ts DOUBLE PRECISION NOT NULL,
        valence DOUBLE PRECISION NOT NULL,
        arousal DOUBLE PRECISION NOT NULL,
        mood TEXT NOT NULL,
        user_valence DOUBLE PRECISION NOT NULL DEFAULT 0,
        tags TEXT NOT NULL DEFAULT '',
        cause TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (user_id, id)
    );
    CREATE INDEX affect_history_ts ON affect_history (user_id, ts);
    """)


def downgrade() -> None:
    op.execute("DROP TABLE affect_history;")
