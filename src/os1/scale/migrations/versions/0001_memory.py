"""memory: memories (text, tsvector, pgvector embedding), sources, facts, per user

Revision ID: 0001
Revises:
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UP = """
CREATE EXTENSION IF NOT EXISTS vector;
CREATE TABLE memories (
    user_id TEXT NOT NULL,
    id TEXT NOT NULL,
    seq BIGSERIAL,
    kind TEXT NOT NULL CHECK (kind IN ('turn', 'fact', 'summary', 'insight')),
    text TEXT NOT NULL,
    speaker TEXT NOT NULL DEFAULT '',
    created DOUBLE PRECISION NOT NULL,
    valid_from DOUBLE PRECISION,
    valid_to DOUBLE PRECISION,
    session_id TEXT,
    weight REAL NOT NULL DEFAULT 1.0,
    source_ids JSONB NOT NULL DEFAULT '[]',
    embedding vector(384),
    tsv tsvector GENERATED ALWAYS AS
        (setweight(to_tsvector('english', text), 'A') || to_tsvector('english', speaker)) STORED,
    PRIMARY KEY (user_id, id)
);
CREATE INDEX memories_user_created ON memories (user_id, created);
CREATE INDEX memories_session ON memories (user_id, session_id);
CREATE INDEX memories_tsv ON memories USING gin (tsv);
CREATE INDEX memories_embedding ON memories USING hnsw (embedding vector_cosine_ops);
CREATE TABLE memory_sources (
    user_id TEXT NOT NULL,
    memory_id TEXT NOT NULL,
    source_id TEXT NOT NULL,
    PRIMARY KEY (user_id, memory_id, source_id),
    FOREIGN KEY (user_id, memory_id) REFERENCES memories (user_id, id) ON DELETE CASCADE
);
CREATE INDEX memory_sources_source ON memory_sources (user_id, source_id);
CREATE TABLE facts (
    user_id TEXT NOT NULL,
    id TEXT NOT NULL,
    subject TEXT NOT NULL,
    predicate TEXT NOT NULL,
    value TEXT NOT NULL,
    superseded_by TEXT,
    supersedes TEXT,
    PRIMARY KEY (user_id, id),
    FOREIGN KEY (user_id, id) REFERENCES memories (user_id, id) ON DELETE CASCADE
);
CREATE INDEX facts_key ON facts (user_id, lower(subject), predicate);
"""


def upgrade() -> None:
    op.execute(UP)


def downgrade() -> None:
    op.execute("DROP TABLE facts; DROP TABLE memory_sources; DROP TABLE memories;")
