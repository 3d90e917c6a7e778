"""`os1 memory`: see, search, export, import and forget what os1 remembers about you."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from os1.cli.common import console, open_home, plain_errors

if TYPE_CHECKING:
    from os1.memory.base import Hit
    from os1.memory.store import SqliteMemory

memory_app = typer.Typer(
    name="memory",
    help="What os1 remembers: list, search, show, forget, export, import.",
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object per line.")]
KindOpt = Annotated[
    list[str] | None,
    typer.Option("--kind", help="Only this kind: turn, fact, summary or insight (repeatable)."),
]


def _store() -> SqliteMemory:
    from os1.memory import open_memory

    return open_memory(open_home())


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()


def _record(hit: Hit) -> dict[str, Any]:
    d = hit.as_dict()
    for key in ("created", "valid_from", "valid_to"):
        d[key] = _iso(d[key])
    return d


def _print_hits(hits: list[Hit], json_out: bool, empty: str) -> None:
    from rich.markup import escape

    if json_out:
        for h in hits:
            print(json.dumps(_record(h), ensure_ascii=False))
        return
    if not hits:
        console.print(empty)
        return
    for h in hits:
        day = datetime.fromtimestamp(h.created).strftime("%Y-%m-%d %H:%M")
        old = " [yellow](no longer true)[/yellow]" if h.valid_to is not None else ""
        console.print(
            f"[dim]{day}[/dim] [cyan]{h.kind:<7}[/cyan] [bold]{h.id}[/bold]  {escape(h.text)}{old}",
            soft_wrap=True,
        )


@memory_app.command("list")
@plain_errors
def list_(
    json_out: JsonOpt = False,
    limit: Annotated[int | None, typer.Option(help="At most N, newest first.", min=1)] = None,
    kind: KindOpt = None,
) -> None:
    """Everything remembered, newest first."""
    hits = _store().list_memories(kinds=kind or None, limit=limit)
    _print_hits(hits, json_out, "Nothing remembered yet.")


@memory_app.command()
@plain_errors
def search(
    query: Annotated[str, typer.Argument(help="Words, a question, or a time ('last week').")],
    json_out: JsonOpt = False,
    limit: Annotated[int, typer.Option(help="At most N results.", min=1, max=1000)] = 10,
    kind: KindOpt = None,
) -> None:
    """Search memory by meaning and by words; results name the turns they come from."""
    hits = _store().search(query, limit=limit, kinds=kind or None)
    _print_hits(hits, json_out, "Nothing in memory matches that.")


@memory_app.command()
@plain_errors
def show(
    memory_id: Annotated[str, typer.Argument(metavar="ID")],
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """One memory: its text, where it came from, what was derived from it, its history."""
    from rich.markup import escape

    info = _store().show(memory_id)
    if json_out:
        print(json.dumps(info, ensure_ascii=False, default=str))
        return
    m = info["memory"]
    console.print(f"[bold]{m['id']}[/bold] ({m['kind']}): {escape(m['text'])}", soft_wrap=True)
    console.print(f"  created {_iso(m['created'])}")
    if m["valid_from"] is not None:
        until = _iso(m["valid_to"]) if m["valid_to"] else "now"
        console.print(f"  true from {_iso(m['valid_from'])} until {until}")
    for src in info["sources"]:
        console.print(f"  from [bold]{src['id']}[/bold]: {escape(src['text'])}", soft_wrap=True)
    if info["derived"]:
        console.print(f"  derived: {', '.join(info['derived'])}")
    for f in info.get("history", []):
        mark = "now" if f["valid_to"] is None else f"until {_iso(f['valid_to'])}"
        console.print(f"  history: {escape(f['text'])} ({mark}) [dim]{f['id']}[/dim]")


@memory_app.command()
@plain_errors
def forget(memory_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Remove a memory (or a whole conversation) and everything derived from it."""
    from rich.markup import escape

    report = _store().forget_detailed(memory_id)
    removed = [r for r in report if r.action == "removed"]
    console.print(f"Forgot {len(removed)} item(s):")
    for r in report:
        verb = "removed" if r.action == "removed" else "true again"
        text = f": {escape(r.text[:100])}" if r.text else ""
        console.print(f"  {verb} {r.kind} [bold]{r.id}[/bold]{text}", soft_wrap=True)


@memory_app.command()
@plain_errors
def export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """Everything remembered as JSON (a transcript 'os1 memory import' reads back)."""
    text = json.dumps(_store().export(), ensure_ascii=False, indent=1)
    if output is None:
        print(text)
        return
    from os1.errors import StorageError

    try:
        output.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise StorageError(f"Cannot write {output}: {exc.strerror}.") from exc
    console.print(f"Wrote {output}.")


@memory_app.command("import")
@plain_errors
def import_(file: Annotated[Path, typer.Argument(metavar="FILE")]) -> None:
    """Store a transcript JSON as if heard: {"speakers": [..], "sessions": [{"date", "turns"}]}."""
    result = _store().import_transcript(file)
    console.print(
        f"Imported {result.sessions} conversation(s), {result.turns} turn(s) and "
        f"{result.facts} fact(s) from {file}."
    )


@memory_app.command()
@plain_errors
def core() -> None:
    """The short profile os1 always keeps in mind (about you, and about itself)."""
    text = _store().core_text()
    console.print(text or "Core memory is empty so far.", markup=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.add_typer(memory_app, name="memory")
