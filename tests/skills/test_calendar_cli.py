"""`os1 calendar` end to end through the real CLI app against Radicale."""

from __future__ import annotations

from typer.testing import CliRunner

from os1.cli.main import app
from os1.home import Home

runner = CliRunner()


def test_cli_add_agenda_move_cancel(dav_home: Home) -> None:
    out = runner.invoke(app, ["calendar", "add", "dentist on 2031-03-11 at 3pm for 45 minutes",
                              "--yes"])
    assert out.exit_code == 0, out.output
    assert "Added 'Dentist' on Tue 11 Mar 15:00" in out.output
    out = runner.invoke(app, ["calendar", "agenda", "2031-03-11"])
    assert out.exit_code == 0 and "15:00–15:45  Dentist" in out.output
    out = runner.invoke(app, ["calendar", "move", "dentist to 2031-03-12 at 10am", "--yes"])
    assert out.exit_code == 0 and "Moved 'Dentist' to Wed 12 Mar 10:00" in out.output
    out = runner.invoke(app, ["calendar", "agenda", "2031-03-12"])
    assert "10:00–10:45  Dentist" in out.output


def test_cli_without_a_tty_leaves_the_change_pending(dav_home: Home) -> None:
    out = runner.invoke(app, ["calendar", "add", "party on 2031-03-15 at 8pm"])
    assert out.exit_code == 0 and "Waiting for approval" in out.output
    out = runner.invoke(app, ["calendar", "agenda", "2031-03-15"])
    assert "nothing scheduled" in out.output


def test_cli_plain_errors(dav_home: Home) -> None:
    out = runner.invoke(app, ["calendar", "move", "nonexistent thing to Friday at 8", "--yes"])
    assert out.exit_code != 0 and "No event matching 'nonexistent thing'" in out.output
    assert "Traceback" not in out.output
    out = runner.invoke(app, ["calendar", "add", "buy milk", "--yes"])
    assert out.exit_code == 2 and "could not find a day or time" in out.output


def test_cli_connect_checks_the_login(radicale: str, os1_home: object) -> None:
    import uuid

    name = f"cli-{uuid.uuid4().hex[:8]}"
    out = runner.invoke(app, ["calendar", "connect", radicale, "--user", "alice",
                              "--password-stdin", "--calendar", name], input="secret\n")
    assert out.exit_code == 0, out.output
    assert f"Connected alice at {radicale}; using calendar '{name}'" in out.output
    out = runner.invoke(app, ["calendar", "connect", radicale, "--user", "alice",
                              "--password-stdin"], input="wrong\n")
    assert out.exit_code == 3 and "refused user 'alice'" in out.output
    out = runner.invoke(app, ["calendar", "connect", "http://127.0.0.1:9/", "--user", "alice",
                              "--password-stdin"], input="secret\n")
    assert out.exit_code == 3 and "Cannot reach the server" in out.output
