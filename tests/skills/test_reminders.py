"""Reminders: plain-language parsing, and delivery by the real initiative daemon after a
restart (a new process state on the same home), including repeats."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from os1.home import Home
from os1.initiative.clock import ManualClock
from os1.initiative.daemon import Daemon
from os1.initiative.messages import Inbox
from os1.skills import reminders

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2031, 3, 12, 14, 0, tzinfo=LONDON)  # a Wednesday afternoon


def test_parse_common_phrasings() -> None:
    cases = {
        "remind me to call my sister at 6": ("call my sister", "Wed 18:00"),
        "remind me at 9 tomorrow to book the dentist": ("book the dentist", "Thu 09:00"),
        "remind me in 20 minutes to check the oven": ("check the oven", "Wed 14:20"),
        "Remind me about the bins every Monday at 7pm": ("the bins", "Mon 19:00"),
    }
    for text, (what, when) in cases.items():
        req = reminders.parse_reminder(text, NOW, "Europe/London")
        assert (req.what, req.when.start.strftime("%a %H:%M")) == (what, when), text


def test_confirmation_speaks_to_the_user() -> None:
    from os1.text import second_person

    assert second_person("call my mother and tell me I'm late") == (
        "call your mother and tell you you're late"
    )


async def test_chat_reminder_and_a_skill_that_is_not_set_up(os1_home: Path) -> None:
    from os1.engine.wiring import build_engine
    from os1.events import TurnEnded
    from os1.mind.persona import Persona
    from os1.testing import ScriptedModel, temp_home

    home = temp_home(os1_home, ScriptedModel(["(the model is not used for skills)"]))
    engine = build_engine(home, Persona(os_name="Wren", user_name="Theodore"))
    events = [e async for e in engine.turn("Remind me to call my mother at six tomorrow")]
    assert isinstance(events[-1], TurnEnded)
    assert events[-1].reply.startswith("I'll remind you to call your mother on")
    assert "at 18:00" in events[-1].reply
    events = [e async for e in engine.turn("What's on my calendar tomorrow?")]
    assert isinstance(events[-1], TurnEnded)  # the skill's plain error is said, not raised
    assert "No calendar server is set up" in events[-1].reply


def test_parse_refuses_vague_or_past() -> None:
    with pytest.raises(Exception, match="could not find when"):
        reminders.parse_reminder("remind me to breathe", NOW, "Europe/London")
    with pytest.raises(Exception, match="no time"):
        reminders.parse_reminder("remind me to pay rent tomorrow", NOW, "Europe/London")


async def test_fires_after_restart(os1_home: Path) -> None:
    home = Home.open(os1_home)
    reminders.create(home.db, "remind me to call my sister at 6", NOW, "Europe/London")
    reminders.create(home.db, "remind me every Thursday at 8am to water the plants",
                                 NOW, "Europe/London")
    assert [i.payload["text"] for i in reminders.pending(home.db)] == [
        "call my sister", "water the plants"]
    home.close()  # os1 stops here; nothing is kept in memory

    clock = ManualClock(datetime(2031, 3, 12, 18, 0, 5, tzinfo=LONDON), tz=LONDON)
    home = Home.open(os1_home)
    daemon = Daemon(home, clock)
    await daemon.tick()
    texts = [m.text for m in Inbox(home.db).recent()]
    assert "Reminder: call your sister" in texts
    clock.set(datetime(2031, 3, 13, 8, 0, 1, tzinfo=LONDON))
    await daemon.tick()
    clock.set(datetime(2031, 3, 20, 8, 0, 1, tzinfo=LONDON))
    await daemon.tick()
    texts = [m.text for m in Inbox(home.db).recent()]
    assert texts.count("Reminder: water the plants") == 2
    nxt = [i for i in reminders.pending(home.db) if i.payload["text"] == "water the plants"]
    assert [datetime.fromtimestamp(i.due, LONDON).strftime("%d %H:%M") for i in nxt] == [
        "27 08:00"]
    home.close()


def test_cli_remind_list_cancel(os1_home: Path) -> None:
    from typer.testing import CliRunner

    from os1.cli.main import app

    runner = CliRunner()
    out = runner.invoke(app, ["remind", "to stretch in 2 hours"])
    assert out.exit_code == 0 and "I'll remind you to stretch" in out.output
    out = runner.invoke(app, ["remind", "--list"])
    rid = out.output.split()[0]
    assert "stretch" in out.output
    out = runner.invoke(app, ["remind", "--cancel", rid])
    assert "Cancelled the reminder to stretch" in out.output
    out = runner.invoke(app, ["remind", "buy milk"])
    assert out.exit_code == 2 and "could not find when" in out.output
