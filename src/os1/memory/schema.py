"""Tables of the memory store (migration steps for ``db.migrate("memory", STEPS)``).

``memories`` holds everything recall can return (turns, facts, summaries, insights) with its
vector; ``memory_fts`` is its full-text index, kept in step by triggers; ``memory_sources``
says which memory came from which (the cascade ``forget`` follows); ``facts`` adds the
subject/predicate/value and the supersession chain to fact rows.
"""

from __future__ import annotations

STEPS = [
    """
    CREATE TABLE memories (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ('turn', 'fact', 'summary', 'insight')),
        text TEXT NOT NULL,
        speaker TEXT NOT NULL DEFAULT '',
        created REAL NOT NULL,
        valid_from REAL,
        valid_to REAL,
        session_id TEXT,
        weight REAL NOT NULL DEFAULT 1.0,
        source_ids TEXT NOT NULL DEFAULT '[]',
        vector BLOB
    );
    CREATE INDEX memories_kind_created ON memories(kind, created);
    CREATE INDEX memories_session ON memories(session_id);
    CREATE TABLE memory_sources (
        memory_id TEXT NOT NULL REFERENCES memories(id) ON DELETE CASCADE,
        source_id TEXT NOT NULL,
        PRIMARY KEY (memory_id, source_id)
    );
    CREATE INDEX memory_sources_source ON memory_sources(source_id);
    CREATE TABLE facts (
        id TEXT PRIMARY KEY REFERENCES memories(id) ON DELETE CASCADE,
        subject TEXT NOT NULL COLLATE NOCASE,
        predicate TEXT NOT NULL,
        value TEXT NOT NULL,
        superseded_by TEXT,
        supersedes TEXT
    );
    CREATE INDEX facts_key ON facts(subject, predicate);
    CREATE TABLE core_memory (
        block TEXT NOT NULL CHECK (block IN ('user', 'self')),
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        updated REAL NOT NULL,
        PRIMARY KEY (block, key)
    );
    CREATE TABLE reflected_sessions (
        session_id TEXT PRIMARY KEY,
        reflected REAL NOT NULL,
        turns INTEGER NOT NULL
    );
    CREATE VIRTUAL TABLE memory_fts USING fts5(
        text, speaker, content='memories', content_rowid='seq', tokenize='porter unicode61'
    );
    CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN
        INSERT INTO memory_fts(rowid, text, speaker) VALUES (new.seq, new.text, new.speaker);
    END;
    CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN
        INSERT INTO memory_fts(memory_fts, rowid, text, speaker)
        VALUES ('delete', old.seq, old.text, old.speaker);
    END;
    CREATE TRIGGER memories_fts_update AFTER UPDATE OF text, speaker ON memories BEGIN
        INSERT INTO memory_fts(memory_fts, rowid, text, speaker)
        VALUES ('delete', old.seq, old.text, old.speaker);
        INSERT INTO memory_fts(rowid, text, speaker) VALUES (new.seq, new.text, new.speaker);
    END;
    """,
]
