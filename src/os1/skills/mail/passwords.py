"""Where mail passwords live: the system keyring when a real backend works, else an encrypted
file under the home (``mail/passwords.enc``, Fernet) whose key sits in ``mail/secret.key``
(mode 600). Lookup order when connecting: the account's environment variable, then the store.
Passwords are never written to config, logs or the database.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from os1.errors import StorageError

SERVICE = "os1-mail"


def _keyring_usable() -> bool:
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return False
    try:
        backend = keyring.get_keyring()
    except Exception:
        return False
    if isinstance(backend, fail.Keyring):
        return False
    # chainer with nothing usable, or the plaintext/null ones: treat as "no keyring"
    name = type(backend).__module__ + "." + type(backend).__name__
    return not any(bad in name for bad in ("fail", "null", "chainer", "PlaintextKeyring"))


class PasswordStore:
    def __init__(self, home: Path, mode: str = "auto") -> None:
        self.dir = home / "mail"
        self.mode = mode

    @property
    def backend(self) -> str:
        if self.mode == "keyring" or (self.mode == "auto" and _keyring_usable()):
            return "keyring"
        return "file"

    # encrypted file -------------------------------------------------------------------
    def _fernet(self) -> object:
        from cryptography.fernet import Fernet

        key_path = self.dir / "secret.key"
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            if not key_path.exists():
                fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(Fernet.generate_key())
            os.chmod(key_path, 0o600)
            return Fernet(key_path.read_bytes().strip())
        except OSError as exc:
            raise StorageError(f"Cannot use the mail key file {key_path}: {exc.strerror}.") from exc

    def _load(self) -> dict[str, str]:
        from cryptography.fernet import InvalidToken

        path = self.dir / "passwords.enc"
        if not path.exists():
            return {}
        try:
            raw = self._fernet().decrypt(path.read_bytes())  # type: ignore[attr-defined]
        except InvalidToken as exc:
            raise StorageError(
                f"{path} cannot be decrypted with {self.dir / 'secret.key'}; "
                "add the account again with 'os1 mail add'."
            ) from exc
        data: dict[str, str] = json.loads(raw)
        return data

    def _save(self, data: dict[str, str]) -> None:
        token = self._fernet().encrypt(json.dumps(data).encode())  # type: ignore[attr-defined]
        path = self.dir / "passwords.enc"
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(token)
        tmp.replace(path)

    # public ---------------------------------------------------------------------------
    def set(self, account: str, password: str) -> str:
        """Store the password; returns where it went ("keyring" or "file")."""
        if self.backend == "keyring":
            import keyring

            keyring.set_password(SERVICE, account, password)
            return "keyring"
        data = self._load()
        data[account] = password
        self._save(data)
        return "file"

    def get(self, account: str) -> str | None:
        if self.backend == "keyring":
            import keyring

            return keyring.get_password(SERVICE, account)
        return self._load().get(account)

    def delete(self, account: str) -> None:
        if self.backend == "keyring":
            import keyring
            from keyring.errors import PasswordDeleteError

            with contextlib.suppress(PasswordDeleteError):
                keyring.delete_password(SERVICE, account)
            return
        data = self._load()
        if data.pop(account, None) is not None:
            self._save(data)
