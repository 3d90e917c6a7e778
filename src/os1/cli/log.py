"""`os1 log`: the audit log: every action os1 took, when, why, and what allowed it."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from os1.cli.common import console, open_home, plain_errors


def explain(allowed_by: str, rules: dict[str, str]) -> str:
    """'rule:r1:a2' -> 'standing rule r1 (always archive newsletters), request a2'."""
    kind, _, rest = allowed_by.partition(":")
    if kind == "rule":
        rule, _, aid = rest.partition(":")
        what = rules.get(rule, "since removed")
        return f"standing rule {rule} ({what}), request {aid}"
    if kind == "approval":
        return f"your approval of {rest}"
    if kind == "interactive":
        return f"your yes when asked ({rest})"
    return allowed_by


def log(
    limit: Annotated[int, typer.Option(help="How many entries, newest first.", min=1)] = 50,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show what os1 did, when, why, and under which approval or rule."""
    from os1.initiative.clock import stamp

    actions = open_home().actions
    rules = {r["id"]: r["description"] for r in actions.rules()}
    rows: list[dict[str, Any]] = []
    for r in actions.audit(limit):
        row = dict(r)
        row["arguments"] = json.loads(row["arguments"])
        row["allowed"] = explain(row["allowed_by"], rules)
        rows.append(row)
    if json_out:
        print(json.dumps(rows))
        return
    if not rows:
        console.print("Nothing yet: os1 has not acted on anything.")
    for row in rows:
        console.print(f"[dim]{stamp(row['ts'])}[/dim] [bold]{row['tool']}[/bold] "
                      f"{row['outcome']}: {row['result']}", soft_wrap=True)
        console.print(f"  why: {row['reason']}; allowed by {row['allowed']}", soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command("log")(plain_errors(log))
