"""The turn loop: perceive -> recall/plan -> think (stream) -> remember -> feel.

The engine is the only thing that calls the model. It yields events from os1.events and
never prints. A stored user turn is never lost: errors after it becomes ErrorEvent and the
conversation stays intact; a stopped generation keeps what was said so far.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, Protocol

from os1.brain.base import ChatModel, Message, Sampling
from os1.engine import context
from os1.engine.inputs import clean_user_text
from os1.engine.plan import CHAT, Plan
from os1.engine.polish import polished
from os1.errors import Os1Error
from os1.events import (
    ErrorEvent,
    Event,
    Recalled,
    TextDelta,
    TurnEnded,
    TurnStarted,
)
from os1.memory.episodes import Episodes, Turn
from os1.mind.persona import Persona

Planner = Callable[[str, Persona, Sequence[Turn]], Awaitable[Plan]]


class Observer(Protocol):
    """Something that learns from each finished turn (memory, affect, journal)."""

    async def after_turn(self, user: Turn, reply: Turn) -> list[Event]: ...


class Engine:
    def __init__(
        self,
        model: ChatModel,
        episodes: Episodes,
        persona: Persona,
        *,
        planner: Planner | None = None,
        observers: Sequence[Observer] = (),
        core_memory: Callable[[], str] = lambda: "",
        mood_hint: Callable[[], str] = lambda: "",
        judge: Callable[[str, str, str], bool] | None = None,
        warm: bool = False,
    ) -> None:
        self.model = model
        self.episodes = episodes
        self.persona = persona
        self.planner = planner
        self.observers = list(observers)
        self.core_memory = core_memory
        self.mood_hint = mood_hint
        self.judge = judge
        # Read the next turn's context into the model's cache after each turn, while the user
        # reads or speaks: a template reply never went through the model, and a filtered one
        # differs from what was generated, so otherwise the next generated reply first reads
        # the history since (0.5-0.8 s on 2 cores once the history window has moved). For one
        # user's engine (chat, voice); a server sharing one model among users leaves it off.
        self.warm = warm and callable(getattr(model, "prefill", None))
        self.warming: Any = None  # the read-ahead under way (a concurrent Future), if any
        self._stop = False

    def stop(self) -> None:
        """Stop the current generation; the turn ends with what was said so far."""
        self._stop = True

    def new_session(self) -> str:
        old = self.episodes.current_session()
        self.episodes.end_session(old)
        return self.episodes.new_session()

    @property
    def session_id(self) -> str:
        return self.episodes.current_session()

    def _messages(self, history: Sequence[Turn], text: str, plan: Plan) -> list[Message]:
        system = context.system_prompt(self.persona, self.core_memory(), self.mood_hint())
        recalled = [t for _, t in plan.recalled]
        return context.build_messages(system, history, text, recalled)

    async def turn(
        self, raw: str | bytes, *, speaker: str = "", turn_id: str | None = None
    ) -> AsyncIterator[Event]:
        """One turn. With ``turn_id`` (a client's id for this message) a message sent again,
        e.g. after the server that took it died, is stored once: if it was answered the
        stored reply is replayed, if not it is answered now."""
        t0 = time.perf_counter()
        try:
            text = clean_user_text(raw)
        except Os1Error as exc:
            yield ErrorEvent(exc.message, kind="input")
            return
        self._stop = False
        seen = self.episodes.turn(turn_id) if turn_id else None
        if seen is not None:
            sid, text, user_turn = seen.session_id, seen.text, seen
            history = [t for t in self.episodes.turns(sid) if t.seq < seen.seq]
            after = self.episodes.after(seen)
            if after:  # answered already (or the conversation moved on): say it again
                reply = after[0].text if after[0].role == "assistant" else ""
                yield TurnStarted(sid, text)
                if reply:
                    yield TextDelta(reply)
                yield TurnEnded(sid, reply, stopped=not reply, timings={"replayed": 1.0})
                return
        else:
            # the turn's reads and writes go to a worker thread, here and below: on a server
            # the event loop carrying every other conversation's tokens never waits on them
            sid, history, user_turn = await asyncio.to_thread(
                self._begin, text, speaker, turn_id)
        yield TurnStarted(sid, text)
        timings: dict[str, float] = {}
        parts: list[str] = []
        try:
            plan = await self.planner(text, self.persona, history) if self.planner else CHAT
            timings["plan_s"] = time.perf_counter() - t0
            if plan.recalled:
                yield Recalled(plan.recalled)
            async for delta in self._speak(plan, history, text, sid):
                if not parts:
                    timings["first_token_s"] = time.perf_counter() - t0
                parts.append(delta)
                yield TextDelta(delta)
                if self._stop:
                    break
        except Os1Error as exc:
            yield ErrorEvent(exc.message, kind=type(exc).__name__)
        reply = "".join(parts).strip()
        events: list[Any] = []
        if reply:
            reply_turn = await asyncio.to_thread(
                self.episodes.add_turn, sid, "assistant", reply, self.persona.os_name)
            for obs in self.observers:
                try:
                    events.extend(await obs.after_turn(user_turn, reply_turn))
                except Os1Error as exc:
                    events.append(ErrorEvent(exc.message, kind="observer"))
        for ev in events:
            yield ev
        timings["total_s"] = time.perf_counter() - t0
        if self.warm:
            with contextlib.suppress(Exception):  # only a head start: a failure costs nothing
                self.warming = self.model.prefill(  # type: ignore[attr-defined]
                    await asyncio.to_thread(self._next_prefix, sid), sid)
        yield TurnEnded(sid, reply, stopped=self._stop, timings=timings)

    def _next_prefix(self, sid: str) -> list[Message]:
        """What the next turn's prompt starts with: the system message and the history window
        it will see (everything but the user's next words)."""
        system = context.system_prompt(self.persona, self.core_memory(), self.mood_hint())
        return context.build_messages(system, self.episodes.turns(sid), "")[:-1]

    def _begin(self, text: str, speaker: str, turn_id: str | None) -> tuple[str, list[Turn], Turn]:
        """The session, its history so far, and the user's turn, stored."""
        sid = self.session_id
        history = self.episodes.turns(sid)
        user_turn = self.episodes.add_turn(
            sid, "user", text, speaker or self.persona.user_name, turn_id=turn_id
        )
        return sid, history, user_turn

    async def _speak(self, plan: Plan, history: Sequence[Turn], text: str,
                     sid: str) -> AsyncIterator[str]:
        if plan.say:
            yield plan.say
        if not plan.generate:
            return
        sampling = Sampling(max_tokens=plan.max_tokens, cache_key=sid)
        messages = await asyncio.to_thread(self._messages, history, text, plan)
        raw = self._raw_pieces(messages, sampling)
        if not plan.polish:
            sep = " " if plan.say else ""
            async with contextlib.aclosing(raw):
                async for piece in raw:
                    yield sep + piece
                    sep = ""
            return
        known = [self.persona.os_name, self.persona.user_name, text]
        known += [t.text for t in history[-6:] if t.role == "user"]
        # never parrot: what os1 just said, the template's words, or the user's own question
        last = [t.text for t in history[-4:] if t.role == "assistant"] + [plan.say, text]
        names = {w for k in known for w in re.findall(r"[A-Z][a-z]+", k)}
        said = False
        async with contextlib.aclosing(raw):  # stops generation once enough was said
            judge = self.judge

            def fits(sentence: str) -> bool:
                return judge is None or judge(plan.kind, sentence, text)

            async for sentence in polished(raw, known_names=names, avoid=last, judge=fits):
                # sentences come with a leading space; only the reply's very first loses it
                yield sentence if said or plan.say else sentence.lstrip()
                said = True
        if not said and plan.fallback:
            yield (" " if plan.say else "") + plan.fallback

    async def _raw_pieces(
        self, messages: list[Message], sampling: Sampling
    ) -> AsyncGenerator[str, None]:
        first = True
        async for chunk in self.model.stream(messages, sampling=sampling):
            if self._stop:
                return
            piece = chunk.text
            if first:
                piece = piece.lstrip()
                if not piece:
                    continue
                first = False
            if piece:
                yield piece


__all__ = ["Engine", "Observer", "Planner"]
