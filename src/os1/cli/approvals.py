"""`os1 approvals [list|approve ID|reject ID]`: what os1 wants to do and what it has to say.

With no subcommand on a terminal it walks through each pending request asking y/n/skip;
without a terminal it only lists (it never waits for input that cannot come).
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from os1.cli.common import console, interactive, open_home, plain_errors

if TYPE_CHECKING:
    from os1.initiative.approvals import Actions, Outcome

approvals_app = typer.Typer(help="Review what os1 proposes to do (and its messages).",
                            invoke_without_command=True)


def _pending(actions: Actions) -> list[dict[str, Any]]:
    rows = []
    for r in actions.pending():
        row = dict(r)
        row["arguments"] = json.loads(row["arguments"])
        rows.append(row)
    return rows


def _show_outcome(aid: str, out: Outcome) -> None:
    if out.status == "done":
        console.print(f"Done ({aid}): {out.result}", soft_wrap=True)
    else:
        console.print(f"{out.status} ({aid}): {out.result or 'nothing was changed'}",
                      soft_wrap=True)


@approvals_app.callback()
def approvals_root(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand is None:
        if interactive():
            review()
        else:
            list_approvals(json_out=False, messages=10)


@approvals_app.command("list")
@plain_errors
def list_approvals(
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    messages: Annotated[int, typer.Option(help="Also show this many recent messages.")] = 10,
) -> None:
    """List pending requests (with their reasons) and os1's recent messages."""
    from os1.initiative.clock import stamp
    from os1.initiative.messages import Inbox

    home = open_home()
    pending = _pending(home.actions)
    inbox = Inbox.open(home)
    recent = inbox.recent(messages) if messages else []
    stuck = [dict(r) for r in home.actions.interrupted()]
    if json_out:
        print(json.dumps({"pending": pending, "interrupted": stuck,
                          "messages": [m.as_dict() for m in recent]}))
        return
    if not pending:
        console.print("Nothing waits for your approval.")
    for row in stuck:
        console.print(f"[yellow]interrupted[/yellow] {row['id']} {row['summary']}: os1 stopped "
                      "while doing this; check whether it happened before asking again.",
                      soft_wrap=True)
    for row in pending:
        console.print(f"[bold]{row['id']}[/bold] {row['summary']}", soft_wrap=True)
        console.print(f"  why: {row['reason']}  [dim]({row['origin']}, "
                      f"{stamp(row['created'])})[/dim]", soft_wrap=True)
    if recent:
        console.print("\n[bold]From os1[/bold]")
        for m in reversed(recent):
            mark = "" if m.seen else "[green]new[/green] "
            console.print(f"{mark}[dim]{stamp(m.created)}[/dim] {m.text}", soft_wrap=True)
            console.print(f"  [dim]why: {m.reason}[/dim]", soft_wrap=True)
        inbox.mark_seen([m.id for m in recent])


@approvals_app.command("approve")
@plain_errors
def approve(aid: Annotated[str, typer.Argument(help="The id from 'os1 approvals'.")]) -> None:
    """Approve one request: os1 runs it now and logs it."""
    out = asyncio.run(open_home().actions.approve(aid))
    _show_outcome(aid, out)
    if out.status == "failed":
        raise typer.Exit(1)


@approvals_app.command("reject")
@plain_errors
def reject(aid: Annotated[str, typer.Argument(help="The id from 'os1 approvals'.")]) -> None:
    """Reject one request: it will not run."""
    open_home().actions.reject(aid)
    console.print(f"Rejected {aid}; nothing was changed.")


@plain_errors
def review() -> None:
    """Ask y/n/skip for each pending request (only on a terminal)."""
    from rich.prompt import Prompt

    actions = open_home().actions
    pending = _pending(actions)
    if not pending:
        console.print("Nothing waits for your approval.")
        return
    for row in pending:
        console.print(f"[bold]{row['summary']}[/bold]", soft_wrap=True)
        console.print(f"  why: {row['reason']}", soft_wrap=True)
        answer = Prompt.ask("  Allow it?", choices=["y", "n", "s"], default="s",
                            console=console)
        if answer == "y":
            _show_outcome(row["id"], asyncio.run(actions.approve(row["id"])))
        elif answer == "n":
            actions.reject(row["id"])
            console.print(f"  Rejected {row['id']}.")
        else:
            console.print("  Skipped; it still waits.")


def register(app: typer.Typer) -> None:
    app.add_typer(approvals_app, name="approvals")
