from __future__ import annotations

import pytest

from os1.db import Database
from os1.initiative.clock import ManualClock
from os1.memory.episodes import Episodes
from os1.mind.affect import Affect
from os1.mind.journal import Journal, intentions, learned_facts, people_in, topics_of

HARD_DAY = [
    ("user", "I'm so stressed, the deadline at work is tomorrow and my boss keeps calling."),
    ("assistant", "That sounds like a lot. What's the hardest part?"),
    ("user", "My sister is Amy and she can't help. I work at the bakery on weekends too."),
    ("assistant", "Is there anything you could move to next week?"),
    ("user", "I love long walks, maybe I'll take one with Amy."),
    ("assistant", "That sounds good."),
]
HAPPY_DAY = [
    ("user", "I got the job!! I'm so happy, we laughed all evening."),
    ("assistant", "Yay! That's wonderful."),
    ("user", "Thank you, it was fun. We're going to play games with Paul."),
    ("assistant", "Have fun!"),
]


def session(episodes: Episodes, clock: ManualClock, turns: list[tuple[str, str]]) -> str:
    sid = episodes.new_session(started=clock.now())
    for role, text in turns:
        clock.advance(60)
        episodes.add_turn(sid, role, text, created=clock.now())
    episodes.end_session(sid)
    return sid


def test_templates_use_only_the_users_words() -> None:
    facts = learned_facts([t for r, t in HARD_DAY if r == "user"])
    assert "your sister is Amy" in facts
    assert "you work at the bakery on weekends too" in facts
    assert "you love long walks" in facts
    assert people_in(["Dinner with Amy and Paul on Friday. Amy cooks."]) == ["Amy", "Paul"]
    assert topics_of(["my boss and the deadline", "dinner"]).most_common(1)[0][0] == "work"
    assert intentions(["work"], ["Amy"], ["stress"])[:2] == ["ask how work is going",
                                                              "ask about Amy"]


async def test_reflection_entry_and_self_model_grow(
    db: Database, clock: ManualClock, episodes: Episodes
) -> None:
    affect = Affect(db, clock)
    journal = Journal(db, episodes, clock=clock, affect=affect)
    first = session(episodes, clock, HARD_DAY)
    entry = await journal.reflect(first)
    assert entry is not None
    assert "work" in entry.topics and "Amy" in entry.people
    assert "stress" in entry.user_moods
    assert "your sister is Amy" in entry.learned_about_user
    assert "steadying" in entry.traits
    assert "I'm leaning into being" in entry.text and "steadying" in entry.text
    assert "You seemed stressed" in entry.text
    assert entry.next_time == "ask how work is going"  # no model: the first grounded option
    assert (await journal.reflect(first)) == entry  # once per session
    assert journal.self_model().sessions == 1

    clock.advance(days=1)
    second = session(episodes, clock, HAPPY_DAY)
    entries = await journal.reflect_pending()
    assert [e.session_id for e in entries] == [second]
    model = journal.self_model()
    assert model.sessions == 2 and model.people["Amy"] == 1 and "Paul" in model.people
    assert "playful" in model.traits() and model.trait_scores["steadying"] >= 1
    assert "playful" in entries[0].traits and "leaning into being" in entries[0].text
    assert [e.session_id for e in journal.entries()] == [second, first]


async def test_idle_session_is_reflected_only_after_quiet(
    db: Database, clock: ManualClock, episodes: Episodes
) -> None:
    journal = Journal(db, episodes, clock=clock)
    sid = episodes.new_session(started=clock.now())
    episodes.add_turn(sid, "user", "I'm a nurse and I live in Leeds.", created=clock.now())
    assert await journal.reflect_pending(idle_s=1800) == []
    clock.advance(hours=1)
    [entry] = await journal.reflect_pending(idle_s=1800)
    assert entry.learned_about_user == ["you are a nurse", "you live in Leeds"]


@pytest.mark.model
async def test_real_model_picks_only_a_grounded_intention(
    db: Database, clock: ManualClock, episodes: Episodes
) -> None:
    from os1.brain.registry import open_model
    from os1.config import BrainConfig

    journal = Journal(db, episodes, clock=clock, model=open_model(BrainConfig()))
    entry = await journal.reflect(session(episodes, clock, HARD_DAY))
    assert entry is not None
    assert entry.next_time in intentions(entry.topics, entry.people, entry.user_moods)
