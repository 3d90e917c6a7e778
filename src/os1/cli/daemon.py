"""`os1 daemon`: run the initiative loop (briefings, reminders, check-ins, reflections)."""

from __future__ import annotations

import json
import re
import time
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from os1.cli.common import console, err_console, open_home, plain_errors
from os1.errors import InputError

if TYPE_CHECKING:
    from os1.initiative.messages import InitiativeMessage
    from os1.initiative.scheduler import Fired

_REL = re.compile(r"^\+(\d+(?:\.\d+)?)([smhd]?)$")
_UNITS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_until(raw: str, now: float) -> float:
    """'+90s', '+5m', '+2h', an ISO date-time, or epoch seconds -> epoch seconds."""
    text = raw.strip()
    m = _REL.match(text)
    if m:
        return now + float(m.group(1)) * _UNITS[m.group(2)]
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        raise InputError(
            f"Cannot read --until '{raw}'; use +30s, +5m, +2h, or a time like 2025-06-16T18:00."
        ) from None


def _printer(json_out: bool):  # type: ignore[no-untyped-def]
    from os1.initiative.clock import stamp

    def show(f: Fired, msg: InitiativeMessage | None) -> None:
        if json_out:
            print(json.dumps({"type": "initiative", "item": f.item.id, "kind": f.item.kind,
                              "status": f.status, "result": f.result,
                              "message": msg.as_dict() if msg else None}), flush=True)
        elif msg is not None:
            console.print(f"[dim]{stamp(msg.created)}[/dim] [bold]{msg.kind}[/bold]: {msg.text}",
                          soft_wrap=True)
            console.print(f"  [dim]why: {msg.reason}[/dim]", soft_wrap=True)
        elif f.status != "done":
            console.print(f"[dim]{f.item.kind} {f.item.id}: {f.status}: {f.result}[/dim]")

    return show


def _mail_printer(json_out: bool):  # type: ignore[no-untyped-def]
    def show(account: str, line: str) -> None:
        if json_out:
            print(json.dumps({"type": "mail", "account": account, "result": line}), flush=True)
        else:
            console.print(f"[dim]mail {account}: {line}[/dim]", soft_wrap=True)

    return show


def daemon(
    once: Annotated[bool, typer.Option(help="Run what is due now, then exit.")] = False,
    until: Annotated[str, typer.Option(help="Stop at this time: +90s, +2h, or ISO.")] = "",
    poll: Annotated[float, typer.Option(help="Longest sleep in seconds.", min=0.05)] = 15.0,
    json_out: Annotated[bool, typer.Option("--json", help="One JSON line per item.")] = False,
) -> None:
    """Act on os1's own initiative until stopped; outward actions still wait for approval.

    Also syncs every mail account each mail.sync_every_s seconds (0 turns it off)."""
    import asyncio
    import signal

    from os1.initiative.daemon import Daemon, daemon_lock

    home = open_home()
    end = parse_until(until, time.time()) if until else None
    queue = None
    if home.config.server.database_url:  # Postgres: due work goes to `os1 worker` processes
        from os1.scale.queue import Queue

        queue = Queue(home.config.server.database_url)
    with daemon_lock(home.path):
        d = Daemon(home, on_fired=_printer(json_out), poll_s=poll, queue=queue,
                   mail_every_s=home.config.mail.sync_every_s, on_mail=_mail_printer(json_out))

        async def main() -> None:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            await d.run(until=end, once=once, stop=stop)

        if not once:
            err_console.print(f"os1 daemon: running for {home.path} (Ctrl-C stops it).")
        if queue is not None:
            err_console.print("os1 daemon: due work and mail sync go to the job queue in "
                              "PostgreSQL; 'os1 worker' processes do them.")
        try:
            asyncio.run(main())
        finally:
            if queue is not None and json_out and d.handed:
                print(json.dumps({"type": "handed", "jobs": d.handed}), flush=True)


def worker(
    queue_name: Annotated[str, typer.Option("--queue", help="Which queue to work.")] = "default",
    once: Annotated[bool, typer.Option(help="Run what is waiting now, then exit.")] = False,
    lease: Annotated[float, typer.Option(help="Seconds a job is held between renewals x3.",
                                         min=1.0)] = 30.0,
) -> None:
    """Do background work from the PostgreSQL job queue (needs OS1_DATABASE_URL).

    'os1 daemon' and 'os1 serve' hand due reminders, briefings, check-ins, reflection and mail
    sync to the queue when PostgreSQL is configured, and an approved book compile goes there
    too; run one or more workers, on any host that sees the homes. A worker that dies loses
    its jobs' leases and another worker takes them over.
    """
    import signal
    import threading

    from os1.config import load_config
    from os1.scale.queue import Worker

    url = load_config().server.database_url
    if not url:
        raise InputError("os1 worker needs a database: set OS1_DATABASE_URL=postgresql://... "
                         "(without one, 'os1 daemon' does the work itself).")
    w = Worker(url, queue_name, lease)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    if not once:
        err_console.print(f"os1 worker: working queue '{queue_name}' (Ctrl-C stops it).")
    try:
        done = w.work(stop, until_idle=once)
    finally:
        w.close()
    err_console.print(f"os1 worker: {done} job(s) run.")


def register(app: typer.Typer) -> None:
    app.command("daemon")(plain_errors(daemon))
    app.command("worker")(plain_errors(worker))
