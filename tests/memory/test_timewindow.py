from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from os1.memory.timewindow import parse_window

NOW = datetime(2025, 3, 12, 15, 30).astimezone()  # a Wednesday


def day(y: int, m: int, d: int) -> float:
    return datetime(y, m, d).astimezone().timestamp()


@pytest.mark.parametrize(
    ("query", "since", "until", "rest"),
    [
        ("what did I say last week?", day(2025, 3, 3), day(2025, 3, 10), "what did I say ?"),
        ("what did I tell you yesterday", day(2025, 3, 11), day(2025, 3, 12), "what did I tell you"),
        ("what did I say about work this week", day(2025, 3, 10), NOW.timestamp(), "what did I say about work"),
        ("what did we talk about last month", day(2025, 2, 1), day(2025, 3, 1), "what did we talk about"),
        ("what did I say on 2025-01-05", day(2025, 1, 5), day(2025, 1, 6), "what did I say"),
        ("what did I mention last monday", day(2025, 3, 10), day(2025, 3, 11), "what did I mention"),
        ("dinner plans 3 days ago", day(2025, 3, 9), day(2025, 3, 10), "dinner plans"),
        ("what did I say in the past two weeks", (NOW - timedelta(weeks=2)).timestamp(), NOW.timestamp(), "what did I say"),
        ("what did I say last year", day(2024, 1, 1), day(2025, 1, 1), "what did I say"),
        ("what did I say in December", day(2024, 12, 1), day(2025, 1, 1), "what did I say"),
    ],
)  # fmt: skip
def test_time_phrases(query: str, since: float, until: float, rest: str) -> None:
    w = parse_window(query, NOW)
    assert w.since == pytest.approx(since) and w.until == pytest.approx(until)
    assert w.query == rest


@pytest.mark.parametrize(
    "query",
    ["where does my sister live", "what do I have on Monday?", "my plans this week", "I may go"],
)
def test_no_window_without_a_past_time_phrase(query: str) -> None:
    w = parse_window(query, NOW)
    assert w.since is None and w.until is None and w.query == query
