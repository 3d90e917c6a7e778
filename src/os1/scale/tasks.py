"""Background work as jobs on the Postgres queue (os1.scale.queue), for when
``server.database_url`` is set: ``os1 daemon`` then hands what is due to the queue instead of
running it in its own process, and any number of ``os1 worker`` processes, on any host that
sees the home, do it.

``initiative_tick`` runs everything due in one home's scheduler: reminders, the morning
briefing, check-ins, letters worth a book, and reflection (consolidating finished sessions
into summaries and insights), the same handlers ``os1 daemon`` runs in-process without
Postgres. A worker that dies mid-job loses its lease and another worker takes the job over;
the scheduler's own claims keep every item to one run even then.

``mail_sync`` syncs one mail account of a home into its user's mail index (in PostgreSQL), the
same sync ``os1 mail sync`` does; ``os1 daemon`` enqueues one per account and interval
(``mail.sync_every_s``). It holds an advisory lock on the user's account while it syncs, so
two workers never sync the same account at once, even from two jobs.

``book_compile`` compiles a home's book of good letters (PDF and EPUB) once the user approved
it (the writing skill's book_compile tool enqueues it when PostgreSQL is configured).

A job names its home by path. A server's homes (``os1 serve`` hands their due work here too)
also name their user and the folder of the server's config, since they have no config file of
their own: the job opens the home as the server does, with that config and the user's rows in
PostgreSQL.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from os1.errors import InputError

if TYPE_CHECKING:
    from os1.home import Home

INITIATIVE_TICK = "os1.scale.tasks:initiative_tick"
MAIL_SYNC = "os1.scale.tasks:mail_sync"
BOOK_COMPILE = "os1.scale.tasks:book_compile"


def open_home(args: dict[str, Any]) -> Home:
    """The home a job names: ``args["home"]``, with the config in ``args["config"]`` and joined
    to user ``args["user"]`` when a server handed the job over, else its own config."""
    from os1.config import load_config
    from os1.home import Home

    path = Path(str(args["home"]))
    if not args.get("config"):
        home = Home.open(path)
        home.user_id = str(args.get("user") or home.user_id)
        return home
    config = load_config(Path(str(args["config"])))
    config.home = path
    home = Home(config)
    home.join(str(args.get("user") or path.name))
    return home


async def initiative_tick(args: dict[str, Any]) -> str:
    """Job: run what is due in the scheduler of the home at ``args["home"]``."""
    from os1.initiative.daemon import Daemon

    home = open_home(args)
    try:
        fired = await Daemon(home).tick()
    finally:
        home.close()
    done = sum(1 for f in fired if f.status == "done")
    return f"{len(fired)} item(s) run, {done} done"


def tick_key(home: Path, due: float, now: float) -> str:
    """One job per home and earliest due minute, so enqueueing it again while it waits adds
    nothing; and a new one every five minutes, should a job have given up on it."""
    return f"initiative:{home.resolve()}:{int(due // 60)}:{int(now // 300)}"


def mail_job(home: Home, account: str, every_s: float, now: float) -> tuple[dict[str, Any], str]:
    """The arguments and key of a sync of ``account``: one job per user, account and interval,
    whichever home (or server) of the user asks for it."""
    args = {"home": str(home.path), "user": home.user_id, "account": account}
    return args, f"mail-sync:{home.user_id}:{account}:{int(now // every_s)}"


def mail_sync(args: dict[str, Any]) -> str:
    """Job: sync mail account ``args["account"]`` of the home at ``args["home"]``."""
    from os1.scale.locks import exclusive
    from os1.skills.mail.store import mail_store
    from os1.skills.mail.sync import sync

    home = open_home(args)
    account = str(args["account"])
    try:
        url = home.config.server.database_url
        if not url:
            raise InputError(f"The home at {home.path} has no server.database_url.")
        with exclusive(url, "mail-sync", f"{home.user_id}/{account}") as held:
            if not held:
                return f"skipped: another worker is syncing {account} right now"
            reports = sync(mail_store(home), home.config, account)
    finally:
        home.close()
    return "; ".join(r.line() for r in reports)


def book_job(home: Path, user: str, title: str, letters: list[str]) -> tuple[dict[str, Any], str]:
    """The arguments and key of compiling ``title`` from ``letters`` in ``home``."""
    what = hashlib.sha256("\n".join([str(home.resolve()), title, *letters]).encode())
    return {"home": str(home), "title": title}, f"book:{user}:{what.hexdigest()[:24]}"


def book_compile(args: dict[str, Any]) -> str:
    """Job: compile the book of good letters of the home at ``args["home"]``."""
    from os1.skills.writing.tools import compile_here

    home = open_home(args)
    try:
        return compile_here(home.db, home.path, str(args.get("title") or ""))
    finally:
        home.close()


__all__ = ["BOOK_COMPILE", "INITIATIVE_TICK", "MAIL_SYNC", "book_compile", "book_job",
           "initiative_tick", "mail_job", "mail_sync", "open_home", "tick_key"]
