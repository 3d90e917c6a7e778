"""Hearing new initiative messages as PostgreSQL announces them (os1.scale.messages.CHANNEL).

A server whose users' due work runs on the job queue does not post their reminders itself: a
worker does, in this process or another, on this host or another. The feed is how the server
learns of them at once: one connection per server LISTENs on the channel, in its own thread,
and hands each announcement (user id, message key) to ``on_message``. When the connection
drops (a Postgres restart), it reconnects and calls ``on_message(None, None)``: anything may
have been missed meanwhile, so every listening user's unseen messages are to be looked at.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable

from os1.scale.db import connect
from os1.scale.messages import CHANNEL

log = logging.getLogger("os1.scale")
OnMessage = Callable[[str | None, str | None], None]


class MessageFeed:
    def __init__(self, url: str, on_message: OnMessage, *, retry_s: float = 2.0,
                 wait_s: float = 0.5) -> None:
        self.url = url
        self.on_message = on_message
        self.retry_s = retry_s
        self.wait_s = wait_s  # how often the listening thread looks at the stop flag
        self.listening = threading.Event()  # set while LISTEN is in force
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="os1-feed", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        first = True
        while not self._stop.is_set():
            try:
                conn = connect(self.url, autocommit=True)
            except Exception as exc:  # the database is away: try again shortly
                log.warning("initiative feed cannot connect (%s); retrying", exc)
                self._stop.wait(self.retry_s)
                continue
            try:
                conn.execute(f"LISTEN {CHANNEL}")
                self.listening.set()
                if not first:
                    self.on_message(None, None)  # missed while away: look at everything
                first = False
                while not self._stop.is_set():
                    for note in conn.notifies(timeout=self.wait_s):
                        self._hand(note.payload)
            except Exception as exc:
                log.warning("initiative feed lost its connection (%s); reconnecting", exc)
                self._stop.wait(self.retry_s)
            finally:
                self.listening.clear()
                conn.close()

    def _hand(self, payload: str) -> None:
        try:
            note = json.loads(payload)
            user, key = str(note["user"]), str(note["key"])
        except (ValueError, KeyError, TypeError):
            log.warning("initiative feed: unreadable announcement %r", payload[:200])
            return
        self.on_message(user, key)


__all__ = ["MessageFeed"]
