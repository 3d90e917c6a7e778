"""Contact tools: search and duplicate proposals (read-only); add, merge and import (side
effects, approval needed). A merge is journaled so ``os1 undo`` restores every original card."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from os1.errors import InputError
from os1.skills.base import SkillContext, Tool
from os1.skills.calendar.accounts import read_arg_file
from os1.skills.contacts.dedupe import Group, find_duplicates
from os1.skills.contacts.service import ContactsService

MERGE_KIND = "contacts.merge"
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"\+?\d[\d ()./-]{5,}\d")


@asynccontextmanager
async def service(ctx: SkillContext) -> AsyncIterator[ContactsService]:
    async with await ContactsService.open(ctx.db, ctx.config.home) as svc:
        yield svc


def parse_new_contact(text: str) -> dict[str, Any]:
    """'Amy Pond amy@example.test +44 7700 900123' -> name, emails, phones."""
    emails = _EMAIL.findall(text)
    rest = _EMAIL.sub(" ", text)
    phones = [p.strip() for p in _PHONE.findall(rest)]
    name = " ".join(_PHONE.sub(" ", rest).replace(",", " ").split())
    name = re.sub(r"^(?:add\s+)?(?:a\s+)?(?:new\s+)?(?:contact:?\s+)?", "", name, flags=re.I)
    if not name:
        raise InputError(f"'{text}' has no name for the contact.")
    return {"name": name, "emails": emails, "phones": phones}


def merge_args(group: Group) -> dict[str, Any]:
    return {
        "hrefs": [c.href for c in group.members],
        "primary": group.primary.href,
        "name": group.best_name,
        "names": [c.name for c in group.members],
        "why": "; ".join(group.reasons),
    }


def describe_group(group: Group) -> str:
    lines = [f"{group.best_name}  ({'; '.join(group.reasons)})"]
    lines += [f"   - {c.line()}" for c in group.members]
    return "\n".join(lines)


async def proposals(ctx: SkillContext) -> tuple[list[Group], list[str]]:
    async with service(ctx) as svc:
        contacts, bad = await svc.all()
    return find_duplicates(contacts), bad


async def run_search(args: dict[str, Any], ctx: SkillContext) -> str:
    async with service(ctx) as svc:
        found = await svc.search(str(args.get("query", "")), int(args.get("limit", 20)))
    return "\n".join(c.line() for c in found) or f"No contact matches '{args.get('query')}'."


async def run_add(args: dict[str, Any], ctx: SkillContext) -> str:
    if "text" in args:
        args = parse_new_contact(str(args["text"]))
    async with service(ctx) as svc:
        await svc.add(str(args["name"]), list(args.get("emails") or []),
                      list(args.get("phones") or []), str(args.get("org") or ""))
    return f"Added {args['name']} to your contacts."


async def run_duplicates(args: dict[str, Any], ctx: SkillContext) -> str:
    groups, bad = await proposals(ctx)
    skipped = "".join(f"\n(skipped unreadable card {b})" for b in bad)
    if not groups:
        return "No duplicate contacts found." + skipped
    body = "\n".join(describe_group(g) for g in groups)
    return f"{len(groups)} possible duplicate(s):\n{body}{skipped}"


async def run_merge(args: dict[str, Any], ctx: SkillContext) -> str:
    from os1.skills.journal import UndoJournal

    hrefs = [str(h) for h in args["hrefs"]]
    if len(hrefs) < 2:
        raise InputError("A merge needs at least two contacts.")
    async with service(ctx) as svc:
        cards = await svc.fetch(hrefs)
        name = str(args.get("name") or cards[0].name)
        UndoJournal.open(ctx).record(
            MERGE_KIND,
            {"cards": [{"href": c.href, "data": c.raw} for c in cards], "primary": args["primary"]},
            f"merge contacts {' + '.join(c.name for c in cards)}",
        )
        await svc.merge(cards, str(args["primary"]), name)
    return f"Merged {len(cards)} cards into {name}. 'os1 undo' puts them back."


async def revert_merge(payload: dict[str, Any], ctx: SkillContext) -> str:
    async with service(ctx) as svc:
        count = await svc.restore(list(payload["cards"]))
    primary = str(payload["primary"])
    extra = [c["href"] for c in payload["cards"] if c["href"] != primary]
    return (f"Restored {count} contact card(s) as they were before the merge "
            f"({len(extra)} re-created).")


async def run_import(args: dict[str, Any], ctx: SkillContext) -> str:
    name, text = read_arg_file(args, ".vcf")
    async with service(ctx) as svc:
        count = await svc.import_vcf(text, name)
    return f"Imported {count} contact(s) from {name}."


def _summary_merge(a: dict[str, Any]) -> str:
    names = " + ".join(str(n) for n in a.get("names", [])) or f"{len(a['hrefs'])} cards"
    why = f" ({a['why']})" if a.get("why") else ""
    return f"Merge contacts {names} into '{a.get('name')}'{why}"


def _summary_add(a: dict[str, Any]) -> str:
    if "text" in a:
        return f"Add contact: {a['text']}"
    bits = [str(a["name"]), *a.get("emails", []), *a.get("phones", [])]
    return "Add contact " + ", ".join(bits)


_OBJ = "object"
TOOLS = [
    Tool("contacts_search", "Find contacts by name, email, company or phone number.",
         {"type": _OBJ, "properties": {"query": {"type": "string"}}, "required": ["query"]},
         False, run_search),
    Tool("contacts_add", "Add a contact, e.g. text='Amy Pond amy@example.com +44 7700 900123'.",
         {"type": _OBJ, "properties": {
             "text": {"type": "string"}, "name": {"type": "string"},
             "emails": {"type": "array", "items": {"type": "string"}},
             "phones": {"type": "array", "items": {"type": "string"}},
             "org": {"type": "string"}}}, True, run_add, _summary_add),
    Tool("contacts_duplicates", "List contacts that look like the same person, with reasons.",
         {"type": _OBJ, "properties": {}}, False, run_duplicates),
    Tool("contacts_merge", "Merge duplicate contact cards into one (undoable).",
         {"type": _OBJ, "properties": {
             "hrefs": {"type": "array", "items": {"type": "string"}},
             "primary": {"type": "string"}, "name": {"type": "string"}},
          "required": ["hrefs", "primary"]}, True, run_merge, _summary_merge),
    Tool("contacts_import", "Copy the contacts of a .vcf file into the address book.",
         {"type": _OBJ, "properties": {"path": {"type": "string"}}, "required": ["path"]},
         True, run_import, lambda a: f"Import the contacts in {a.get('path')}"),
]
