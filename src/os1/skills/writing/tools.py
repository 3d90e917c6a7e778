"""The writing skill's chat tools. Proofreading and writing a letter only read or add to the
user's own records; changing a file, compiling the book and sending it have side effects and
so run only through approvals."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from os1.errors import InputError
from os1.skills.base import SkillContext, Tool


def _proofread_source(args: dict[str, Any]) -> tuple[str, str]:
    from os1.skills.writing.proofread import read_text_file

    if args.get("path"):
        path = Path(str(args["path"])).expanduser()
        return read_text_file(path), path.name
    text = str(args.get("text", ""))
    if not text.strip():
        raise InputError("Give me some text or a file to proofread.")
    return text, "text"


async def run_proofread(args: dict[str, Any], ctx: SkillContext) -> str:
    from os1.skills.writing.proofread import proofread, render_diff, summary

    text, name = _proofread_source(args)
    found = proofread(text)
    lines = [f"{name}: {summary(found)}."]
    n = 0
    for s in found:
        if s.fixable:
            n += 1
            lines.append(f"[{n}] " + render_diff(text, s, name))
        else:
            lines.append("[hint] " + render_diff(text, s, name))
    if n and args.get("path"):
        lines.append("Say which numbers to accept (or 'all') and I will apply them; the old "
                     "file is kept as .bak.")
    return "\n".join(lines)


async def run_proofread_apply(args: dict[str, Any], ctx: SkillContext) -> str:
    from os1.skills.writing.proofread import (
        parse_choice,
        proofread,
        read_text_file,
        write_accepted,
    )

    path = Path(str(args.get("path", ""))).expanduser()
    text = read_text_file(path)
    fixes = [s for s in proofread(text) if s.fixable]
    accept = str(args.get("accept", "all"))
    chosen = fixes if accept.strip().lower() == "all" else [
        fixes[i] for i in parse_choice(accept, len(fixes))]
    backup = write_accepted(path, text, chosen)
    return (f"Made {len(chosen)} change(s) to {path}; the old version is in {backup}."
            if backup else "Nothing changed.")


async def run_letter(args: dict[str, Any], ctx: SkillContext) -> str:
    from os1.skills.writing.letters import letter_report, write_letter
    from os1.skills.writing.store import LetterStore

    written = await write_letter(LetterStore(ctx.db), str(args.get("client", "")),
                                 str(args.get("recipient", "")), str(args.get("occasion", "")))
    report = letter_report(written)
    return json.dumps({k: report[k] for k in ("id", "text", "memories", "score")})


def compile_here(db: Any, home: Path, title: str) -> str:
    """Compile the book of the home's good letters now; what was made, in a line."""
    from os1.skills.writing.book import DEFAULT_TITLE, book_dir, compile_book
    from os1.skills.writing.store import LetterStore

    book = compile_book(LetterStore(db), book_dir(home), title=title or DEFAULT_TITLE)
    return f"Compiled “{book.title}”: {book.letters} letters, {book.pdf} and {book.epub}."


def compile_later(url: str, ctx: SkillContext, title: str) -> str:
    """Hand the compile to the job queue (PostgreSQL): one job per home, title and set of good
    letters, so approving the same book twice compiles it once."""
    from os1.scale.queue import Queue
    from os1.scale.tasks import BOOK_COMPILE, book_job
    from os1.skills.writing.book import DEFAULT_TITLE, book_dir, good_letters
    from os1.skills.writing.store import LetterStore

    letters = [x.id for x in good_letters(LetterStore(ctx.db))]
    if not letters:
        raise InputError("There are no good letters to put in a book yet; write some with "
                         "'os1 letters write'.")
    home = ctx.extras.get("home")
    user = str(getattr(home, "user_id", "local"))
    args, key = book_job(Path(ctx.config.home), user, title or DEFAULT_TITLE, letters)
    job = Queue(url).enqueue(BOOK_COMPILE, args, key=key)
    return (f"Compiling “{args['title']}” ({len(letters)} letters) in the background (job "
            f"{job}, for an 'os1 worker'); the PDF and EPUB will be in "
            f"{book_dir(Path(ctx.config.home))}.")


async def run_compile(args: dict[str, Any], ctx: SkillContext) -> str:
    title = str(args.get("title") or "")
    url = ctx.config.server.database_url
    if url:  # PostgreSQL configured: the compile is background work for os1 worker
        return await asyncio.to_thread(compile_later, url, ctx, title)
    return await asyncio.to_thread(compile_here, ctx.db, Path(ctx.config.home), title)


async def run_submit(args: dict[str, Any], ctx: SkillContext) -> str:
    from os1.skills.writing.submit import submit_book

    try:
        from os1.skills.mail.store import mail_store
    except ImportError:  # no mail skill: submit_book says so
        return await asyncio.to_thread(submit_book, ctx.db, ctx.config, args)
    return await asyncio.to_thread(submit_book, ctx.db, ctx.config, args, mail_store(ctx))


def _string(*names: str) -> dict[str, Any]:
    return {"type": "object", "properties": {n: {"type": "string"} for n in names}}


TOOLS = [
    Tool("proofread_text", "Check spelling, grammar and style of some text or a file; shows "
         "each suggestion as a numbered diff.", _string("text", "path"), False, run_proofread),
    Tool("proofread_apply", "Apply the accepted proofreading fixes (numbers like '1,3-5', or "
         "'all') to a file, keeping a .bak copy.",
         {**_string("path", "accept"), "required": ["path", "accept"]}, True,
         run_proofread_apply,
         lambda a: f"Change {a.get('path')}: apply proofreading fixes {a.get('accept')}"),
    Tool("letters_write", "Write a heartfelt letter for a client to someone they love, from "
         "the relationship's history only; lists the memories used.",
         {**_string("client", "recipient", "occasion"),
          "required": ["client", "recipient", "occasion"]}, False, run_letter),
    Tool("book_compile", "Compile the good letters into a book (PDF and EPUB).",
         _string("title"), True, run_compile,
         lambda a: f"Compile the letters into a book, “{a.get('title') or 'untitled'}”"),
    Tool("book_submit", "Email the latest book, with a cover letter, to a publisher.",
         {**_string("to", "account", "book", "sender"), "required": ["to"]}, True, run_submit,
         lambda a: f"Email the book with a cover letter to {a.get('to')}"),
]
