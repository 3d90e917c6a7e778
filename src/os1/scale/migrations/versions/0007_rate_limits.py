"""login and sign-up rate limits shared by every server process

Each attempt is a row (which limiter, whose key, when); a limiter counts the rows of its key
inside its window, so five wrong passwords are five wherever they were tried.

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE rate_hits (
        limiter TEXT NOT NULL,
        key TEXT NOT NULL,
        ts DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX rate_hits_key ON rate_hits (limiter, key, ts);
    """)


def downgrade() -> None:
    op.execute("DROP TABLE rate_hits;")
