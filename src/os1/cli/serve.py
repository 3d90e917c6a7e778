"""`os1 serve`: the web app, many users and the OpenAI-compatible API, in one process."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from os1.cli.common import console, plain_errors

DataOption = Annotated[
    Path | None,
    typer.Option("--data", help="Server data folder (users.db and homes); default: "
                 "server.data_dir, else <OS1_HOME>/server."),
]


def raise_file_limit() -> int:
    """Each open conversation is a socket: allow as many open files as the system lets us."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        return hard
    return soft


@plain_errors
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.", min=1, max=65535)] = None,
    data: DataOption = None,
) -> None:
    """Serve the web app and the OpenAI-compatible API to many users.

    Each user's scheduler (reminders, the morning briefing, check-ins) runs in the server too;
    what it says appears in the user's open tabs with its reason. With OS1_DATABASE_URL the
    server hands due work to the PostgreSQL job queue instead, which its own
    server.queue_workers threads and any 'os1 worker' process run.
    """
    import uvicorn

    from os1.config import load_config
    from os1.server import ServerState, create_app
    from os1.server.app import uvicorn_options

    config = load_config()
    host = host or config.server.host
    port = port or config.server.port
    state = ServerState.open(config, data)
    limit = raise_file_limit()
    console.print(
        f"os1 serve: http://{host}:{port}  (data in {state.root}, engine {config.server.engine}, "
        f"model {config.brain.backend}, up to {limit:,} open files)"
    )
    if config.server.database_url:
        n = config.server.queue_workers
        console.print(f"background work: the PostgreSQL job queue, {n} worker thread(s) here"
                      + ("" if n else "; run 'os1 worker' to do it"))
    uvicorn.run(
        create_app(state), host=host, port=port, log_level="warning",
        **uvicorn_options(config.server.max_body_bytes),  # type: ignore[arg-type]
    )


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
