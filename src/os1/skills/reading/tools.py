"""Reading tools: ``read_documents`` (take files into memory, with citations) and
``documents_search`` (passages answering a question, each with file and page). Neither changes
the user's files, so neither needs approval."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from os1.db import Database
from os1.errors import InputError
from os1.skills.base import SkillContext, Tool
from os1.skills.reading.store import DocumentStore, Hit, Ingested, default_embed

_STORES: dict[int, DocumentStore] = {}


def store_for(db: Database, vectors: bool = True) -> DocumentStore:
    key = id(db) * 2 + int(vectors)
    if key not in _STORES:
        _STORES[key] = DocumentStore(db, default_embed() if vectors else None)
    return _STORES[key]


def read_paths(db: Database, paths: list[str], vectors: bool = True, all_vectors: bool = False
               ) -> tuple[list[Ingested], list[str]]:
    """Ingest every file (folders: the readable files in them); problems are collected."""
    store = store_for(db, vectors)
    done, problems = [], []
    for raw in paths:
        path = Path(raw).expanduser()
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for f in files:
            try:
                done.append(store.ingest(f, all_vectors))
            except InputError as exc:
                if not path.is_dir() or "not a format I read" not in exc.message:
                    problems.append(exc.message)
    return done, problems


def describe(done: list[Ingested], problems: list[str], vectors: bool = True) -> str:
    lines = []
    for d in done:
        state = "already read, unchanged" if d.skipped else f"{d.chunks} passages"
        words_only = "" if d.skipped or d.vectors or not vectors else (
            " Indexed by words only (long; --all-vectors also indexes it by meaning, slowly).")
        lines.append(f"Read {d.name}: {d.pages} page(s), {state}.{words_only}")
    lines += [f"Skipped: {p}" for p in problems]
    return "\n".join(lines) or "Nothing to read."


def format_hits(hits: list[Hit]) -> str:
    return "\n".join(f"[{h.citation}] {h.text}" for h in hits)


async def run_read(args: dict[str, Any], ctx: SkillContext) -> str:
    paths = args.get("paths") or ([args["path"]] if args.get("path") else [])
    if not paths:
        raise InputError("Say which files to read.")
    return describe(*read_paths(ctx.db, [str(p) for p in paths]))


async def run_search(args: dict[str, Any], ctx: SkillContext) -> str:
    query = str(args.get("query", "")).strip()
    if not query:
        raise InputError("Ask something to look up in your documents.")
    hits = store_for(ctx.db).search(query, int(args.get("limit", 4)))
    return format_hits(hits) or "None of the documents I have read mention that."


TOOLS = [
    Tool("read_documents", "Read documents (txt, md, pdf, docx, epub, html) into memory so "
         "questions about them can be answered with citations.",
         {"type": "object", "properties": {"paths": {"type": "array", "items": {"type": "string"}}},
          "required": ["paths"]}, False, run_read),
    Tool("documents_search", "Find passages in documents read before, e.g. 'what does the "
         "lease say about pets?'; each passage comes with its file and page.",
         {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]},
         False, run_search),
]
