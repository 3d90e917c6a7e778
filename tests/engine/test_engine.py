"""Engine unit tests with the scripted ChatModel double (e2e tests use the real model)."""

from pathlib import Path

from os1.engine.context import HISTORY_MAX, history_window
from os1.engine.core import Engine
from os1.errors import BackendError
from os1.events import ErrorEvent, TextDelta, TurnEnded, TurnStarted
from os1.mind.persona import Persona
from os1.testing import ScriptedModel, temp_home

PERSONA = Persona(os_name="Wren", user_name="Theodore")


async def collect(engine: Engine, text: str | bytes) -> list[object]:
    return [ev async for ev in engine.turn(text)]


async def test_turn_streams_and_is_stored(os1_home: Path) -> None:
    model = ScriptedModel(["Good morning, Theodore.", "Of course."])
    home = temp_home(os1_home, model)
    engine = Engine(model, home.episodes, PERSONA)
    events = await collect(engine, "morning!")
    assert isinstance(events[0], TurnStarted)
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert len(deltas) == 3 and "".join(deltas) == "Good morning, Theodore."
    assert isinstance(events[-1], TurnEnded) and events[-1].reply == "Good morning, Theodore."
    await collect(engine, "thanks")
    turns = home.episodes.turns(engine.session_id)
    assert [t.role for t in turns] == ["user", "assistant", "user", "assistant"]
    # the second call saw the first exchange, and the system prompt names the persona
    sent, _ = model.calls[1]
    assert "Wren" in sent[0].content and "Theodore" in sent[0].content
    assert [m.content for m in sent[1:3]] == ["morning!", "Good morning, Theodore."]


async def test_history_survives_a_new_engine(os1_home: Path) -> None:
    model = ScriptedModel(["Hi."])
    home = temp_home(os1_home, model)
    await collect(Engine(model, home.episodes, PERSONA), "first")
    home.close()
    home2 = temp_home(os1_home, model)
    engine2 = Engine(model, home2.episodes, PERSONA)
    await collect(engine2, "second")
    texts = [t.text for t in home2.episodes.turns(engine2.session_id)]
    assert texts == ["first", "Hi.", "second", "Hi."]


async def test_bad_input_stores_nothing(os1_home: Path) -> None:
    model = ScriptedModel()
    home = temp_home(os1_home, model)
    engine = Engine(model, home.episodes, PERSONA)
    for raw in ("", "\x00\x01\x02" * 50, b"\xff\xfe\xfa", "y" * 2_000_000):
        events = await collect(engine, raw)
        assert len(events) == 1 and isinstance(events[0], ErrorEvent)
    assert home.episodes.count_turns() == 0 and model.calls == []


async def test_dead_backend_keeps_the_user_turn(os1_home: Path) -> None:
    model = ScriptedModel(fail_with=BackendError("The model server at http://x cannot be reached."))
    home = temp_home(os1_home, model)
    engine = Engine(model, home.episodes, PERSONA)
    events = await collect(engine, "are you there?")
    errors = [e for e in events if isinstance(e, ErrorEvent)]
    assert errors and "cannot be reached" in errors[0].message
    assert [t.text for t in home.episodes.turns(engine.session_id)] == ["are you there?"]


async def test_stop_keeps_partial_reply(os1_home: Path) -> None:
    model = ScriptedModel(["one two three four five six"])
    home = temp_home(os1_home, model)
    engine = Engine(model, home.episodes, PERSONA)
    seen: list[object] = []
    async for ev in engine.turn("count"):
        seen.append(ev)
        if isinstance(ev, TextDelta) and len([e for e in seen if isinstance(e, TextDelta)]) == 2:
            engine.stop()
    end = seen[-1]
    assert isinstance(end, TurnEnded) and end.stopped and end.reply == "one two"
    assert home.episodes.turns(engine.session_id)[-1].text == "one two"


async def test_new_session_starts_clean_history(os1_home: Path) -> None:
    model = ScriptedModel(["ok"])
    home = temp_home(os1_home, model)
    engine = Engine(model, home.episodes, PERSONA)
    await collect(engine, "old topic")
    first = engine.session_id
    engine.new_session()
    await collect(engine, "new topic")
    assert engine.session_id != first
    sent, _ = model.calls[-1]
    assert all("old topic" not in m.content for m in sent)


def test_history_window_moves_in_blocks() -> None:
    from os1.memory.episodes import Turn

    turns = [Turn(str(i), "s", i, "u", "user", str(i), 0.0) for i in range(40)]
    starts = set()
    for n in range(HISTORY_MAX + 1, 40):
        window = history_window(turns[:n])
        assert len(window) <= HISTORY_MAX
        starts.add(window[0].seq)
    # the prefix changes only once per block, not every turn
    assert len(starts) <= (40 - HISTORY_MAX) // 6 + 1


async def test_polished_sentences_keep_their_spaces(os1_home: Path) -> None:
    from os1.engine.plan import Plan

    model = ScriptedModel(["I need a holiday! Somewhere warm?What a lovely idea. Tell me more."])
    home = temp_home(os1_home, model)

    async def planner(text: str, p: Persona, history: object) -> Plan:
        return Plan("small_talk", polish=True)

    engine = Engine(model, home.episodes, PERSONA, planner=planner)  # type: ignore[arg-type]
    events = await collect(engine, "I need a holiday")
    assert isinstance(events[-1], TurnEnded)
    assert events[-1].reply == "Somewhere warm? What a lovely idea."
