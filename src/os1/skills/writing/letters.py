"""Writing letters for clients: load the relationship's history, compose, check the facts,
judge, store the letter with the memories it used, and optionally render the handwritten PDF.

The small embedded model is used at most to *pick* one of a few fixed connective sentences
(a grammar allows only the option numbers); everything else is templates and history.
Imports os1.brain.base, os1.errors and this package.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from os1.brain.base import ChatModel, Message, Sampling, complete
from os1.errors import InputError, Os1Error
from os1.skills.writing.compose import Chooser, Embed, Letter, compose, seeded_chooser
from os1.skills.writing.quality import Quality, judge
from os1.skills.writing.store import LetterStore

MAX_OCCASION = 300


@dataclass(frozen=True)
class Written:
    id: str
    letter: Letter
    quality: Quality
    pdf: Path | None = None


def default_embed() -> Embed | None:
    """The memory embedder (MiniLM) when it is installed, else None (word overlap only)."""
    try:
        from os1.memory.embed import embedder

        model = embedder()
        model.embed(["warm up"])
    except (ImportError, Os1Error, OSError):
        return None

    def embed(texts: Sequence[str]) -> Any:
        return model.embed(list(texts)).tolist()

    return embed


def model_chooser(model: ChatModel, fallback: Chooser) -> Chooser:
    """Let the model pick the option that best follows a memory; its answer is forced by a
    grammar to be one of the option numbers. Any failure falls back to ``fallback``."""

    async def choose(context: str, options: Sequence[str]) -> int:
        if len(options) < 2:
            return 0
        listing = "\n".join(f"{i + 1}. {o}" for i, o in enumerate(options))
        grammar = "root ::= " + " | ".join(f'"{i + 1}"' for i in range(len(options)))
        prompt = (f"A heartfelt letter says: \"{context[:400]}\"\nWhich sentence fits best "
                  f"next to it?\n{listing}\nAnswer with the number only.")
        try:
            out = await complete(model, [Message("user", prompt)],
                                 Sampling(max_tokens=2, temperature=0.0, grammar=grammar))
            pick = int(out.strip()[:1]) - 1
        except (Os1Error, ValueError):
            return await fallback(context, options)
        return pick if 0 <= pick < len(options) else await fallback(context, options)

    return choose


def used_memories(store: LetterStore, client: str, recipient: str) -> frozenset[str]:
    """Memories already used in letters written to this recipient (so letters vary)."""
    used: set[str] = set()
    for letter in store.letters(client, kind="written"):
        if letter.recipient.lower() == recipient.lower():
            used.update(str(m) for m in letter.memories)
    return frozenset(used)


async def write_letter(store: LetterStore, client: str, recipient: str, occasion: str, *,
                       model: ChatModel | None = None, embed: Embed | None = None,
                       pdf_dir: Path | None = None, font: Path | None = None) -> Written:
    occasion = " ".join(occasion.split())
    if not occasion:
        raise InputError("Say what the letter is for, e.g. --occasion 'our anniversary'.")
    if len(occasion) > MAX_OCCASION:
        raise InputError(f"The occasion is {len(occasion)} characters; keep it under "
                         f"{MAX_OCCASION}.")
    history = store.history(client, recipient)
    if history.is_empty():
        c, r = history.client.name, history.recipient.name
        raise InputError(
            f"There is nothing in {c}'s history with {r} yet, and I only write from real "
            f"memories: add some with 'os1 letters note \"{c}\" --to \"{r}\" TEXT' or import "
            "past letters with 'os1 letters import'.")
    seed = f"{history.client.id}|{history.recipient.id}|{occasion}|{len(history.past_letters)}"
    chooser = seeded_chooser(seed)
    if model is not None:
        chooser = model_chooser(model, chooser)
    used = used_memories(store, history.client.name, history.recipient.name)
    letter = await compose(history, occasion, chooser=chooser, embed=embed, used=used)
    if len(letter.memories) == 0:
        raise InputError(f"I found no memory of {history.recipient.name} to build on; add "
                         "notes about them first.")
    quality = judge(letter.text)
    lid = store.add_letter(history.client.name, history.recipient.name, letter.text,
                           kind="written", occasion=occasion, score=quality.score,
                           memories=[m.text for m in letter.memories])
    pdf = None
    if pdf_dir is not None:
        from os1.skills.writing.handwriting import render_letter

        pdf = render_letter(letter.text, pdf_dir / f"{lid}.pdf", font=font, seed=lid)
        store.set_pdf(lid, str(pdf))
    return Written(lid, letter, quality, pdf)


def letter_report(w: Written) -> dict[str, Any]:
    return {"id": w.id, "client": w.letter.client, "recipient": w.letter.recipient,
            "occasion": w.letter.occasion, "text": w.letter.text,
            "memories": [{"source": m.source, "text": m.text} for m in w.letter.memories],
            "score": w.quality.score, "pdf": str(w.pdf) if w.pdf else None,
            "unsupported_dropped": w.letter.unsupported}


def dumps(w: Written) -> str:
    return json.dumps(letter_report(w), indent=2)
