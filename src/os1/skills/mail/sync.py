"""Incremental sync from IMAP into the local store, and IMAP IDLE to wait for new mail.

Per folder: STATUS first (a folder whose UIDVALIDITY, UIDNEXT, message count and HIGHESTMODSEQ
are unchanged costs one round trip); a changed UIDVALIDITY drops the folder's local copy; new
UIDs are fetched in ascending batches bounded by count and bytes, and every batch is committed
together with the folder's new high-water UID, so a sync that dies half way resumes where it
stopped with no duplicates. Flags come from CONDSTORE's CHANGEDSINCE where offered, and
vanished messages are noticed by comparing counts. Huge messages are fetched only in part.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from os1.config import Config
from os1.db import Database
from os1.skills.mail.accounts import Account, Accounts
from os1.skills.mail.imap import Fetched, ImapClient, session
from os1.skills.mail.mime import parse
from os1.skills.mail.safety import assess
from os1.skills.mail.store import FolderState, MailStore, as_mail
from os1.skills.mail.triage import History, TriageInput, triage

Progress = Callable[[str, int, int], None]  # folder, done, total
BATCH_BYTES = 16_000_000
_UNTRIAGED = ("\\Sent", "\\Drafts")


@dataclass
class SyncReport:
    account: str
    new: int = 0
    flags: int = 0
    removed: int = 0
    folders: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        return (f"{self.account}: {self.new} new, {self.flags} flag changes, {self.removed} "
                f"removed in {self.folders} folders ({self.seconds:.1f}s)")


class SenderHistory:
    """How often the user wrote to / heard from each address, for triage."""

    def __init__(self, db: Database | MailStore, account: str) -> None:
        mail = as_mail(db)
        self.sent_to: Counter[str] = Counter(mail.sent_recipients(account))
        self.received: Counter[str] = Counter(mail.received_counts(account))

    def of(self, addr: str) -> History:
        return History(self.sent_to.get(addr, 0), self.received.get(addr, 0))


def build_row(acct: Account, folder: str, use: str, f: Fetched,
              history: SenderHistory) -> dict[str, Any]:
    p = parse(f.raw, f.truncated)
    atts = [a.as_dict() for a in p.attachments]
    row: dict[str, Any] = {
        "account": acct.name, "folder": folder, "uid": f.uid, "message_id": p.message_id,
        "in_reply_to": p.in_reply_to, "thread_id": "", "subject": p.subject,
        "from_name": p.from_name, "from_addr": p.from_addr, "reply_to": p.reply_to,
        "to_addrs": json.dumps(p.to), "cc_addrs": json.dumps(p.cc),
        "n_recipients": p.n_recipients, "date": p.date, "flags": f.flags, "size": f.size,
        "truncated": int(f.truncated), "body": p.body, "hidden_text": p.hidden,
        "attachments": json.dumps(atts), "links": json.dumps(p.links),
        "headers": json.dumps(p.headers), "defects": "; ".join(dict.fromkeys(p.defects)),
        "suspicious": 0, "suspicious_reasons": "", "category": "", "priority": 0,
        "triage_reasons": "", "deadline": "", "ask": "", "synced": time.time(),
        "_refs": [p.in_reply_to, *reversed(p.references)],
    }
    if use in _UNTRIAGED:
        history.sent_to.update(p.to + p.cc)
        row["category"] = "sent" if use == "\\Sent" else "draft"
        return row
    verdict = assess(p.body, p.hidden, p.subject, atts, p.links)
    tri = triage(TriageInput(p.subject, p.body, p.from_addr, p.from_name, p.to, p.cc,
                             p.n_recipients, p.headers, verdict.suspicious, p.reply_to),
                 acct.email, history.of(p.from_addr))
    history.received[p.from_addr] += 1
    category = "junk" if use == "\\Junk" else tri.category
    row.update(suspicious=int(verdict.suspicious), suspicious_reasons="; ".join(verdict.reasons),
               category=category, priority=tri.priority, triage_reasons="; ".join(tri.reasons),
               deadline=tri.deadline, ask=tri.ask)
    return row


def _batches(meta: dict[int, tuple[int, str]], count: int, max_bytes: int) -> list[list[int]]:
    out: list[list[int]] = [[]]
    size = 0
    for uid in sorted(meta):
        cost = min(meta[uid][0], max_bytes)
        if out[-1] and (len(out[-1]) >= count or size + cost > BATCH_BYTES):
            out.append([])
            size = 0
        out[-1].append(uid)
        size += cost
    return [b for b in out if b]


class FolderSync:
    def __init__(self, client: ImapClient, mail: MailStore, config: Config, acct: Account,
                 history: SenderHistory, progress: Progress | None) -> None:
        self.c, self.mail, self.acct, self.history = client, mail, acct, history
        self.batch, self.max_bytes = config.mail.sync_batch, config.mail.max_fetch_bytes
        self.progress = progress

    def run(self, name: str, use: str, report: SyncReport) -> None:
        st = self.mail.folder_state(self.acct.name, name)
        st.special_use = use
        status = self.c.status(name)
        local = self.mail.local_uids(self.acct.name, name)
        if st.uidvalidity and status.get("uidvalidity") != st.uidvalidity:
            self.mail.delete_uids(self.acct.name, name, sorted(local))
            local, st.last_uid, st.highestmodseq = set(), 0, 0
        st.uidvalidity = status.get("uidvalidity", 0)
        modseq = status.get("highestmodseq", 0)
        if (status.get("uidnext", 0) <= st.last_uid + 1 and status.get("messages") == len(local)
                and "highestmodseq" in status and modseq == st.highestmodseq):
            self.mail.save_folder(st, time.time())
            return
        self.c.select(name)
        if st.last_uid and local:
            self._flags(name, st, report)
        meta = {u: v for u, v in self.c.fetch_meta(f"{st.last_uid + 1}:*").items()
                if u > st.last_uid}
        new = {u: v for u, v in meta.items() if u not in local}
        if status.get("messages", 0) != len(local) + len(new) and local:
            gone = sorted(local - set(self.c.search_all()))
            self.mail.delete_uids(self.acct.name, name, gone)
            report.removed += len(gone)
        self._fetch_new(name, use, st, new, report)
        st.last_uid = max([st.last_uid, *meta])
        st.highestmodseq = modseq
        self.mail.save_folder(st, time.time())

    def _flags(self, name: str, st: FolderState, report: SyncReport) -> None:
        changed = self.c.fetch_meta(f"1:{st.last_uid}", changedsince=st.highestmodseq)
        if not st.highestmodseq:  # no CONDSTORE: compare every flag with ours
            have = self.mail.uid_flags(self.acct.name, name)
            changed = {u: v for u, v in changed.items() if have.get(u, v[1]) != v[1]}
        if changed:
            self.mail.set_flags(self.acct.name, name, {u: v[1] for u, v in changed.items()})
            report.flags += len(changed)

    def _fetch_new(self, name: str, use: str, st: FolderState,
                   new: dict[int, tuple[int, str]], report: SyncReport) -> None:
        done, total = 0, len(new)
        if self.progress and total:
            self.progress(name, 0, total)
        for group in _batches(new, self.batch, self.max_bytes):
            big = {u for u in group if new[u][0] > self.max_bytes}
            fetched = self.c.fetch_bodies(group, self.max_bytes, big)
            rows = [build_row(self.acct, name, use, f, self.history) for f in fetched]
            st.last_uid = max(group)
            self.mail.add_batch(rows, st)  # the high-water mark moves with the batch, atomically
            done += len(group)
            report.new += len(rows)
            if self.progress:
                self.progress(name, done, total)


def _order(folders: list[tuple[str, str]]) -> list[tuple[str, str]]:
    # Sent first: sender history (who the user writes to) feeds triage of the inbox.
    rank = {"\\Sent": 0, "": 2}
    return sorted(folders, key=lambda f: (rank.get(f[1], 3), f[0] != "INBOX", f[0]))


def sync_account(db: Database | MailStore, config: Config, acct: Account, password: str,
                 progress: Progress | None = None, only: tuple[str, ...] = ()) -> SyncReport:
    t0 = time.perf_counter()
    mail = as_mail(db)
    report = SyncReport(acct.name)
    with session(acct, password, config.mail.timeout_s) as client:
        folders = _order(client.folders())
        if only:
            folders = [f for f in folders if f[0] in only]
        runner = FolderSync(client, mail, config, acct, SenderHistory(mail, acct.name), progress)
        for name, use in folders:
            runner.run(name, use, report)
            report.folders += 1
    report.seconds = time.perf_counter() - t0
    return report


def sync(db: Database | MailStore, config: Config, account: str | None = None,
         progress: Progress | None = None, only: tuple[str, ...] = ()) -> list[SyncReport]:
    """Sync one named account, or all of them."""
    mail = as_mail(db)
    accounts = Accounts(mail, config)
    chosen = [accounts.get(account)] if account else accounts.all() or [accounts.get()]
    return [sync_account(mail, config, a, accounts.password(a), progress, only) for a in chosen]


def wait_for_mail(db: Database | MailStore, config: Config, account: str | None = None,
                  timeout: float = 300.0, stop: threading.Event | None = None,
                  folder: str = "INBOX") -> SyncReport | None:
    """Block (IMAP IDLE) until ``folder`` changes or ``timeout`` passes, then sync it.
    Returns the sync report, or None when nothing happened."""
    mail = as_mail(db)
    accounts = Accounts(mail, config)
    acct = accounts.get(account)
    password = accounts.password(acct)
    with session(acct, password, config.mail.timeout_s) as client:
        st = mail.folder_state(acct.name, folder)
        status = client.status(folder)
        behind = status.get("uidnext", 0) > st.last_uid + 1 or status.get(
            "highestmodseq", 0) != st.highestmodseq
        if not behind:
            client.select(folder)
            behind = client.idle(timeout, stop)
    if not behind:
        return None
    return sync_account(mail, config, acct, password, only=(folder,))


async def watch(db: Database | MailStore, config: Config, on_report: Callable[[SyncReport], Any],
                stop: asyncio.Event, account: str | None = None, slice_s: float = 300.0) -> None:
    """Daemon loop: IDLE, sync, report, again, until ``stop`` is set."""
    flag = threading.Event()

    async def relay() -> None:
        await stop.wait()
        flag.set()

    relay_task = asyncio.create_task(relay())
    try:
        while not stop.is_set():
            report = await asyncio.to_thread(wait_for_mail, db, config, account, slice_s, flag)
            if report is not None and report.new:
                on_report(report)
    finally:
        relay_task.cancel()
