"""`os1 mood` and `os1 journal` through the real Typer app on a real home."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from os1.cli.main import app
from os1.cli.mood import sparkline
from os1.home import Home
from os1.mind.affect import Affect

runner = CliRunner()


def test_sparkline_spans_the_range() -> None:
    assert sparkline([-1.0, 0.0, 1.0]) == "▁▅█"
    assert len(sparkline([0.1] * 500, width=60)) <= 60
    assert sparkline([]) == ""


def test_mood_shows_current_state_history_and_why() -> None:
    home = Home.open()
    Affect(home.db).observe_turn("I'm so stressed and anxious about tomorrow")
    home.close()
    r = runner.invoke(app, ["mood"])
    assert r.exit_code == 0, r.output
    assert "you sounded stress" in r.output and "valence, last 7 days:" in r.output
    data = json.loads(runner.invoke(app, ["mood", "--json"]).output)
    assert data["current"]["valence"] < 0.2 and len(data["history"]) == 1
    assert data["hint"].startswith("You feel")


def test_journal_reflects_on_finished_sessions_and_reads_them() -> None:
    home = Home.open()
    sid = home.episodes.new_session()
    home.episodes.add_turn(sid, "user", "I work at the library and I love jazz.")
    home.episodes.add_turn(sid, "assistant", "What do you like to listen to?")
    home.episodes.end_session(sid)
    home.close()
    data = json.loads(runner.invoke(app, ["journal", "--json"]).output)
    [entry] = data["entries"]
    assert entry["learned_about_user"] == ["you work at the library", "you love jazz"]
    assert data["self_model"]["sessions"] == 1
    r = runner.invoke(app, ["journal"])
    assert r.exit_code == 0 and "What I learned about you: you work at the library" in r.output
    assert "Who I am becoming" in r.output
    # Reading again does not write a second entry.
    assert len(json.loads(runner.invoke(app, ["journal", "--json"]).output)["entries"]) == 1


def test_empty_journal_says_so() -> None:
    r = runner.invoke(app, ["journal"])
    assert r.exit_code == 0 and "The journal is empty" in r.output
