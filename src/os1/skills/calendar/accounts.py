"""Where the calendar and contacts servers are, and how to log in to them.

One row per kind ("calendar", "contacts") in the ``dav_accounts`` table. Contacts fall back to
the calendar account when they have none of their own (one server usually serves both).
Passwords are never stored in the database or config: the lookup order is the environment
variable the account names (default ``OS1_DAV_PASSWORD``), then a file
``secrets/dav-<kind>.password`` (mode 600) under the os1 home.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Self

from os1.db import Database, now
from os1.errors import InputError, NotFoundError
from os1.skills.calendar.dav import DavClient

SCHEMA = [
    """
    CREATE TABLE dav_accounts (
        kind TEXT PRIMARY KEY CHECK (kind IN ('calendar', 'contacts')),
        url TEXT NOT NULL,
        username TEXT NOT NULL,
        password_env TEXT NOT NULL DEFAULT 'OS1_DAV_PASSWORD',
        collection_url TEXT NOT NULL DEFAULT '',
        updated REAL NOT NULL
    );
    CREATE TABLE organise_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
]

AccountKind = Literal["calendar", "contacts"]


@dataclass(frozen=True)
class Account:
    kind: AccountKind
    url: str
    username: str
    password_env: str
    collection_url: str


def migrate(db: Database) -> None:
    db.migrate("organise", SCHEMA)


def secret_path(home: Path, kind: AccountKind) -> Path:
    return home / "secrets" / f"dav-{kind}.password"


def save_account(db: Database, account: Account) -> None:
    migrate(db)
    db.execute(
        "INSERT OR REPLACE INTO dav_accounts VALUES (?, ?, ?, ?, ?, ?)",
        (account.kind, account.url, account.username, account.password_env,
         account.collection_url, now()),
    )


def save_password(home: Path, kind: AccountKind, password: str) -> Path:
    path = secret_path(home, kind)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(password)
    return path


def load_account(db: Database, kind: AccountKind) -> Account:
    migrate(db)
    for k in (kind, "calendar"):
        rows = db.query("SELECT * FROM dav_accounts WHERE kind=?", (k,))
        if rows:
            r = rows[0]
            collection = r["collection_url"] if k == kind else ""
            return Account(kind, r["url"], r["username"], r["password_env"], collection)
    raise NotFoundError(
        f"No {kind} server is set up; run 'os1 {kind} connect URL --user NAME' first."
    )


def set_collection(db: Database, kind: AccountKind, url: str) -> None:
    acc = load_account(db, kind)
    save_account(db, Account(kind, acc.url, acc.username, acc.password_env, url))


def password_for(home: Path, account: Account) -> str:
    value = os.environ.get(account.password_env)
    if value:
        return value
    for k in (account.kind, "calendar"):
        path = secret_path(home, k)  # type: ignore[arg-type]
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
    raise NotFoundError(
        f"No password for {account.username}@{account.url}: set {account.password_env} or run "
        f"'os1 {account.kind} connect' again."
    )


def open_client(db: Database, home: Path, kind: AccountKind) -> tuple[DavClient, Account]:
    acc = load_account(db, kind)
    return DavClient(acc.url, acc.username, password_for(home, acc)), acc


async def open_collection(db: Database, home: Path, kind: AccountKind
                          ) -> tuple[DavClient, str]:
    """A client and the collection to use; on first use the first one found (or a new one
    called os1) is chosen and remembered."""
    client, acc = open_client(db, home, kind)
    url = acc.collection_url
    if not url:
        dav_kind: Literal["calendar", "addressbook"] = (
            "calendar" if kind == "calendar" else "addressbook")
        found = await client.collections(dav_kind)
        url = found[0].url if found else (
            await client.make_collection(dav_kind, f"os1-{kind}", "os1")).url
        set_collection(db, kind, url)
    return client, url


class DavSession:
    """Base of the calendar and contacts services: ``async with await X.open(db, home)``."""

    client: DavClient

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.__aexit__()


def get_setting(db: Database, key: str, default: str = "") -> str:
    migrate(db)
    rows = db.query("SELECT value FROM organise_settings WHERE key=?", (key,))
    return str(rows[0]["value"]) if rows else default


def set_setting(db: Database, key: str, value: str) -> None:
    migrate(db)
    db.execute("INSERT OR REPLACE INTO organise_settings VALUES (?, ?)", (key, value))


def read_arg_file(args: dict[str, object], kind: str) -> tuple[str, str]:
    """(file name, text) of the file a tool's ``path`` argument names."""
    path = Path(str(args["path"]))
    return path.name, read_text_file(path, kind)


def read_text_file(path: Path, kind: str) -> str:
    """A user-given .ics/.vcf file as text, or an InputError saying why it cannot be used."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not a text {kind} file (not UTF-8).") from exc
