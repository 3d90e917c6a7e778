"""Documents os1 has read: chunks with their citation (file, page), searchable by words (FTS5,
BM25) and by meaning (MiniLM vectors from os1.memory.embed), fused by reciprocal rank.

Tables live in the home's Database under the store name "reading". Re-reading an unchanged
file does nothing; a changed file replaces its old chunks in one transaction.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from os1.db import Database, now
from os1.skills.reading.extract import Page, extract, kind_of, printable

SCHEMA = [
    """
    CREATE TABLE documents (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        pages INTEGER NOT NULL,
        chars INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        added REAL NOT NULL
    );
    CREATE TABLE doc_chunks (
        id INTEGER PRIMARY KEY,
        doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        page INTEGER,
        label TEXT NOT NULL,
        text TEXT NOT NULL,
        vector BLOB
    );
    CREATE INDEX doc_chunks_doc ON doc_chunks(doc_id);
    CREATE VIRTUAL TABLE doc_chunks_fts USING fts5(text, content='doc_chunks',
        content_rowid='id', tokenize='porter unicode61');
    CREATE TRIGGER doc_chunks_ai AFTER INSERT ON doc_chunks BEGIN
        INSERT INTO doc_chunks_fts(rowid, text) VALUES (new.id, new.text);
    END;
    CREATE TRIGGER doc_chunks_ad AFTER DELETE ON doc_chunks BEGIN
        INSERT INTO doc_chunks_fts(doc_chunks_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END;
    """,
]
CHUNK_CHARS = 900
OVERLAP = 150
# Vectors cost about 0.1-0.2 s a passage on 2 cores, so they cover the head of each passage
# (its gist) and, unless asked, only documents of up to MAX_VECTOR_CHUNKS passages; the rest
# is found by words (FTS5).
VECTOR_CHARS = 400
MAX_VECTOR_CHUNKS = 300
RRF_K = 60
STOPWORDS = {"what", "does", "do", "did", "the", "a", "an", "say", "says", "said", "about", "is",
             "are", "was", "in", "of", "to", "my", "me", "i", "how", "much", "many", "when",
             "where", "which", "who", "tell", "on", "for", "it", "this", "that", "with", "and",
             "or", "there", "any", "anything", "can", "could", "should", "we", "you", "get"}

Embed = Callable[[list[str]], Any]


@dataclass(frozen=True)
class Ingested:
    name: str
    pages: int
    chunks: int
    skipped: bool  # unchanged since last read
    vectors: bool = False


@dataclass(frozen=True)
class Hit:
    text: str
    citation: str
    score: float


def chunk_page(page: Page) -> list[str]:
    text = re.sub(r"[ \t]+", " ", page.text).strip()
    if len(text) <= CHUNK_CHARS:
        return [text] if text else []
    out, start = [], 0
    while start < len(text):
        end = min(len(text), start + CHUNK_CHARS)
        if end < len(text):
            cut = max(text.rfind(". ", start, end), text.rfind("\n", start, end))
            end = cut + 1 if cut > start + CHUNK_CHARS // 2 else end
        out.append(text[start:end].strip())
        if end >= len(text):
            break
        start = max(end - OVERLAP, start + 1)
    return [c for c in out if c]


def default_embed() -> Embed | None:
    try:
        from os1.memory.embed import embedder
    except ImportError:
        return None

    def run(texts: list[str]) -> Any:
        return embedder().embed(texts)

    return run


class DocumentStore:
    def __init__(self, db: Database, embed: Embed | None = None) -> None:
        self.db = db
        self.embed = embed
        db.migrate("reading", SCHEMA)

    def ingest(self, path: Path, all_vectors: bool = False) -> Ingested:
        path = path.expanduser().resolve()
        kind_of(path)
        key, name = printable(str(path)), printable(path.name)
        digest = hashlib.sha256(path.read_bytes() if path.is_file() else b"").hexdigest()
        old = self.db.query("SELECT id, sha256, pages FROM documents WHERE path=?", (key,))
        if old and old[0]["sha256"] == digest:
            count = self.db.query("SELECT COUNT(*) FROM doc_chunks WHERE doc_id=?", (old[0]["id"],))
            return Ingested(name, int(old[0]["pages"]), int(count[0][0]), True)
        pages = extract(path)
        rows = [(p.number, p.label, c) for p in pages for c in chunk_page(p)]
        vectors = None
        if all_vectors or len(rows) <= MAX_VECTOR_CHUNKS:
            vectors = self._vectors([c[:VECTOR_CHARS] for *_, c in rows])
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM documents WHERE path=?", (key,))
            cur = conn.execute(
                "INSERT INTO documents (path, name, kind, pages, chars, sha256, added) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (key, name, kind_of(path), len(pages),
                 sum(len(p.text) for p in pages), digest, now()),
            )
            doc_id = cur.lastrowid
            conn.executemany(
                "INSERT INTO doc_chunks (doc_id, page, label, text, vector) VALUES (?, ?, ?, ?, ?)",
                [(doc_id, n, label, text, vectors[i] if vectors else None)
                 for i, (n, label, text) in enumerate(rows)],
            )
        return Ingested(name, len(pages), len(rows), False, vectors is not None)

    def _vectors(self, texts: list[str]) -> list[bytes] | None:
        if self.embed is None or not texts:
            return None
        matrix = np.asarray(self.embed(texts), dtype=np.float32)
        return [row.tobytes() for row in matrix]

    def documents(self) -> list[Any]:
        return self.db.query("SELECT * FROM documents ORDER BY name")

    def forget(self, name_or_path: str) -> int:
        return self.db.execute("DELETE FROM documents WHERE path=? OR name=?",
                               (name_or_path, name_or_path)).rowcount

    def search(self, query: str, limit: int = 5) -> list[Hit]:
        """Best passages for ``query``. Naming a document ("what does the lease say about
        pets?") keeps the answer to that document and searches its text for the rest."""
        words = [w for w in re.findall(r"\w+", query.lower()) if w not in STOPWORDS]
        named = self._named_docs(words)
        if named:
            doc_words = {w for w in words if any(w in toks for toks in named.values())}
            words = [w for w in words if w not in doc_words] or words
        allowed = set(named) or None
        ranked: dict[int, float] = {}
        for hits in (self._lexical(words, allowed), self._semantic(query, allowed)):
            for rank, chunk_id in enumerate(hits):
                ranked[chunk_id] = ranked.get(chunk_id, 0.0) + 1.0 / (RRF_K + rank)
        best = sorted(ranked.items(), key=lambda kv: -kv[1])[:limit]
        out = []
        for chunk_id, score in best:
            row = self.db.query(
                "SELECT c.text, c.label, d.name FROM doc_chunks c JOIN documents d "
                "ON d.id=c.doc_id WHERE c.id=?", (chunk_id,))[0]
            out.append(Hit(row["text"], f"{row['name']}, {row['label']}", round(score, 5)))
        return out

    def _named_docs(self, words: list[str]) -> dict[int, set[str]]:
        out = {}
        for r in self.db.query("SELECT id, name FROM documents"):
            tokens = {t for t in re.findall(r"[a-z]+", r["name"].lower().rsplit(".", 1)[0])
                      if len(t) > 3}
            if tokens & set(words):
                out[int(r["id"])] = tokens
        return out

    def _lexical(self, words: list[str], docs: set[int] | None, limit: int = 40) -> list[int]:
        if not words:
            return []
        match = " OR ".join(f'"{w}"' for w in words)
        rows = self.db.query(
            "SELECT f.rowid, c.doc_id FROM doc_chunks_fts f JOIN doc_chunks c ON c.id=f.rowid "
            "WHERE doc_chunks_fts MATCH ? ORDER BY bm25(doc_chunks_fts) LIMIT ?",
            (match, limit * 4))
        return [int(r[0]) for r in rows if docs is None or r[1] in docs][:limit]

    def _semantic(self, query: str, docs: set[int] | None, limit: int = 40) -> list[int]:
        if self.embed is None:
            return []
        rows = self.db.query("SELECT id, doc_id, vector FROM doc_chunks WHERE vector IS NOT NULL")
        rows = [r for r in rows if docs is None or r["doc_id"] in docs]
        if not rows:
            return []
        ids = np.array([r["id"] for r in rows])
        matrix = np.frombuffer(b"".join(r["vector"] for r in rows), dtype=np.float32)
        matrix = matrix.reshape(len(rows), -1)
        q = np.asarray(self.embed([query]), dtype=np.float32)[0]
        scores = matrix @ q
        top = np.argsort(-scores)[:limit]
        return [int(ids[i]) for i in top if scores[i] > 0.2]
