"""`os1 chat`: the REPL, `--once TEXT` and `--json`. Renders engine events, nothing more."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from os1.cli.common import console, err_console, interactive, open_home, plain_errors
from os1.events import ErrorEvent, Event, TextDelta, TurnEnded, to_json

if TYPE_CHECKING:
    from os1.engine import Engine

HELP = """Commands: /help this text, /new start a new conversation (the old one is kept),
/quit leave. Ctrl-C stops a reply mid-way; Ctrl-D or /quit leaves."""


async def _run_turn(engine: Engine, text: str | bytes, json_out: bool, stream: bool) -> list[Event]:
    loop = asyncio.get_running_loop()
    # Not the main thread or no signal support: then Ctrl-C just ends the process.
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        loop.add_signal_handler(signal.SIGINT, engine.stop)
    events: list[Event] = []
    try:
        async for ev in engine.turn(text):
            events.append(ev)
            if json_out:
                sys.stdout.write(to_json(ev) + "\n")
                sys.stdout.flush()
            elif isinstance(ev, TextDelta) and stream:
                sys.stdout.write(ev.text)
                sys.stdout.flush()
            elif isinstance(ev, ErrorEvent):
                err_console.print(f"[red]os1:[/red] {ev.message}")
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.remove_signal_handler(signal.SIGINT)
    return events


def _engine(home: object, warm: bool = False) -> Engine:
    from os1.engine import open_engine
    from os1.home import Home

    assert isinstance(home, Home)
    return open_engine(home, warm=warm)


def _once(text: str, json_out: bool) -> None:
    message: str | bytes = sys.stdin.buffer.read() if text == "-" else text
    home = open_home()
    engine = _engine(home)
    events = asyncio.run(_run_turn(engine, message, json_out, stream=True))
    ended = [e for e in events if isinstance(e, TurnEnded)]
    if not json_out and ended and ended[0].reply:
        sys.stdout.write("\n")
    if any(isinstance(e, ErrorEvent) for e in events):
        raise typer.Exit(2)


def _repl(json_out: bool) -> None:
    home = open_home()
    if home.personas.get() is None and interactive():
        from os1.cli.persona import run_first_boot

        run_first_boot(home)
    engine = _engine(home, warm=True)
    p = engine.persona
    console.print(f"[bold]{p.os_name}[/bold] is here. Type /help for commands.")
    while True:
        try:
            text = input(f"{p.user_name}> ")
        except UnicodeDecodeError:
            err_console.print(
                "[red]os1:[/red] That input is not valid UTF-8; check your terminal's encoding."
            )
            continue
        except (EOFError, KeyboardInterrupt):
            console.print("\nBye for now.")
            return
        cmd = text.strip().lower()
        if cmd in ("/quit", "/exit"):
            console.print("Bye for now.")
            return
        if cmd == "/help":
            console.print(HELP)
            continue
        if cmd == "/new":
            engine.new_session()
            console.print("[dim]A new conversation. The old one is kept in memory.[/dim]")
            continue
        if not json_out:
            sys.stdout.write(f"{p.os_name}: ")
            sys.stdout.flush()
        events = asyncio.run(_run_turn(engine, text, json_out, stream=True))
        ended = next((e for e in events if isinstance(e, TurnEnded)), None)
        if not json_out:
            sys.stdout.write("\n")
            if ended and ended.stopped:
                console.print("[dim](stopped)[/dim]")


@plain_errors
def chat(
    once: Annotated[
        str | None,
        typer.Option(
            "--once", help="Say TEXT (- reads it from stdin), print only the reply, exit."
        ),
    ] = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print the engine's events as JSON lines.")
    ] = False,
) -> None:
    """Talk with your OS. History is kept across runs; /help lists commands."""
    if once is not None:
        _once(once, json_out)
    else:
        _repl(json_out)


def register(app: typer.Typer) -> None:
    app.command("chat")(chat)
