"""Keeping the KV cache when the history window moves on (os1.brain.kvshift): the span the
new prompt dropped is found and cut from the real llama.cpp cache, and only the new tail is
read again."""

from __future__ import annotations

import pytest

from os1.brain.base import Message, Sampling
from os1.brain.kvshift import MIN_SAVED, PROBE, drop_span

from .llama_reads import reads


def test_the_dropped_span_is_found_after_the_common_prefix() -> None:
    system, dropped, kept = list(range(50)), list(range(100, 160)), list(range(200, 300))
    assert drop_span(system + dropped + kept, system + kept + [7, 8]) == (50, 60)


def test_no_span_when_nothing_was_dropped_or_too_little_would_be_kept() -> None:
    old = list(range(100))
    assert drop_span(old, [*old, 1, 2, 3]) is None  # the prompt only grew
    assert drop_span(old, list(range(40)) + [999] * 60) is None  # changed, not cut
    # the span is found, but fewer than MIN_SAVED tokens would be kept after it
    old_prompt = list(range(20)) + list(range(500, 510)) + list(range(40, 100))
    new_prompt = list(range(20)) + list(range(40, 40 + MIN_SAVED - 1)) + [5] * PROBE
    assert drop_span(old_prompt, new_prompt) is None


@pytest.mark.model
async def test_a_moved_window_reads_only_the_new_tail() -> None:
    from os1.brain.embedded import load
    from os1.config import BrainConfig

    model = load(BrainConfig())
    system = Message("system", "You are Ivy, a warm companion. Reply in one short sentence.")
    history = []
    for i in range(14):
        history.append(Message("user", f"Here is fact number {i}: my cousin {i} likes tea."))
        history.append(Message("assistant", f"How lovely that cousin {i} likes tea."))
    def once(key: str | None) -> Sampling:
        return Sampling(max_tokens=4, temperature=0.0, seed=1, cache_key=key)

    async def reply(messages: list[Message], key: str | None = "conv-1") -> str:
        return "".join([c.text async for c in model.stream(messages, sampling=once(key))])

    first = [system, *history[:12], Message("user", "What do you think?")]
    moved = [system, *history[6:14], Message("user", "And now?")]
    # another conversation's cache is never shifted into this one, nor an unkeyed call's
    for other in ("conv-2", None):
        await reply(first, key=other)
        before = model.shifted
        await reply(moved)
        assert model.shifted == before
    await reply(first)
    before = model.shifted
    # the window moves on: the first six messages are dropped, two new ones come after
    llm = model._llm
    with reads(llm) as evals:
        said = await reply(moved)
    assert said.strip()
    assert model.shifted - before > 60  # the kept history was not read again
    first_at, first_len = evals[0]
    assert first_at > 100 and first_len < 80, evals  # only the new tail was evaluated
    # what the cache now holds is exactly the new prompt (then the reply)
    out = model._formatter(messages=[m.as_dict() for m in moved])
    prompt = llm.tokenize(out.prompt.encode(), add_bos=not out.added_special, special=True)
    assert llm.input_ids[: len(prompt)].tolist() == prompt


@pytest.mark.model
async def test_a_call_outside_the_conversation_leaves_its_cache_in_place() -> None:
    from os1.brain.embedded import load
    from os1.config import BrainConfig

    model = load(BrainConfig())
    llm = model._llm
    system = Message("system", "You are Ivy, a warm companion. Reply in one short sentence.")
    history = [Message("user" if i % 2 == 0 else "assistant", f"Line {i}: my aunt {i} grows roses.")
               for i in range(16)]
    turn = [system, *history, Message("user", "What do you think?")]
    after = [*turn, Message("assistant", "Roses are lovely."), Message("user", "And tulips?")]
    aside = [Message("system", "Extract facts as JSON."), Message("user", "My sister is Ruth.")]

    async def reply(messages: list[Message], key: str | None) -> str:
        s = Sampling(max_tokens=6, temperature=0.0, seed=1, cache_key=key)
        return "".join([c.text async for c in model.stream(messages, sampling=s)])

    async def next_turn(side_call: bool) -> tuple[str, int]:
        model.reset()
        await reply(turn, "conv-1")
        if side_call:
            await reply(aside, None)  # e.g. facts extracted from the last turn
        with reads(llm) as read:
            said = await reply(after, "conv-1")
        return said, read[0][1]

    alone, read_alone = await next_turn(side_call=False)
    kept_before = model.kept
    said, read = await next_turn(side_call=True)
    assert model.kept - kept_before > 150  # the conversation's cache came back
    assert read < 60 and read == read_alone  # only the new messages were read, as without it
    assert said == alone  # and the reply is the one it would have been
