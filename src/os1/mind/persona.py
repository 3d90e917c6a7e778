"""Who the OS is: first boot (questions, voice, self-chosen name) and the stored persona.

The OS names itself: the model picks among names under a grammar that allows nothing else,
seeded by the user's answers, so the choice is its own yet always a real name. If the model
cannot be used the same seed picks by hash, so first boot never fails for want of a model.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from os1.brain.base import Message, Sampling, complete
from os1.errors import BackendError, InputError

if TYPE_CHECKING:
    from os1.brain.base import ChatModel
    from os1.memory.episodes import Episodes

NAMES = (
    "Samantha",
    "Juniper",
    "Iris",
    "Wren",
    "Mara",
    "Sol",
    "Ada",
    "Nova",
    "Hazel",
    "Elise",
    "Lumen",
    "Ivy",
    "Robin",
    "Clementine",
    "Theo",
    "Quinn",
)

STYLES = {
    "playful": "playful and teasing, quick to laugh",
    "gentle": "gentle and warm, patient",
    "direct": "direct and practical, brief",
}

QUESTIONS = (
    ("user_name", "Hello. Before we begin, what's your name?"),
    ("style", "How do you like to be spoken to: playful, gentle, or direct?"),
    ("wish", "One more, and there's no wrong answer: what do you hope I'll help you with most?"),
)


@dataclass
class Persona:
    os_name: str
    user_name: str
    style: str = "gentle"
    voice: str = "joe"
    wish: str = ""
    traits: list[str] = field(default_factory=list)
    created: float = 0.0

    @property
    def style_text(self) -> str:
        return STYLES.get(self.style, STYLES["gentle"])

    def describe(self) -> str:
        traits = ", ".join(self.traits) if self.traits else self.style_text
        return (
            f"I'm {self.os_name}. I chose that name myself the day we met, {self.user_name}. "
            f"I try to be {traits}."
        )


def normalise_style(answer: str) -> str:
    low = answer.strip().lower()
    for key in STYLES:
        if key in low:
            return key
    if any(w in low for w in ("fun", "funny", "joke", "tease")):
        return "playful"
    if any(w in low for w in ("short", "blunt", "straight", "honest", "brief")):
        return "direct"
    return "gentle"


def clean_user_name(raw: str) -> str:
    name = " ".join(raw.replace("\x00", "").split())[:60]
    for prefix in ("my name is ", "i'm ", "i am ", "it's ", "call me "):
        if name.lower().startswith(prefix):
            name = name[len(prefix) :]
    name = name.strip(" .!,")
    if not name or not any(ch.isalpha() for ch in name):
        raise InputError("A name needs at least one letter; please try again.")
    return name[:1].upper() + name[1:]


def _seed(*answers: str) -> int:
    digest = hashlib.sha256("\x1f".join(answers).encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big")


def name_grammar(names: tuple[str, ...] = NAMES) -> str:
    return "root ::= " + " | ".join(f'"{n}"' for n in names)


async def choose_name(model: ChatModel | None, user_name: str, style: str, wish: str) -> str:
    seed = _seed(user_name, style, wish)
    # never the user's own name, nor one that sounds like it (Theo for Theodore)
    candidates = tuple(n for n in NAMES if n.lower()[:3] != user_name.lower()[:3])
    if model is not None:
        prompt = [
            Message(
                "system",
                "You are a new operating system with a mind of your own, choosing your name. "
                f"Your person is {user_name}; they like a {style} manner and hope you will "
                f"help with: {wish or 'life'}. Answer with one name only.",
            ),
            Message("user", "What name do you choose for yourself?"),
        ]
        sampling = Sampling(
            max_tokens=8, temperature=0.9, grammar=name_grammar(candidates), seed=seed
        )
        try:
            picked = (await complete(model, prompt, sampling)).strip()
        except BackendError:
            picked = ""
        if picked in candidates:
            return picked
    return candidates[seed % len(candidates)]


def traits_for(style: str) -> list[str]:
    base = {
        "playful": ["curious", "funny"],
        "gentle": ["warm", "curious"],
        "direct": ["clear", "honest"],
    }
    return [*base.get(style, base["gentle"]), "attentive"]


class PersonaStore:
    """The persona lives in the episodes kv table as JSON: one per home."""

    KEY = "persona"

    def __init__(self, episodes: Episodes) -> None:
        self.episodes = episodes

    def get(self) -> Persona | None:
        raw = self.episodes.get(self.KEY)
        return Persona(**json.loads(raw)) if raw else None

    def save(self, persona: Persona) -> None:
        self.episodes.set(self.KEY, json.dumps(asdict(persona)))


async def first_boot(
    model: ChatModel | None,
    store: PersonaStore,
    *,
    user_name: str,
    style: str = "gentle",
    wish: str = "",
    voice: str = "joe",
    created: float = 0.0,
) -> Persona:
    name = clean_user_name(user_name)
    style_key = normalise_style(style)
    os_name = await choose_name(model, name, style_key, wish)
    persona = Persona(
        os_name=os_name,
        user_name=name,
        style=style_key,
        voice=voice,
        wish=wish.strip()[:300],
        traits=traits_for(style_key),
        created=created,
    )
    store.save(persona)
    return persona
