"""Mail accounts: server addresses and login name in the mail store, password in
:mod:`.passwords`.

Plain (unencrypted) connections are only allowed to loopback hosts.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from os1.config import Config
from os1.db import Database, now
from os1.errors import InputError, NotFoundError
from os1.skills.mail.errors import MailError
from os1.skills.mail.passwords import PasswordStore
from os1.skills.mail.store import MailStore, Row, as_mail

SECURITY = ("tls", "starttls", "plain")


@dataclass(frozen=True)
class Account:
    name: str
    email: str
    imap_host: str
    imap_port: int
    smtp_host: str
    smtp_port: int
    username: str
    security: str
    password_env: str = ""

    @classmethod
    def from_row(cls, r: Row) -> Account:
        return cls(r["name"], r["email"], r["imap_host"], r["imap_port"], r["smtp_host"],
                   r["smtp_port"], r["username"], r["security"], r["password_env"])


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_hostport(value: str, what: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError(f"The {what} address '{value}' should look like HOST:PORT.")
    return host.strip("[]"), int(port)


def validate(acct: Account) -> None:
    if acct.security not in SECURITY:
        raise InputError(f"Security must be one of {', '.join(SECURITY)}, not '{acct.security}'.")
    if acct.security == "plain":
        for host in (acct.imap_host, acct.smtp_host):
            if not is_loopback(host):
                raise InputError(
                    f"Plain (unencrypted) mail is only allowed to this machine; {host} is not "
                    "a loopback address, so use --security tls or starttls."
                )
    if "@" not in acct.email or any(c in acct.email for c in "\r\n <>"):
        raise InputError(f"'{acct.email}' is not an email address.")
    if not acct.name.replace("-", "").replace("_", "").isalnum():
        raise InputError("An account name may use letters, digits, '-' and '_' only.")


class Accounts:
    def __init__(self, db: Database | MailStore, config: Config) -> None:
        self.mail = as_mail(db)
        self.passwords = PasswordStore(Path(config.home), config.mail.password_store)

    def add(self, acct: Account, password: str | None) -> str:
        """Save the account (replacing one of that name); returns where the password went."""
        validate(acct)
        if not password and not acct.password_env:
            raise InputError("Give the account's password (or --password-env VAR naming it).")
        self.mail.save_account({**asdict(acct), "created": now()})
        if password:
            return self.passwords.set(acct.name, password)
        return "environment"

    def all(self) -> list[Account]:
        return [Account.from_row(r) for r in self.mail.accounts()]

    def get(self, name: str | None = None) -> Account:
        accounts = self.all()
        if not accounts:
            raise NotFoundError("No mail account yet; add one with 'os1 mail add'.")
        if name is None:
            return accounts[0]
        for a in accounts:
            if a.name == name:
                return a
        names = ", ".join(a.name for a in accounts)
        raise NotFoundError(f"No mail account called '{name}'; you have: {names}.")

    def remove(self, name: str) -> None:
        acct = self.get(name)
        self.mail.remove_account(acct.name)
        self.passwords.delete(acct.name)

    def password(self, acct: Account) -> str:
        if acct.password_env and os.environ.get(acct.password_env):
            return os.environ[acct.password_env]
        stored = self.passwords.get(acct.name)
        if stored:
            return stored
        hint = f"set ${acct.password_env} or " if acct.password_env else ""
        raise MailError(f"No password for mail account '{acct.name}'; {hint}run 'os1 mail add' again.")
