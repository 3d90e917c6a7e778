from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from os1.errors import BackendError
from os1.home import Home
from os1.initiative.approvals import Actions
from os1.initiative.clock import ManualClock
from os1.initiative.daemon import Daemon
from os1.initiative.messages import Inbox
from os1.initiative.triggers import call_skill
from os1.mind.affect import Affect
from os1.skills.base import SkillContext, Tool

MONDAY_7AM = datetime(2025, 6, 16, 7, 0, tzinfo=UTC)


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Home]:
    h = Home.open(tmp_path / "home")
    yield h
    h.close()


def note_tool(folder: Path) -> Tool:
    """A real side-effecting tool for these tests: it writes a file."""

    async def run(args: dict[str, Any], ctx: SkillContext) -> str:
        path = folder / args["name"]
        path.write_text(args.get("text", ""), encoding="utf-8")
        return f"wrote {path.name}"

    return Tool("write_note", "Write a note file.", {"type": "object"}, True, run,
                lambda a: f"write the note '{a['name']}'")


def with_tool(home: Home, folder: Path) -> Actions:
    actions = Actions(home.db, {"write_note": note_tool(folder)}, home.skill_context)
    home.__dict__["actions"] = actions  # this home's tool registry is just the test tool
    return actions


def daemon(home: Home, clock: ManualClock) -> Daemon:
    # A long poll: with a manual clock the loop then jumps straight to the next due item.
    return Daemon(home, clock, poll_s=6 * 3600)


def kinds(inbox: Inbox) -> list[str]:
    return [m.kind for m in reversed(inbox.recent(100))]


async def test_three_days_of_briefings_exactly_once_each(home: Home) -> None:
    clock = ManualClock(MONDAY_7AM)
    d = daemon(home, clock)
    fired = await d.run(until=clock.now() + 3 * 86400)
    briefings = [m for m in d.inbox.recent(100) if m.kind == "briefing"]
    assert [m.text.split(". It's ")[1][:6] for m in reversed(briefings)] == [
        "Monday", "Tuesda", "Wednes"]
    eight = datetime(2025, 6, 16, 8, tzinfo=UTC).timestamp()
    assert [m.created for m in reversed(briefings)] == [eight + 86400 * i for i in range(3)]
    reflect = [f for f in fired if f.item.kind == "reflect"]
    assert len(reflect) == 72 and all(f.status == "done" for f in fired)
    assert len({f.item.id for f in fired}) == len(fired)  # nothing ran twice
    # Running again over the same days adds nothing.
    assert await d.run(once=True) == []


async def test_reminder_fires_at_its_time_with_reason(home: Home) -> None:
    clock = ManualClock(MONDAY_7AM)
    d = daemon(home, clock)
    six_pm = datetime(2025, 6, 16, 18, 0, tzinfo=UTC).timestamp()
    d.scheduler.schedule(six_pm, "reminder", {"text": "call my sister"})
    await d.run(until=six_pm - 60)
    assert "reminder" not in kinds(d.inbox)
    await d.run(until=six_pm + 60)
    [msg] = [m for m in d.inbox.recent(50) if m.kind == "reminder"]
    assert msg.text == "Reminder: call your sister"
    assert "remind you at 18:00" in msg.reason and msg.created == six_pm


async def test_late_reminder_says_so_and_stale_briefing_is_skipped(home: Home) -> None:
    clock = ManualClock(MONDAY_7AM)
    d = daemon(home, clock)
    d.triggers.plan()
    d.scheduler.schedule(clock.now() + 1800, "reminder", {"text": "stretch"})
    clock.advance(hours=9)  # the laptop was closed all day
    fired = {f.item.kind: f for f in await d.run(once=True)}
    assert "wasn't running" in fired["reminder"].result
    assert fired["briefing"].result.startswith("skipped")
    assert "briefing" not in kinds(d.inbox)


async def test_briefing_lists_todays_reminders_and_waiting_approvals(
    home: Home, tmp_path: Path
) -> None:
    clock = ManualClock(MONDAY_7AM)
    actions = with_tool(home, tmp_path)
    await actions.request("write_note", {"name": "a.txt"}, "test")
    d = daemon(home, clock)
    d.scheduler.schedule(clock.now() + 11 * 3600, "reminder", {"text": "water the plants"})
    d.scheduler.schedule(clock.now() + 40 * 3600, "reminder", {"text": "not today"})
    await d.run(until=clock.now() + 2 * 3600)
    [brief] = [m for m in d.inbox.recent(20) if m.kind == "briefing"]
    assert "At 18:00 I'll remind you: water the plants." in brief.text
    assert "not today" not in brief.text
    assert "1 thing(s) wait for your approval" in brief.text


async def test_briefing_uses_mail_and_calendar_functions_when_they_exist(
    home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys
    import types

    import os1.skills.calendar as calendar

    try:
        import os1.skills.mail as mail
    except ImportError:  # the mail skill is not in this tree yet: stand in for its package
        mail = types.ModuleType("os1.skills.mail")
        monkeypatch.setitem(sys.modules, "os1.skills.mail", mail)
    # Stand-ins for skill functions other helpers are still writing (no servers involved).
    def agenda(h: Home, day: object) -> list[str]:
        return ["09:30 dentist"]

    async def whats_new(h: Home) -> list[str]:
        raise BackendError("The mail server at 127.0.0.1:1 refused the connection")

    monkeypatch.setattr(calendar, "agenda", agenda, raising=False)
    monkeypatch.setattr(mail, "whats_new", whats_new, raising=False)
    clock = ManualClock(MONDAY_7AM)
    d = daemon(home, clock)
    await d.run(until=clock.now() + 2 * 3600)
    [brief] = [m for m in d.inbox.recent(20) if m.kind == "briefing"]
    assert "Today: 09:30 dentist." in brief.text
    assert "I couldn't check your mail (The mail server" in brief.text


async def test_call_skill_degrades() -> None:
    assert await call_skill("os1.no_such_skill", "x") == (None, "not set up")
    assert await call_skill("os1.initiative.clock", "no_such_function") == (None, "not set up")
    out, why = await call_skill("os1.initiative.clock", "day_key", ManualClock(MONDAY_7AM))
    assert (out, why) == ("2025-06-16", "")


async def test_checks_in_the_day_after_a_hard_day_only(home: Home) -> None:
    clock = ManualClock(datetime(2025, 6, 16, 20, 0, tzinfo=UTC))
    Affect(home.db, clock).observe_turn("Today was awful, I'm exhausted and so stressed")
    d = daemon(home, clock)
    await d.run(until=clock.now() + 2 * 86400)
    checkins = [m for m in d.inbox.recent(100) if m.kind == "checkin"]
    assert len(checkins) == 1
    assert checkins[0].text.startswith("Yesterday sounded hard; you seemed stressed")
    assert "On Monday you told me" in checkins[0].reason
    assert datetime.fromtimestamp(checkins[0].created, UTC).day == 17


@pytest.mark.model  # the reflection asks the real embedded model for its intention
async def test_reflects_on_a_finished_session_within_the_hour(home: Home) -> None:
    clock = ManualClock(MONDAY_7AM)
    sid = home.episodes.new_session(started=clock.now())
    home.episodes.add_turn(sid, "user", "My sister is Amy.", created=clock.now())
    home.episodes.end_session(sid)
    d = daemon(home, clock)
    await d.run(until=clock.now() + 3600)
    from os1.mind.journal import Journal

    [entry] = Journal(home.db, home.episodes, clock=clock).entries()
    assert entry.learned_about_user == ["your sister is Amy"]


async def test_proposal_waits_for_approval_and_is_never_queued_twice(
    home: Home, tmp_path: Path
) -> None:
    clock = ManualClock(MONDAY_7AM)
    actions = with_tool(home, tmp_path)
    d = daemon(home, clock)
    iid = d.scheduler.schedule(clock.now(), "proposal", {
        "tool": "write_note", "args": {"name": "plan.txt", "text": "hi"},
        "reason": "You said you wanted your plans written down."})
    [fired] = [f for f in await d.run(once=True) if f.item.kind == "proposal"]
    [pending] = actions.pending()
    assert pending["reason"] == "You said you wanted your plans written down."
    assert pending["origin"] == "initiative"
    assert f"os1 approvals approve {pending['id']}" in fired.result
    assert not (tmp_path / "plan.txt").exists()  # nothing outward without approval
    # The handler re-run after a crash finds the same proposal instead of queueing another.
    item = d.scheduler.get(iid)
    await d.triggers.proposal(item, _ctx(d))
    assert len(actions.pending()) == 1
    out = await actions.approve(pending["id"])
    assert out.status == "done" and (tmp_path / "plan.txt").read_text() == "hi"
    [log] = actions.audit()
    assert log["allowed_by"] == f"approval:{pending['id']}"


async def test_standing_rule_lets_a_proposal_run_and_logs_the_rule(
    home: Home, tmp_path: Path
) -> None:
    clock = ManualClock(MONDAY_7AM)
    actions = with_tool(home, tmp_path)
    rule = actions.add_rule("write_note", {"name": "daily.txt"}, "always write the daily note")
    d = daemon(home, clock)
    d.scheduler.schedule(clock.now(), "proposal",
                         {"tool": "write_note", "args": {"name": "daily.txt"}, "reason": "daily"})
    [fired] = [f for f in await d.run(once=True) if f.item.kind == "proposal"]
    assert fired.result.startswith("Done under your standing rule")
    assert (tmp_path / "daily.txt").exists()
    assert actions.audit()[0]["allowed_by"].startswith(f"rule:{rule}:")


def _ctx(d: Daemon) -> Any:
    from os1.initiative.scheduler import HandlerContext

    return HandlerContext(d.scheduler, d.clock, d.scheduler.db, d.clock.now())


@pytest.mark.servers
async def test_morning_briefing_reads_a_real_caldav_calendar(home: Home) -> None:
    """Radicale from scripts/services/radicale_up.sh (reused if running); user bob."""
    import asyncio
    import os
    import subprocess
    import sys
    import uuid

    from os1.skills.calendar import accounts
    from os1.skills.calendar.service import CalendarService

    root = Path(__file__).resolve().parents[2]
    up = await asyncio.to_thread(
        subprocess.run, ["bash", str(root / "scripts/services/radicale_up.sh")],
        env={**os.environ, "PYTHON": sys.executable}, capture_output=True, timeout=60)
    assert up.returncode == 0, up.stderr
    accounts.save_account(home.db, accounts.Account(
        "calendar", "http://127.0.0.1:5232/", "bob", "OS1_TEST_NO_SUCH_VAR", ""))
    accounts.save_password(home.path, "calendar", "secret")
    accounts.set_setting(home.db, "timezone", "UTC")
    today = datetime.now(UTC).replace(hour=7, minute=0, second=0, microsecond=0)
    title = f"Dentist {uuid.uuid4().hex[:6]}"
    service = await CalendarService.open(home.db, home.path)
    try:
        await service.add(title, today.replace(hour=9, minute=30), today.replace(hour=10))
    finally:
        await service.close()
    clock = ManualClock(today)
    d = daemon(home, clock)
    await d.run(until=clock.now() + 2 * 3600)
    [brief] = [m for m in d.inbox.recent(20) if m.kind == "briefing"]
    assert title in brief.text and "09:30" in brief.text


def test_homes_reflect_at_their_own_minute_of_the_hour() -> None:
    from pathlib import Path

    from os1.initiative.triggers import reflect_minute

    minutes = [reflect_minute(Path(f"/srv/os1/users/u{i}")) for i in range(200)]
    assert all(0 <= m < 60 for m in minutes)
    assert len(set(minutes)) > 40  # spread, not all at :30
    assert reflect_minute(Path("/srv/os1/users/u7")) == minutes[7]  # and stable per home
