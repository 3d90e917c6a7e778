"""Small text helpers shared across layers (engine, skills). Imports nothing from os1."""

from __future__ import annotations

import re

FLIPS = {
    "i": "you",
    "me": "you",
    "my": "your",
    "mine": "yours",
    "myself": "yourself",
    "i'm": "you're",
    "i've": "you've",
    "i'd": "you'd",
    "i'll": "you'll",
    "am": "are",
    "we": "you",
    "us": "you",
    "our": "your",
    "ours": "yours",
    "we're": "you're",
}


def second_person(text: str) -> str:
    """Turn the user's own words into reported speech: "my sister is Ruth" -> "your ..."."""
    out: list[str] = []
    prev = ""
    for token in re.split(r"([^\w']+)", text):
        low = token.lower()
        rep = FLIPS.get(low)
        if low == "was" and prev in ("i",):
            rep = "were"
        if rep is None or (low == "am" and prev != "i"):
            out.append(token)
        else:
            out.append(rep)
        if token.strip():
            prev = low
    flipped = "".join(out).strip()
    return flipped.rstrip(".!") if flipped else flipped


__all__ = ["FLIPS", "second_person"]


def ordinal_suffix(n: int) -> str:
    """"st", "nd", "rd" or "th" for ``n`` (1st, 12th, 22nd)."""
    return "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
