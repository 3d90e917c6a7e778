"""Wiring one user's Engine from a Home: planner with recall, observers, core memory, mood.

Optional parts (memory store, affect) are used when their packages are present, so the
engine still talks if one of them cannot load; what failed is said once as a Notice-worthy
error by the caller, never hidden in a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from os1.engine.core import Engine, Observer
from os1.engine.plan import Plan
from os1.engine.presence import Candidate, Recall, Similarity, make_judge, plan_turn
from os1.errors import Os1Error
from os1.events import Event

if TYPE_CHECKING:
    from os1.home import Home
    from os1.memory.episodes import Turn
    from os1.mind.persona import Persona


def embed_similarity() -> Similarity:
    from os1.memory.embed import embedder

    def sim(query: str, texts: Sequence[str]) -> Sequence[float]:
        vecs = embedder().embed([query, *texts])
        return [float(x) for x in vecs[1:] @ vecs[0]]

    return sim


def _candidates(hits: Sequence[Any]) -> list[Candidate]:
    """Memory hits -> candidates; turns whose facts were later contradicted are marked."""
    stale: set[str] = set()
    for h in hits:
        if getattr(h, "kind", "") == "fact" and getattr(h, "valid_to", None):
            stale.update(getattr(h, "source_ids", ()) or ())
    out = []
    for h in hits:
        superseded = (
            bool(getattr(h, "valid_to", None))
            or h.id in stale
            or any(
                s in stale
                for s in (getattr(h, "source_ids", ()) or ())
                if getattr(h, "kind", "") != "fact"
            )
        )
        out.append(Candidate(h.id, h.text, float(h.created or 0.0), h.kind, superseded))
    return out


def memory_recall(store: Any, user_only: bool = True) -> Recall:
    async def recall(query: str) -> Sequence[Candidate]:
        hits = store.search(query, limit=8)
        cands = _candidates(hits)
        if user_only:
            # the user's own words and facts about them, not os1's earlier replies
            cands = [c for c in cands if c.kind != "turn" or not _is_assistant(store, c.id)]
        # a question the user asked earlier tells nothing ("can you summarise my emails?")
        cands = [c for c in cands if c.kind != "turn" or not c.text.rstrip().endswith("?")]
        return cands

    return recall


def _is_assistant(store: Any, turn_id: str) -> bool:
    episodes = getattr(store, "episodes", None)
    turn = episodes.turn(turn_id) if episodes is not None else None
    return bool(turn is not None and turn.role == "assistant")


class MemoryObserver:
    def __init__(self, store: Any, model: Any) -> None:
        self.store = store
        self.model = model

    async def after_turn(self, user: Turn, reply: Turn) -> list[Event]:
        await self.store.aobserve(user)
        await self.store.aobserve(reply)
        return []


def open_memory_store(home: Home) -> Any | None:
    try:
        from os1.memory import open_memory
    except ImportError:
        return None
    return open_memory(home)


def build_engine(home: Home, persona: Persona, warm: bool = False) -> Engine:
    store = open_memory_store(home)
    observers: list[Observer] = []
    recall: Recall | None = None
    core = lambda: ""  # noqa: E731
    if store is not None:
        recall = memory_recall(store)
        observers.append(MemoryObserver(store, home.model))
        core = store.core_text
    mood = lambda: ""  # noqa: E731
    try:
        from os1.mind.affect import Affect

        affect = Affect.open(home)
        observers.append(affect)
        mood = affect.style_hint
    except ImportError:
        pass
    sim = embed_similarity()

    from os1.plugins import registry
    from os1.skills.base import match_intent

    intents = registry().intents
    brain = home.config.brain
    # only the packaged 135M model is known to make facts up and pretend to act; any model
    # the user chose (a server, or a GGUF file of their own) is let answer those turns
    capable = brain.backend != "embedded" or bool(brain.model_path)

    async def planner(text: str, p: Persona, history: Sequence[Turn]) -> Plan:
        found = match_intent(intents, text)
        if found is not None:
            intent, m = found
            try:
                answer = await intent.run(text, m, home.skill_context)
            except Os1Error as exc:  # "no calendar is set up": said to the user, not a crash
                return Plan("skill", say=exc.message, generate=False, reason=f"{intent.name} failed")
            return Plan("skill", say=answer, generate=False, reason=f"intent {intent.name}")
        return await plan_turn(text, p, recall, sim, capable)

    return Engine(
        home.model,
        home.episodes,
        persona,
        planner=planner,
        observers=observers,
        core_memory=core,
        mood_hint=mood,
        judge=make_judge(sim),
        warm=warm,
    )


__all__ = ["build_engine", "embed_similarity", "memory_recall"]
