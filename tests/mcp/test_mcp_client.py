"""External MCP servers as os1 Tools: a real SDK server (notes_server.py) over stdio, reached
through mcp_servers.toml, with its side-effecting tool held for approval."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from os1.errors import BackendError, ConfigError
from os1.home import Home
from os1.initiative.approvals import Actions
from os1.mcp.client import external_tools, load_servers

HERE = Path(__file__).parent


def write_servers(home_dir: Path, log: Path, extra: str = "") -> None:
    (home_dir / "mcp_servers.toml").write_text(
        "[[servers]]\n"
        'name = "notes"\n'
        f"command = {sys.executable!r}\n"
        f"args = [{str(HERE / 'notes_server.py')!r}]\n"
        f"env = {{ NOTES_LOG = {str(log)!r} }}\n"
        'read_only = ["count_notes"]\n' + extra,
        encoding="utf-8",
    )


async def test_external_tools_run_only_after_approval(
    home: Home, home_dir: Path, tmp_path: Path
) -> None:
    log = tmp_path / "notes.txt"
    write_servers(home_dir, log)
    tools, problems = external_tools(home_dir)
    assert problems == []
    assert set(tools) == {"mcp__notes__add_note", "mcp__notes__count_notes"}
    assert tools["mcp__notes__add_note"].side_effects is True
    assert tools["mcp__notes__count_notes"].side_effects is False

    actions = Actions(home.db, tools, home.skill_context)
    queued = await actions.request("mcp__notes__add_note", {"text": "buy milk"}, "user asked")
    assert queued.status == "pending"
    assert not log.exists()  # the external server was never asked to write
    done = await actions.approve(queued.approval_id)
    assert done.status == "done" and done.result == "noted: buy milk"
    assert log.read_text() == "buy milk\n"
    count = await actions.request("mcp__notes__count_notes", {}, "user asked")
    assert (count.status, count.result) == ("done", "1 notes")


async def test_a_failing_external_call_is_one_sentence(home_dir: Path, tmp_path: Path) -> None:
    write_servers(home_dir, tmp_path / "notes.txt")
    tools, _ = external_tools(home_dir)
    with pytest.raises(BackendError, match="MCP server 'notes'"):
        await tools["mcp__notes__add_note"].run({}, None)  # type: ignore[arg-type]


def test_unreachable_server_is_a_problem_not_a_crash(home_dir: Path, tmp_path: Path) -> None:
    write_servers(
        home_dir, tmp_path / "n.txt",
        '\n[[servers]]\nname = "gone"\ncommand = "/nonexistent/mcp-server"\n',
    )  # fmt: skip
    tools, problems = external_tools(home_dir)
    assert "mcp__notes__add_note" in tools
    assert len(problems) == 1 and "'gone' is unreachable" in problems[0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[servers]]\nname = "x y"\ncommand = "a"\n', "needs a 'name'"),
        ('[[servers]]\nname = "x"\n', "either 'command' or 'url'"),
        ('[[servers]]\nname = "x"\nurl = "http://h"\ncolour = 1\n', "Unknown key 'colour'"),
        ('[[servers]]\nname = "x"\nurl = "http://a"\n[[servers]]\nname = "x"\nurl = "http://b"\n',
         "share a name"),
        ("[[servers]\n", "Cannot read"),
    ],
)
def test_bad_server_lists_say_what_is_wrong(home_dir: Path, text: str, message: str) -> None:
    (home_dir / "mcp_servers.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_servers(home_dir)


def test_cli_lists_external_tools(home_dir: Path, tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "os1.cli", "mcp", "servers"]
    empty = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=True)
    assert "No external MCP servers" in empty.stdout
    write_servers(home_dir, tmp_path / "notes.txt")
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=True)
    assert "mcp__notes__add_note  (asks first)" in out.stdout
    assert "mcp__notes__count_notes  (read-only)" in out.stdout
