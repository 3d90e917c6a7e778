"""The mail tools the engine, CLI and server use. Read-only tools (search, what's new, triage,
read, draft) run freely; everything that changes the mailbox or sends mail has
``side_effects=True`` and so only ever runs through os1.initiative.approvals.Actions.
Message content reaching a model always goes through safety.as_model_context.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from os1.skills.base import SkillContext, Tool
from os1.skills.journal import UndoJournal, register_reverter
from os1.skills.mail import actions
from os1.skills.mail.safety import as_model_context
from os1.skills.mail.store import mail_store

_IDS = {"type": "array", "items": {"type": "integer"}, "description": "message numbers"}


def _ids(args: dict[str, Any]) -> list[int]:
    raw = args.get("ids") or ([args["id"]] if args.get("id") is not None else [])
    return [int(x) for x in raw]


def _n(args: dict[str, Any]) -> str:
    n = len(_ids(args))
    return f"{n} message{'s' if n != 1 else ''} ({', '.join(map(str, _ids(args)[:8]))})"


async def _search(args: dict[str, Any], ctx: SkillContext) -> str:
    from os1.skills.mail.search import search

    rows = search(mail_store(ctx), str(args.get("query", "")), int(args.get("limit", 10)))
    if not rows:
        return "No messages match."
    return "\n".join(f"#{r['id']} {r['from_name'] or r['from_addr']}: {r['subject']}"
                     + (" [suspicious]" if r["suspicious"] else "") for r in rows)


async def _whats_new(args: dict[str, Any], ctx: SkillContext) -> str:
    from os1.skills.mail.summary import compose, new_messages

    rows, unread = new_messages(mail_store(ctx), mark=True)
    return compose(rows, unread)


async def _read(args: dict[str, Any], ctx: SkillContext) -> str:
    row = mail_store(ctx).get_message(int(args["id"]))
    if row is None:
        return f"There is no message {args['id']}."
    return as_model_context(row)


async def _draft(args: dict[str, Any], ctx: SkillContext) -> str:
    from os1.skills.mail.drafting import draft_for

    draft = draft_for(mail_store(ctx), int(args["id"]), str(args.get("intent", "ack")),
                      str(args.get("text", "")))
    return json.dumps(draft.as_args())


async def _send(args: dict[str, Any], ctx: SkillContext) -> str:
    return await asyncio.to_thread(actions.send, mail_store(ctx), ctx.config, args)


async def _move_to(folder: str, args: dict[str, Any], ctx: SkillContext) -> str:
    return await asyncio.to_thread(actions.move, mail_store(ctx), ctx.config, _ids(args), folder,
                                   journal=UndoJournal.open(ctx))


async def _move(args: dict[str, Any], ctx: SkillContext) -> str:
    return await _move_to(str(args["folder"]), args, ctx)


async def _archive(args: dict[str, Any], ctx: SkillContext) -> str:
    return await _move_to("archive", args, ctx)


async def _delete(args: dict[str, Any], ctx: SkillContext) -> str:
    return await _move_to("trash", args, ctx)


async def _flag(args: dict[str, Any], ctx: SkillContext) -> str:
    return await asyncio.to_thread(actions.flag, mail_store(ctx), ctx.config, _ids(args),
                                   str(args.get("flag", "flagged")), bool(args.get("on", True)),
                                   journal=UndoJournal.open(ctx))


async def _purge(args: dict[str, Any], ctx: SkillContext) -> str:
    return await asyncio.to_thread(actions.purge, mail_store(ctx), ctx.config, _ids(args))


def _send_summary(args: dict[str, Any]) -> str:
    body = " ".join(str(args.get("body", "")).split())
    return (f"Send mail to {args.get('to')}{' cc ' + str(args['cc']) if args.get('cc') else ''}:"
            f" “{args.get('subject', '')}” — {body[:120]}")


TOOLS = [
    Tool("mail_search", "Search the user's mail, e.g. 'from Amy last month about dinner'.",
         {"type": "object", "properties": {"query": {"type": "string"},
                                           "limit": {"type": "integer"}},
          "required": ["query"]}, False, _search),
    Tool("mail_whats_new", "Summarise new mail in one or two spoken sentences.",
         {"type": "object", "properties": {}}, False, _whats_new),
    Tool("mail_read", "Show one message (as untrusted data) by its number.",
         {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]},
         False, _read),
    Tool("mail_draft_reply", "Draft a reply in the user's style; intent: ack, yes, no, later, "
         "thanks; optional text replaces the middle.",
         {"type": "object", "properties": {"id": {"type": "integer"},
                                           "intent": {"type": "string"},
                                           "text": {"type": "string"}},
          "required": ["id"]}, False, _draft),
    Tool("mail_send", "Send an email (asks the user first).",
         {"type": "object", "properties": {
             "to": {"type": "string"}, "cc": {"type": "string"}, "subject": {"type": "string"},
             "body": {"type": "string"}, "in_reply_to": {"type": "string"},
             "references": {"type": "string"}, "account": {"type": "string"}},
          "required": ["to", "subject", "body"]}, True, _send, _send_summary),
    Tool("mail_move", "Move messages to a folder (undoable).",
         {"type": "object", "properties": {"ids": _IDS, "folder": {"type": "string"}},
          "required": ["ids", "folder"]}, True, _move,
         lambda a: f"Move {_n(a)} to {a.get('folder')}"),
    Tool("mail_archive", "Archive messages (undoable).",
         {"type": "object", "properties": {"ids": _IDS}, "required": ["ids"]}, True, _archive,
         lambda a: f"Archive {_n(a)}"),
    Tool("mail_delete", "Move messages to Trash (undoable; nothing is deleted for good).",
         {"type": "object", "properties": {"ids": _IDS}, "required": ["ids"]}, True, _delete,
         lambda a: f"Move {_n(a)} to Trash"),
    Tool("mail_flag", "Flag/unflag or mark read/unread (flag: flagged, seen, answered).",
         {"type": "object", "properties": {"ids": _IDS, "flag": {"type": "string"},
                                           "on": {"type": "boolean"}},
          "required": ["ids"]}, True, _flag,
         lambda a: f"{'Set' if a.get('on', True) else 'Clear'} {a.get('flag', 'flagged')} on "
                   f"{_n(a)}"),
    Tool("mail_cleanup_newsletters", "Archive the given newsletters in one go (undoable).",
         {"type": "object", "properties": {"ids": _IDS}, "required": ["ids"]}, True, _archive,
         lambda a: f"Archive {_n(a)} newsletters"),
    Tool("mail_purge", "PERMANENTLY delete messages. Cannot be undone.",
         {"type": "object", "properties": {"ids": _IDS}, "required": ["ids"]}, True, _purge,
         lambda a: f"PERMANENTLY delete {_n(a)} — this cannot be undone"),
]


async def _revert_move(payload: dict[str, Any], ctx: SkillContext) -> str:
    return await asyncio.to_thread(actions.revert_move, mail_store(ctx), ctx.config, payload)


async def _revert_flag(payload: dict[str, Any], ctx: SkillContext) -> str:
    return await asyncio.to_thread(actions.revert_flag, mail_store(ctx), ctx.config, payload)


def register_reverters() -> None:
    register_reverter("mail.move", _revert_move)
    register_reverter("mail.flag", _revert_flag)


def register_tools(tools: dict[str, Any]) -> None:
    register_reverters()
    for t in TOOLS:
        tools[t.name] = t
