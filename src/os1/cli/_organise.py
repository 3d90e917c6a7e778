"""Helpers shared by the organise command groups (calendar, contacts, files, remind, read):
run a coroutine, and send a change through approvals (y/n when interactive, else pending)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Annotated, Any, TypeVar

import typer

from os1.cli.common import console, err_console, interactive

T = TypeVar("T")


def say(text: str) -> None:
    """Print plain text as is: no markup, no wrapping (names may hold brackets or odd bytes)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a file name with undecodable bytes: show them as \xNN
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def actions(home: Any) -> Any:
    """Actions over the organise tools (same approvals queue, rules and audit log as the
    home's), so these commands do not depend on every other skill loading."""
    from os1.initiative.approvals import Actions
    from os1.skills.organise import register_tools

    tools: dict[str, Any] = {}
    register_tools(tools)
    return Actions.open(tools, home.skill_context)


class RequestEnded(Exception):
    """The change was not run now (pending, rejected or failed); the message is printed."""


def request(home: Any, tool: str, args: dict[str, Any], reason: str, yes: bool,
            end: bool = True) -> str:
    """Ask for approval and run; returns the tool's result. When it did not run, the reason is
    printed and the command exits (``end``) or RequestEnded is raised (to go on to the next)."""

    async def confirm(summary: str) -> bool:
        if yes:
            return True
        return bool(typer.confirm(f"{summary}. Go ahead?", default=False))

    use_confirm = confirm if (yes or interactive()) else None
    outcome = run(actions(home).request(tool, args, reason, origin="cli", confirm=use_confirm))
    if outcome.status == "done":
        return str(outcome.result)
    code = 0
    if outcome.status == "pending":
        say(f"Waiting for approval {outcome.approval_id}: approve it with "
            f"'os1 approvals approve {outcome.approval_id}' (or run again with --yes).")
    elif outcome.status == "rejected":
        say("Not done; nothing was changed.")
    else:
        err_console.print(f"[red]os1:[/red] {outcome.result}")
        code = 1
    if end:
        raise typer.Exit(code)
    raise RequestEnded(outcome.status)


def with_service(opener: Any, fn: Any) -> Any:
    """Run ``fn(service)`` inside ``opener(ctx)`` (a calendar or contacts session)."""
    from os1.cli.common import open_home

    home = open_home()

    async def go() -> Any:
        async with opener(home.skill_context) as svc:
            return await fn(svc)

    return run(go())


UrlArg = Annotated[str, typer.Argument(help="server address, e.g. http://127.0.0.1:5232/")]
UserOpt = Annotated[str, typer.Option("--user", "-u", help="user name")]
PasswordEnvOpt = Annotated[str, typer.Option(help="env var holding the password")]
PasswordStdinOpt = Annotated[bool, typer.Option(help="read the password from stdin")]
YES = typer.Option(False, "--yes", "-y", help="Approve without asking (you consent now).")
