"""The `os1 letters` and `os1 book` commands end to end, through a real home directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner
from writing_clients import CLIENTS

from os1.cli.main import app


def run(*args: str) -> str:
    out = CliRunner().invoke(app, list(args))
    assert out.exit_code == 0, out.output
    return out.stdout


def test_letters_desk_to_book(os1_home: Path, tmp_path: Path) -> None:
    roberta = CLIENTS[0]
    run("letters", "add-client", roberta["name"], "--profile", roberta["profile"])
    chris = roberta["recipients"][0]
    run("letters", "add-recipient", roberta["name"], "Chris", "--relation", "husband")
    for note in chris["notes"]:
        run("letters", "note", roberta["name"], note, "--to", "Chris")
    past = tmp_path / "past.txt"
    past.write_text(chris["letters"][0])
    assert "Imported 1" in run("letters", "import", roberta["name"], "Chris", str(past))
    report = json.loads(run("letters", "write", roberta["name"], "Chris", "--occasion",
                            "our anniversary", "--no-meaning", "--json"))
    assert report["text"].startswith("My dearest Chris,")
    assert len(report["memories"]) >= 2 and Path(report["pdf"]).is_file()
    shown = run("letters", "show", roberta["name"])
    assert "written letter to Chris for our anniversary" in shown
    assert "Forever yours" in run("letters", "read", report["id"])
    assert "writes to Chris (husband); 2 letter(s)" in run("letters")
    compiled = run("book", "compile", "--min-score", "0")
    assert "Compiled" in compiled and "2 letters" in compiled
    out = CliRunner().invoke(app, ["book", "submit", "editor@example.test"])
    assert out.exit_code == 0 and "os1 approvals approve" in out.stdout  # no TTY: it waits


@pytest.mark.parametrize("args, message", [
    (["letters", "write", "Nobody", "Chris", "--occasion", "x"], "no client called Nobody"),
    (["letters", "read", "L0"], "no letter L0"),
    (["book", "compile"], "no good letters"),
    (["book", "submit", "a@example.test"], "no book yet"),
])
def test_errors_are_one_sentence(os1_home: Path, args: list[str], message: str) -> None:
    out = CliRunner().invoke(app, args)
    assert out.exit_code == 2 and message in out.output and "Traceback" not in out.output
