"""Fixtures for the organise skills: a real Radicale CalDAV/CardDAV server on 127.0.0.1:5232
(started once per session by scripts/services/radicale_up.sh, reused if already running) and a
home connected to a fresh calendar and address book on it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from os1.home import Home

ROOT = Path(__file__).resolve().parents[2]
DAV_URL = "http://127.0.0.1:5232/"


@pytest.fixture(scope="session")
def radicale() -> str:
    env = {**os.environ, "PYTHON": sys.executable}
    proc = subprocess.run(["bash", str(ROOT / "scripts/services/radicale_up.sh")], env=env,
                          capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        pytest.fail(f"Radicale did not start: {proc.stderr.strip()}")
    return DAV_URL


async def _fresh_collections(home: Home) -> tuple[str, str]:
    from os1.skills.calendar import accounts

    client, _ = accounts.open_client(home.db, home.path, "calendar")
    tag = uuid.uuid4().hex[:10]
    async with client:
        cal = await client.make_collection("calendar", f"cal-{tag}", f"Test {tag}")
        book = await client.make_collection("addressbook", f"book-{tag}", f"Book {tag}")
    return cal.url, book.url


@pytest.fixture
def dav_home(radicale: str, os1_home: Path) -> Iterator[Home]:
    """A home whose calendar and contacts point at new, empty collections for alice."""
    from os1.skills.calendar import accounts

    home = Home.open(os1_home)
    accounts.save_account(home.db, accounts.Account("calendar", radicale, "alice",
                                                    "OS1_TEST_NO_SUCH_VAR", ""))
    accounts.save_password(home.path, "calendar", "secret")
    accounts.set_setting(home.db, "timezone", "Europe/London")
    cal_url, book_url = asyncio.run(_fresh_collections(home))
    accounts.set_collection(home.db, "calendar", cal_url)
    accounts.save_account(home.db, accounts.Account("contacts", radicale, "alice",
                                                    "OS1_TEST_NO_SUCH_VAR", book_url))
    yield home
    home.close()


@pytest.fixture
def approve() -> Any:
    """An interactive confirm that says yes (the user typed y)."""

    async def yes(_summary: str) -> bool:
        return True

    return yes


@pytest.fixture
def actions(dav_home: Home) -> Any:
    """Actions over exactly the organise tools (what plugins registers for the built-ins)."""
    from os1.initiative.approvals import Actions
    from os1.skills.organise import register_tools

    tools: dict[str, Any] = {}
    register_tools(tools)
    return Actions(dav_home.db, tools, dav_home.skill_context)
