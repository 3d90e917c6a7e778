"""Mail sync on ``os1 daemon``'s clock: every mail account of the home once per
``mail.sync_every_s``.

With the job queue (PostgreSQL configured) each sync is handed to ``os1 worker`` processes as
a job keyed by user, account and interval, so however often (and from however many homes) it
is asked for, an account is synced once per interval, by one worker; a worker that dies
mid-sync loses its lease and another takes the job over. Without the queue the daemon syncs
here, in a thread. ``os1 mail watch`` (IMAP IDLE) is the way to see new mail at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from os1.errors import Os1Error

if TYPE_CHECKING:
    from os1.home import Home

OnMail = Callable[[str, str], None]  # (account, what the sync did)


class MailSync:
    def __init__(self, home: Home, every_s: float, queue: Any | None = None,
                 on_report: OnMail | None = None) -> None:
        self.home = home
        self.every_s = every_s
        self.queue = queue
        self.on_report = on_report
        self.done: dict[str, int] = {}  # account -> the interval it was synced (or handed) in

    def accounts(self) -> list[str]:
        from os1.skills.mail.store import mail_store

        return [str(r["name"]) for r in mail_store(self.home).accounts()]

    def next_due(self, now: float) -> float:
        return (now // self.every_s + 1) * self.every_s

    async def tick(self, now: float) -> list[int]:
        """Sync (or hand over) each account not yet synced in this interval; the job ids."""
        from os1.scale.tasks import MAIL_SYNC, mail_job

        slot = int(now // self.every_s)
        jobs: list[int] = []
        for account in self.accounts():
            if self.done.get(account) == slot:
                continue
            self.done[account] = slot
            if self.queue is not None:
                args, key = mail_job(self.home, account, self.every_s, now)
                jobs.append(self.queue.enqueue(MAIL_SYNC, args, key=key))
                continue
            line = await asyncio.to_thread(self.sync, account)
            if self.on_report is not None:
                self.on_report(account, line)
        return jobs

    def sync(self, account: str) -> str:
        """Sync one account here; what happened, in a line (a failure waits for the next
        interval, it never stops the daemon)."""
        from os1.skills.mail.store import mail_store
        from os1.skills.mail.sync import sync

        try:
            reports = sync(mail_store(self.home), self.home.config, account)
        except Os1Error as exc:
            return f"{account}: {exc.message}"
        except Exception as exc:  # a mail server's failure must not stop the daemon
            return f"{account}: {type(exc).__name__}: {exc}"
        return "; ".join(r.line() for r in reports)


__all__ = ["MailSync", "OnMail"]
