"""Clear requests matched before the model: answers from the real calendar, contacts and
documents; changes only proposed for approval."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from os1.home import Home
from os1.skills.base import match_intent
from os1.skills.organise import register_intents


def _intents() -> list[Any]:
    found: list[Any] = []
    register_intents(found)
    return found


async def _say(home: Home, text: str) -> str:
    found = match_intent(_intents(), text)
    assert found is not None, text
    intent, m = found
    return str(await intent.run(text, m, home.skill_context))


async def test_calendar_intents(dav_home: Home, actions: Any) -> None:
    answer = await _say(dav_home, "add dinner with Amy to my calendar tomorrow at 7pm")
    assert answer.startswith("Add 'Dinner with Amy' on") and "os1 approvals approve" in answer
    aid = answer.rsplit(" ", 1)[1].strip("'.")
    done = await actions.approve(aid)
    assert done.status == "done", done.result
    tomorrow = (datetime.now() + timedelta(days=1)).strftime("%A")
    agenda = await _say(dav_home, "what's on my calendar tomorrow?")
    assert tomorrow in agenda and "19:00–20:00  Dinner with Amy" in agenda
    move = await _say(dav_home, "move dinner with Amy to 9pm")
    assert "Move 'Dinner with Amy'" in move and "21:00" in move
    assert [r["tool"] for r in actions.pending()] == ["calendar_move"]


async def test_reminder_and_contact_intents(dav_home: Home, actions: Any, approve: Any) -> None:
    said = await _say(dav_home, "remind me to call my sister in 2 hours")
    assert said.startswith("I'll remind you to call your sister")
    for question in ("Remind me of your name?", "remind me what we said about Amy"):
        found = match_intent(_intents(), question)
        assert found is None or found[0].name != "reminders.add", question
    out = await actions.request("contacts_add", {"text": "Amy Pond amy@tardis.test"}, "t",
                                confirm=approve)
    assert out.status == "done"
    assert await _say(dav_home, "what's Amy's email?") == "Amy Pond: amy@tardis.test"


async def test_document_intent_quotes_with_citation(os1_home: Path, tmp_path: Path) -> None:
    from os1.skills.reading.samples import write_pdf
    from os1.skills.reading.tools import read_paths

    home = Home.open(os1_home)
    write_pdf(tmp_path / "lease.pdf", ["Rent\nThe rent is 900 a month.",
                                       "Pets\nOne cat is allowed with consent."])
    read_paths(home.db, [str(tmp_path / "lease.pdf")], vectors=False)
    answer = await _say(home, "What does the lease say about pets?")
    assert answer.startswith("lease.pdf, page 2 says:") and "One cat is allowed" in answer
    home.close()


async def test_timers_alarms_and_agenda_in_everyday_words(dav_home: Home) -> None:
    before = datetime.now() + timedelta(minutes=15)
    said = await _say(dav_home, "Set a timer for fifteen minutes.")
    due = {t.strftime("%H:%M") for t in (before, datetime.now() + timedelta(minutes=15))}
    assert said.startswith("I'll remind you to check the timer"), said
    assert any(f"at {d}" in said for d in due), said
    said = await _say(dav_home, "Wake me up at half past six.")
    assert said.startswith("I'll remind you to wake up") and "at 06:30" in said, said
    said = await _say(dav_home, "Set an alarm for seven tomorrow morning.")
    assert "at 07:00" in said, said
    tomorrow = (datetime.now() + timedelta(days=1)).strftime("%A")
    for text in ("Check my calendar for tomorrow.", "Do I have any meetings tomorrow?"):
        assert tomorrow in await _say(dav_home, text), text
    today = datetime.now().strftime("%A")
    assert today in await _say(dav_home, "Do I have anything on this afternoon?")


async def test_the_time_and_date_come_from_the_clock(os1_home: Path) -> None:
    from zoneinfo import ZoneInfo

    from os1.skills.calendar.service import user_zone

    home = Home.open(os1_home)
    zone = ZoneInfo(user_zone(home.db))
    before = datetime.now(zone)
    said = await _say(home, "What time is it?")
    after = datetime.now(zone)
    assert any(f"It's {t:%H:%M}, on {t:%A}" in said for t in (before, after)), said
    said = await _say(home, "What's the date today?")
    assert any(f"{t:%A}, {t.day} {t:%B %Y}" in said for t in (before, after)), said
    tokyo = [datetime.now(ZoneInfo("Asia/Tokyo")) + timedelta(minutes=k) for k in (0, 1)]
    said = await _say(home, "what time is it in new york?")
    assert said.startswith("It's ") and " in New York, on " in said, said
    said = await _say(home, "What time is it in Tokyo?")
    assert any(f"It's {t:%H:%M} in Tokyo" in said for t in tokyo), said
    assert "don't know which time zone Narnia" in await _say(home, "What time is it in Narnia?")
    assert match_intent(_intents(), "What time does the pharmacy close on Sundays?") is None
    home.close()


def test_other_requests_are_not_taken() -> None:
    for text in ("cancel my subscription", "move the files to the archive",
                 "tell me a story about a lighthouse", "do I have a dog?",
                 "set the table for four"):
        assert match_intent(_intents(), text) is None, text
