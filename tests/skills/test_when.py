"""The deterministic date/time parser: common phrasings, fixed 'now', no model."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from os1.skills.calendar.phrases import match_score, parse_add, parse_cancel, parse_move
from os1.skills.calendar.when import extract_when

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2025, 3, 12, 14, 0, tzinfo=LONDON)  # a Wednesday afternoon


@pytest.mark.parametrize(
    ("text", "what", "start", "end"),
    [
        ("dinner with Amy on Friday at 8", "dinner with Amy", "2025-03-14 20:00", None),
        ("call my sister at 6", "call my sister", "2025-03-12 18:00", None),
        ("call my mother at six this evening", "call my mother", "2025-03-12 18:00", None),
        ("breakfast at eight tomorrow", "breakfast", "2025-03-13 08:00", None),
        ("dentist tomorrow 3-4pm", "dentist", "2025-03-13 15:00", "16:00"),
        ("lunch with Bob next Tuesday at noon for 90 minutes", "lunch with Bob",
         "2025-03-18 12:00", "13:30"),
        ("meeting 2025-04-03 14:30", "meeting", "2025-04-03 14:30", None),
        ("flight March 20th at 7am", "flight", "2025-03-20 07:00", None),
        ("check the oven in 20 minutes", "check the oven", "2025-03-12 14:20", None),
        ("drinks tonight", "drinks", "2025-03-12 20:00", None),
        ("coffee at 10 am", "coffee", "2025-03-13 10:00", None),
        ("meeting from 3 to 5", "meeting", "2025-03-12 15:00", "17:00"),
        ("trip to Paris on May 3", "trip to Paris", "2025-05-03 00:00", None),
        ("tea at half past 4", "tea", "2025-03-12 16:30", None),
        ("meet the bank at half past two", "meet the bank", "2025-03-12 14:30", None),
        ("train at quarter to seven tomorrow", "train", "2025-03-13 18:45", None),
        ("haircut on the 3rd at 5", "haircut", "2025-04-03 17:00", None),
        ("pay day the 31st", "pay day", "2025-03-31 00:00", None),
    ],
)
def test_phrasings(text: str, what: str, start: str, end: str | None) -> None:
    rest, when = extract_when(text, NOW, "Europe/London")
    assert when is not None
    assert rest == what
    assert when.start.strftime("%Y-%m-%d %H:%M") == start
    assert (when.end.strftime("%H:%M") if when.end else None) == end


def test_recurrence_rules() -> None:
    cases = {
        "standup every weekday at 9:30": ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "2025-03-13 09:30"),
        "yoga every Monday and Wednesday at 7pm": ("FREQ=WEEKLY;BYDAY=MO,WE", "2025-03-12 19:00"),
        "book club every other Thursday at 7": ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TH",
                                                "2025-03-13 19:00"),
        "pay rent monthly": ("FREQ=MONTHLY", "2025-03-12 00:00"),
    }
    for text, (rule, start) in cases.items():
        _, when = extract_when(text, NOW, "Europe/London")
        assert when is not None and when.rrule == rule, text
        assert when.start.strftime("%Y-%m-%d %H:%M") == start, text


def test_time_zones_in_words() -> None:
    _, when = extract_when("call mum at 6 New York time", NOW, "Europe/London")
    assert when is not None and when.zone == "America/New_York"
    assert when.start.astimezone(LONDON).strftime("%H:%M") == "22:00"  # 18:00 EDT = 22:00 GMT
    _, utc = extract_when("review at 10:00 UTC tomorrow", NOW, "Europe/London")
    assert utc is not None and utc.zone == "UTC" and utc.start.hour == 10


def test_a_passed_time_means_its_next_occurrence() -> None:
    late = datetime(2025, 3, 12, 19, 0, tzinfo=LONDON)
    _, when = extract_when("call my sister at 6", late, "Europe/London")
    assert when is not None and when.start.strftime("%d %H:%M") == "13 18:00"


def test_a_morning_time_already_passed_is_tomorrow_morning() -> None:
    # said at 2pm: "at 7" is tonight, but "at 7 in the morning" and a wake-up are tomorrow's
    _, when = extract_when("call Bob at 7", NOW, "Europe/London")
    assert when is not None and when.start.strftime("%d %H:%M") == "12 19:00"
    for text in ("call Bob at seven in the morning", "wake up at half past six"):
        _, when = extract_when(text, NOW, "Europe/London")
        assert when is not None and when.start.strftime("%d %H:%M") in ("13 07:00", "13 06:30")


def test_plain_language_requests() -> None:
    add = parse_add("add dinner with Amy on Friday at 8", NOW, "Europe/London")
    assert add.summary == "Dinner with Amy" and add.when.start.day == 14
    move = parse_move("move dinner with Amy to Friday at 8", NOW, "Europe/London")
    assert move.query == "dinner with Amy" and move.source is None
    assert move.target.start.strftime("%a %H:%M") == "Fri 20:00"
    trip = parse_move("move trip to Paris to Monday", NOW, "Europe/London")
    assert trip.query == "trip to Paris" and trip.target.start.strftime("%a") == "Mon"
    assert not trip.target.time_given
    src = parse_move("move standup from Thursday to Friday", NOW, "Europe/London")
    assert src.source is not None and src.source.start.strftime("%a") == "Thu"
    cancel = parse_cancel("cancel all yoga", NOW, "Europe/London")
    assert cancel.series and cancel.query == "yoga"
    one = parse_cancel("cancel yoga on Monday", NOW, "Europe/London")
    assert not one.series and one.on is not None and one.on.start.strftime("%a") == "Mon"


def test_title_matching() -> None:
    assert match_score("dinner with Amy", "Dinner with Amy") == 1.0
    assert match_score("dinner amy", "Dinner w/ Amy at Luigi's") == 1.0
    assert match_score("dentist", "Dinner with Amy") == 0.0


def test_no_time_is_not_invented() -> None:
    assert extract_when("buy milk", NOW, "Europe/London")[1] is None
    with pytest.raises(Exception, match="could not find a day or time"):
        parse_add("add buy milk", NOW, "Europe/London")
