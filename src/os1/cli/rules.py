"""`os1 rules list|add|remove`: standing rules that let os1 act without asking each time."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from os1.cli.common import console, open_home, plain_errors
from os1.errors import InputError

rules_app = typer.Typer(help="Standing rules: 'always archive newsletters' and the like.",
                        invoke_without_command=True)


def parse_match(pairs: list[str]) -> dict[str, Any]:
    """['sender=news@x.test', 'count=3'] -> {'sender': 'news@x.test', 'count': 3}."""
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--match wants KEY=VALUE, not '{pair}'.")
        try:
            value: Any = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        out[key.strip()] = value
    return out


@rules_app.callback()
def rules_root(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand is None:
        list_rules(json_out=False)


@rules_app.command("list")
@plain_errors
def list_rules(
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List standing rules."""
    rows = [dict(r) for r in open_home().actions.rules()]
    for r in rows:
        r["match"] = json.loads(r["match"])
    if json_out:
        print(json.dumps(rows))
        return
    if not rows:
        console.print("No standing rules: os1 asks before every action.")
    for r in rows:
        match = " ".join(f"{k}={v}" for k, v in r["match"].items()) or "(any arguments)"
        console.print(f"[bold]{r['id']}[/bold]  {r['tool']}  {match}  "
                      f"[dim]{r['description']}[/dim]")


@rules_app.command("add")
@plain_errors
def add(
    tool: Annotated[str, typer.Argument(help="The tool the rule allows, e.g. mail_archive.")],
    match: Annotated[list[str] | None, typer.Option(help="KEY=VALUE the arguments must have.")]
    = None,
    why: Annotated[str, typer.Option(help="The rule in your words.")] = "",
) -> None:
    """Let os1 run TOOL without asking when its arguments match."""
    wanted = parse_match(match or [])
    description = why.strip() or f"always allow {tool}"
    rid = open_home().actions.add_rule(tool, wanted, description)
    console.print(f"Added rule {rid}: {description}.")


@rules_app.command("remove")
@plain_errors
def remove(rule_id: Annotated[str, typer.Argument(help="The rule's id from 'os1 rules'.")]) -> None:
    """Remove a standing rule; os1 asks again from now on."""
    open_home().actions.remove_rule(rule_id)
    console.print(f"Removed rule {rule_id}.")


def register(app: typer.Typer) -> None:
    app.add_typer(rules_app, name="rules")
