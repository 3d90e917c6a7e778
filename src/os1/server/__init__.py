"""``os1 serve``: the web app, many users, and an OpenAI-compatible API.

users.py (accounts, API tokens, sessions in users.db), auth.py (passwords, cookies, CSRF,
rate limits), homes.py (one Home and Engine per user, kept in an LRU), voice.py (speech in
and out for the browser), camera.py (camera mode: looking at frames from the
browser's camera), app.py (the Starlette app and its middleware), routes_*.py (JSON
routes), ws.py (the conversation WebSocket), openai_api.py (/v1), web/ (the static UI).

Each user's OS is its own Home directory under ``<data>/users/<user id>/``: isolation by
construction, since a request only ever reaches the Home of the user it authenticated as.
May import every os1 package except cli.
"""

from __future__ import annotations

from os1.server.app import ServerState, create_app

__all__ = ["ServerState", "create_app"]
