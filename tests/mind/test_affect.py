from __future__ import annotations

import pytest

from os1.db import Database
from os1.events import MoodChanged
from os1.initiative.clock import ManualClock
from os1.memory.episodes import Episodes
from os1.mind.affect import BASELINE, HINTS, WORDS, Affect, appraise, decay, mood_word


@pytest.mark.parametrize(
    ("text", "tag", "sign"),
    [
        ("I had such a hard day, I'm exhausted", "sadness", -1),
        ("I'm so stressed about the deadline", "stress", -1),
        ("Thank you, really", "gratitude", 1),
        ("We laughed all evening, it was wonderful", "joy", 1),
        ("My grandmother passed away", "grief", -1),
        ("I got the job!", "pride", 1),
    ],
)
def test_appraise_tags_and_direction(text: str, tag: str, sign: int) -> None:
    a = appraise(text)
    assert tag in a.tags
    assert a.valence * sign > 0.2


def test_negation_and_exact_words() -> None:
    assert appraise("I'm not happy at all").valence < 0
    assert "joy" not in appraise("I'm not happy").tags
    assert "joy" not in appraise("the funeral is on Friday").tags
    neutral = appraise("what time is the train to Leeds")
    assert neutral.tags == () and neutral.valence == 0


def test_every_mood_word_has_a_hint() -> None:
    assert {w for row in WORDS for w in row} == set(HINTS)
    assert mood_word(*BASELINE) == "content"


def test_decay_halves_distance_per_half_life() -> None:
    v, _ = decay(-0.8, 0.3, 6 * 3600)
    assert v == pytest.approx(BASELINE[0] + (-0.8 - BASELINE[0]) / 2)


def test_mood_follows_the_user_and_fades(db: Database, clock: ManualClock) -> None:
    affect = Affect(db, clock)
    assert affect.current().mood == "content"
    assert affect.observe_turn("how are you?", "I'm well.") is None  # no feeling, no change
    changed = affect.observe_turn("I had an awful day, I feel so sad and lonely", "I'm here.")
    assert changed is not None and changed.valence < 0
    assert changed.mood in {"sad", "wistful", "concerned", "worried"}
    assert "sad" in affect.style_hint() or "concern" in affect.style_hint() \
        or "wistful" in affect.style_hint() or "worried" in affect.style_hint()
    clock.advance(days=2)
    assert affect.current().mood == "content"  # back to baseline after two days
    assert len(affect.history()) == 2
    assert affect.history(since=clock.now()) == []


def test_joy_lifts_mood_and_event(db: Database, clock: ManualClock) -> None:
    affect = Affect(db, clock)
    state = None
    for _ in range(3):
        state = affect.observe_turn("I'm so happy, I got the promotion! Thank you!!") or state
    assert state is not None and state.valence > 0.45
    assert state.event() == MoodChanged(state.mood, round(state.valence, 3),
                                        round(state.arousal, 3))


async def test_engine_observer_hook(db: Database, clock: ManualClock, episodes: Episodes) -> None:
    affect = Affect(db, clock)
    sid = episodes.new_session()
    u = episodes.add_turn(sid, "user", "I'm heartbroken, my dog died")
    r = episodes.add_turn(sid, "assistant", "Oh no. I'm so sorry.")
    events = await affect.after_turn(u, r)
    assert len(events) == 1 and isinstance(events[0], MoodChanged)
    u2 = episodes.add_turn(sid, "user", "ok")
    assert await affect.after_turn(u2, r) == []


def test_hard_days_by_local_date(db: Database, clock: ManualClock) -> None:
    affect = Affect(db, clock)
    start = clock.now()
    affect.observe_turn("Work was awful, I'm overwhelmed and stressed")
    clock.advance(days=1)
    affect.observe_turn("lovely walk today")
    days = affect.hard_days(start)
    assert list(days) == ["2025-06-16"]
    assert "stress" in days["2025-06-16"]


async def test_wired_into_the_engine_mood_changes_and_colours_the_prompt(
    db: Database, clock: ManualClock, episodes: Episodes
) -> None:
    """How the engine uses affect: as an observer (MoodChanged) and as the mood hint."""
    from os1.engine.core import Engine
    from os1.mind.persona import Persona
    from os1.testing import ScriptedModel

    affect = Affect(db, clock)
    model = ScriptedModel(["I'm so sorry. I'm here."])
    engine = Engine(model, episodes, Persona("Iris", "Sam"), observers=[affect],
                    mood_hint=affect.style_hint)
    events = [ev async for ev in engine.turn("My dog died today and I feel so alone")]
    [mood] = [ev for ev in events if isinstance(ev, MoodChanged)]
    assert mood.valence < 0
    [ev async for ev in engine.turn("thanks for listening")]
    system = model.calls[-1][0][0].content
    assert HINTS[mood.mood] in system or affect.style_hint() in system
