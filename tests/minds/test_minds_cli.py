"""The CLI end to end: os1 minds create/list/show/ask/remove, os1 meet, os1 look."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from os1.cli.main import app

DATA = Path(__file__).parent / "data"
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_create_ask_meet_list_remove(os1_home: Path) -> None:
    code, out, err = run("minds", "create", "Orla Venn", "--from", str(DATA / "venn"))
    assert code == 0, err
    assert "Signature phrases" in out and "river" in out
    assert run("minds", "create", "Ashgrove", "--from", str(DATA / "ashgrove"))[0] == 0
    code, out, err = run("minds", "create", "Ashgrove", "--from", str(DATA / "ashgrove"))
    assert code == 2 and "--force" in err
    code, out, _ = run("minds", "list", "--json")
    assert json.loads(out) == ["Ashgrove", "Orla Venn"]
    code, out, _ = run("minds", "ask", "Ashgrove", "What is duty?", "--json")
    reply = json.loads(out)
    assert reply["sources"][0].startswith("of-duty.txt, paragraph")
    code, out, _ = run("meet", "Orla Venn", "Ashgrove", "--topic", "grief", "--turns", "4",
                       "--json")
    meeting = json.loads(out)
    assert code == 0 and len(meeting["lines"]) == 4
    assert set(meeting["sessions"]) == {"Orla Venn", "Ashgrove"}
    code, out, _ = run("minds", "show", "Orla Venn", "--json")
    assert json.loads(out)["mean_sentence_words"] < 10
    assert run("minds", "remove", "Orla Venn")[0] == 0
    code, _, err = run("minds", "ask", "Orla Venn", "hello?")
    assert code == 2 and "no persona called" in err


def test_meet_without_consent_is_refused(os1_home: Path) -> None:
    assert run("init", "--user-name", "Theo", "--yes")[0] == 0
    assert run("minds", "create", "Ashgrove", "--from", str(DATA / "ashgrove"))[0] == 0
    code, _, err = run("meet", "me", "Ashgrove", "--topic", "duty")
    assert code == 4 and "has not allowed meetings" in err
    assert run("minds", "allow-meet")[0] == 0
    code, out, err = run("meet", "me", "Ashgrove", "--topic", "duty", "--turns", "2")
    assert code == 0, err
    assert "Ashgrove:" in out


def test_empty_corpus_and_bad_image_errors(os1_home: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run("minds", "create", "Nobody", "--from", str(empty))
    assert code == 2 and "no writing I can read" in err
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
    code, _, err = run("look", str(bad))
    assert code == 2 and "bad.png" in err and "Traceback" not in err


def test_look_remembers(os1_home: Path, images: dict[str, Path]) -> None:
    code, out, err = run("look", str(images["sunset"]), "--note", "the sunset at the beach",
                         "--json")
    assert code == 0, err
    sight = json.loads(out)
    assert sight["memory_id"] and "sunset" in sight["summary"]
    code, out, _ = run("memory", "search", "sunset at the beach")
    assert sight["memory_id"] in out


def test_persona_create_is_the_same_as_minds_create(os1_home: Path) -> None:
    code, out, err = run("persona", "create", "Orla Venn", "--from", str(DATA / "venn"))
    assert code == 0, err
    assert "Signature phrases" in out
    assert json.loads(run("minds", "list", "--json")[1]) == ["Orla Venn"]
    code, _, err = run("persona")
    assert code == 2 and "os1 init" in err  # the OS's own persona is separate and not made yet
