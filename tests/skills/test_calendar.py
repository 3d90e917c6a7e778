"""Calendar against a real Radicale server: add, agenda, recurring events, zones, move, cancel,
conflicts, approvals, and bad input (server down, wrong password, corrupt .ics)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from os1.home import Home
from os1.skills.calendar import accounts
from os1.skills.calendar.dav import DavClient, DavError
from os1.skills.calendar.service import CalendarService
from os1.skills.calendar.tools import plan_move

LONDON = ZoneInfo("Europe/London")
# A fixed future week so the assertions do not depend on today's date.
MON = date(2031, 3, 10)


async def _svc(home: Home) -> CalendarService:
    return await CalendarService.open(home.db, home.path)


async def _add(actions: Any, approve: Any, **args: Any) -> str:
    out = await actions.request("calendar_add", args, "test", confirm=approve)
    assert out.status == "done", out.result
    return str(out.result)


def _at(day: date, hh: int, mm: int = 0, tz: ZoneInfo = LONDON) -> str:
    return datetime.combine(day, time(hh, mm), tz).isoformat()


async def test_add_shows_in_agenda_with_conflicts(dav_home: Home, actions: Any,
                                                  approve: Any) -> None:
    await _add(actions, approve, summary="Dinner with Amy", start=_at(MON, 19),
               end=_at(MON, 21))
    note = await _add(actions, approve, summary="Call with Bob", start=_at(MON, 20),
                      end=_at(MON, 20, 30))
    assert "overlaps" in note and "Dinner with Amy" in note
    svc = await _svc(dav_home)
    ag = await svc.agenda(MON)
    await svc.close()
    assert [o.summary for o in ag.items] == ["Dinner with Amy", "Call with Bob"]
    assert len(ag.conflicts) == 1


async def test_recurring_event_and_zones(dav_home: Home, actions: Any, approve: Any) -> None:
    # Mid-March 2031 New York is already on EDT while London is still on GMT: 09:00 there is
    # 13:00 here; a later week (both on summer time) checks the rule kept the zone.
    ny = ZoneInfo("America/New_York")
    await _add(actions, approve, summary="Standup", start=_at(MON, 9, tz=ny),
               end=_at(MON, 9, 15, tz=ny), rrule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
               tz="America/New_York")
    svc = await _svc(dav_home)
    start = datetime.combine(MON, time(0), LONDON)
    items, bad = await svc.between(start, start + timedelta(days=7))
    await svc.close()
    assert not bad
    assert [o.start.strftime("%a %H:%M") for o in items] == [
        "Mon 13:00", "Tue 13:00", "Wed 13:00", "Thu 13:00", "Fri 13:00"]
    assert all(o.recurring for o in items)
    svc = await _svc(dav_home)
    later = datetime.combine(date(2031, 4, 7), time(0), LONDON)
    items, _ = await svc.between(later, later + timedelta(days=1))
    await svc.close()
    assert [o.start.strftime("%a %H:%M") for o in items] == ["Mon 14:00"]


async def test_move_one_occurrence_then_the_series(dav_home: Home, actions: Any,
                                                   approve: Any) -> None:
    await _add(actions, approve, summary="Yoga", start=_at(MON, 18), end=_at(MON, 19),
               rrule="FREQ=WEEKLY;BYDAY=MO")
    svc = await _svc(dav_home)
    first = (await svc.between(datetime.combine(MON, time(0), LONDON),
                               datetime.combine(MON, time(23), LONDON)))[0][0]
    args = {"uid": first.uid, "summary": first.summary,
            "occurrence_start": first.start.isoformat(),
            "new_start": _at(MON + timedelta(days=1), 20),
            "new_end": _at(MON + timedelta(days=1), 21), "series": False}
    out = await actions.request("calendar_move", args, "test", confirm=approve)
    assert out.status == "done", out.result
    week = datetime.combine(MON, time(0), LONDON)
    items, _ = await svc.between(week, week + timedelta(days=14))
    assert [o.start.strftime("%d %a %H:%M") for o in items] == ["11 Tue 20:00", "17 Mon 18:00"]
    # Now the whole series moves to Wednesdays at 7.
    second = items[1]
    args = {"uid": second.uid, "summary": "Yoga", "occurrence_start": second.start.isoformat(),
            "new_start": _at(MON + timedelta(days=9), 19),
            "new_end": _at(MON + timedelta(days=9), 20), "series": True}
    out = await actions.request("calendar_move", args, "test", confirm=approve)
    assert out.status == "done", out.result
    items, _ = await svc.between(week + timedelta(days=7), week + timedelta(days=21))
    await svc.close()
    assert [o.start.strftime("%a %H:%M") for o in items] == ["Wed 19:00", "Wed 19:00"]


async def test_plain_language_move_and_cancel(dav_home: Home, actions: Any,
                                              approve: Any) -> None:
    svc = await _svc(dav_home)
    tomorrow = svc.now().date() + timedelta(days=1)
    await _add(actions, approve, summary="Dinner with Amy", start=_at(tomorrow, 19),
               end=_at(tomorrow, 20, 30))
    args = await plan_move(svc, "move dinner with Amy to Friday at 8")
    new = datetime.fromisoformat(args["new_start"])
    assert new.strftime("%a %H:%M") == "Fri 20:00" and 0 < (new.date() - svc.now().date()).days <= 7
    assert datetime.fromisoformat(args["new_end"]) - new == timedelta(minutes=90)
    out = await actions.request("calendar_move", args, "test", confirm=approve)
    assert out.status == "done" and "Fri" in out.result
    out = await actions.request("calendar_cancel", {"text": "cancel dinner with Amy"}, "test",
                                confirm=approve)
    assert out.status == "done", out.result
    items, _ = await svc.between(svc.now(), svc.now() + timedelta(days=9))
    await svc.close()
    assert items == []


async def test_cancel_one_occurrence_keeps_the_rest(dav_home: Home, actions: Any,
                                                    approve: Any) -> None:
    await _add(actions, approve, summary="Piano", start=_at(MON, 17), end=_at(MON, 18),
               rrule="FREQ=DAILY;COUNT=3")
    svc = await _svc(dav_home)
    week = datetime.combine(MON, time(0), LONDON)
    items, _ = await svc.between(week, week + timedelta(days=7))
    args = {"uid": items[1].uid, "summary": "Piano",
            "occurrence_start": items[1].start.isoformat(), "series": False}
    out = await actions.request("calendar_cancel", args, "test", confirm=approve)
    assert out.status == "done", out.result
    left, _ = await svc.between(week, week + timedelta(days=7))
    await svc.close()
    assert [o.start.day for o in left] == [10, 12]


async def test_changes_wait_for_approval(dav_home: Home, actions: Any) -> None:
    args = {"summary": "Secret plan", "start": _at(MON, 9), "end": _at(MON, 10)}
    out = await actions.request("calendar_add", args, "test")
    assert out.status == "pending"
    svc = await _svc(dav_home)
    assert (await svc.agenda(MON)).items == []
    rejected = await actions.request("calendar_add", args, "test", confirm=_no)
    assert rejected.status == "rejected"
    assert (await svc.agenda(MON)).items == []
    done = await actions.approve(out.approval_id)
    assert done.status == "done"
    assert [o.summary for o in (await svc.agenda(MON)).items] == ["Secret plan"]
    await svc.close()


async def _no(_summary: str) -> bool:
    return False


async def test_unreachable_and_wrong_password(radicale: str) -> None:
    async with DavClient("http://127.0.0.1:9/", "alice", "secret") as down:
        with pytest.raises(DavError, match="Cannot reach the server"):
            await down.collections("calendar")
    async with DavClient(radicale, "alice", "wrong") as bad:
        with pytest.raises(DavError, match="refused user 'alice'"):
            await bad.collections("calendar")


async def test_corrupt_ics_is_refused_and_nothing_is_written(dav_home: Home, actions: Any,
                                                             approve: Any, tmp_path: Path) -> None:
    junk = tmp_path / "broken.ics"
    junk.write_text("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:notadate\nEND:VCALENDAR\n")
    out = await actions.request("calendar_import", {"path": str(junk)}, "test", confirm=approve)
    assert out.status == "failed" and "not valid iCalendar" in out.result
    good = tmp_path / "good.ics"
    good.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\nBEGIN:VEVENT\r\nUID:imp-1\r\n"
        "DTSTAMP:20300101T000000Z\r\nDTSTART:20310310T100000Z\r\nDTEND:20310310T110000Z\r\n"
        "SUMMARY:Imported\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    out = await actions.request("calendar_import", {"path": str(good)}, "test", confirm=approve)
    assert out.status == "done" and "1 event" in out.result
    svc = await _svc(dav_home)
    assert [o.summary for o in (await svc.agenda(MON)).items] == ["Imported"]
    await svc.close()


def test_missing_account_says_what_to_do(os1_home: Path) -> None:
    home = Home.open(os1_home)
    with pytest.raises(Exception, match="os1 calendar connect"):
        accounts.load_account(home.db, "calendar")


def test_a_corrupt_entry_from_a_server_is_skipped_not_fatal() -> None:
    from os1.skills.calendar.dav import DavObject
    from os1.skills.calendar.ics import new_event, occurrences

    _, good = new_event("Good", datetime(2031, 3, 10, 9, tzinfo=LONDON),
                        datetime(2031, 3, 10, 10, tzinfo=LONDON))
    objs = [DavObject("http://x/cal/good.ics", "", good),
            DavObject("http://x/cal/bad.ics", "", "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:junk\n")]
    start = datetime.combine(MON, time(0), LONDON)
    items, bad = occurrences(objs, start, start + timedelta(days=1), LONDON)
    assert [o.summary for o in items] == ["Good"]
    assert len(bad) == 1 and bad[0].startswith("bad.ics (")


async def test_an_edit_race_never_overwrites(dav_home: Home, actions: Any, approve: Any) -> None:
    await _add(actions, approve, summary="Lunch", start=_at(MON, 12), end=_at(MON, 13))
    svc = await _svc(dav_home)
    occ = (await svc.agenda(MON)).items[0]
    first = await svc.client.get(occ.href)
    changed = first.data.replace("SUMMARY:Lunch", "SUMMARY:Lunch with Bob")
    await svc.client.put(occ.href, changed, "text/calendar", etag=first.etag)
    with pytest.raises(DavError, match="changed on the server since os1 read it"):
        await svc.client.put(occ.href, first.data, "text/calendar", etag=first.etag)
    assert [o.summary for o in (await svc.agenda(MON)).items] == ["Lunch with Bob"]
    await svc.close()


async def test_briefing_agenda_hook(dav_home: Home, actions: Any, approve: Any) -> None:
    from os1.initiative.triggers import call_skill

    await _add(actions, approve, summary="Standup", start=_at(MON, 9, 30), end=_at(MON, 10))
    await _add(actions, approve, summary="Holiday", start=_at(MON, 0), end=None, all_day=True)
    lines, why = await call_skill("os1.skills.calendar", "agenda", dav_home, MON)
    assert why == "" and lines == ["Holiday (all day)", "09:30 Standup"]
