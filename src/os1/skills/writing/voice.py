"""A client's voice, learned from their past letters: how they open ("My dearest Chris,"),
how they sign off ("Forever yours," / "Roberta"), what they call people ("my love"), and
whether they use contractions or exclamation marks. Pure functions; imports nothing from os1.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

ENDEARMENTS = ("my love", "my darling", "darling", "sweetheart", "my dear", "honey", "kiddo",
               "my friend", "old friend", "buddy", "pal", "my heart", "sweet pea", "love",
               "my dearest", "dear one", "old man", "my girl", "my boy", "champ")
CONTRACTION = re.compile(r"\b\w+['’](m|re|ve|ll|d|s|t)\b", re.I)
EXPANDABLE = re.compile(r"\b(I am|you are|we are|do not|it is|I have|cannot|I will|that is|"
                        r"I would|did not|does not|is not|was not|would not|could not)\b")
EXPANSIONS = {
    "I'm": "I am", "you're": "you are", "we're": "we are", "don't": "do not",
    "it's": "it is", "I've": "I have", "can't": "cannot", "won't": "will not", "I'll": "I will",
    "that's": "that is", "there's": "there is", "I'd": "I would", "didn't": "did not",
    "doesn't": "does not", "isn't": "is not", "wasn't": "was not", "wouldn't": "would not",
    "couldn't": "could not", "we've": "we have", "you've": "you have", "haven't": "have not",
    "we'll": "we will", "you'll": "you will", "let's": "let us", "what's": "what is",
}


@dataclass(frozen=True)
class Voice:
    greeting: str = ""  # "My dearest {name}," ({name} = the recipient) or "" for the default
    sign_off: str = ""  # "Forever yours,"
    signature: str = ""  # "Roberta" / "Mom"
    endearments: tuple[str, ...] = ()  # what the client calls this recipient, most used first
    contractions: bool = True
    exclamations: bool = True
    learned_from: int = 0
    phrases: list[str] = field(default_factory=list)

    def greet(self, name: str) -> str:
        return self.greeting.replace("{name}", name) if self.greeting else f"Dear {name},"


def _lines(body: str) -> list[str]:
    return [ln.strip() for ln in body.strip().splitlines() if ln.strip()]


def _short(line: str, words: int) -> bool:
    return 0 < len(line.split()) <= words and not re.search(r"[.!?]$", line)


def split_letter(body: str) -> tuple[str, list[str], str, str]:
    """(greeting, body lines, sign-off, signature); any of the edges may be ''."""
    lines = _lines(body)
    greeting = lines.pop(0) if lines and lines[0].endswith(",") and _short(lines[0][:-1], 6) \
        else ""
    signature = sign_off = ""
    one_line = re.fullmatch(r"([A-Z][\w ]{1,30}),\s*([A-Z][\w. ]{0,30})", lines[-1]) \
        if lines else None
    if one_line:  # "Love, Max"
        lines.pop()
        sign_off, signature = one_line.group(1).strip() + ",", one_line.group(2).strip()
    elif lines and _short(lines[-1], 4) and not lines[-1].endswith(","):
        signature = lines.pop()
        if lines and lines[-1].endswith(",") and _short(lines[-1][:-1], 6):
            sign_off = lines.pop()
    return greeting, lines, sign_off, signature


def _greeting_pattern(greeting: str, names: Sequence[str]) -> str:
    for name in sorted(names, key=len, reverse=True):
        if name and re.search(rf"\b{re.escape(name)}\b", greeting):
            return re.sub(rf"\b{re.escape(name)}\b", "{name}", greeting)
    return ""


def learn_voice(letters_to_them: Sequence[str], other_letters: Sequence[str],
                recipient_names: Sequence[str]) -> Voice:
    """The voice in ``letters_to_them`` (this recipient), falling back on the client's letters
    to others for the sign-off and habits; a greeting to someone else becomes a pattern."""
    all_letters = [*letters_to_them, *other_letters]
    if not all_letters:
        return Voice()
    parts = [split_letter(b) for b in all_letters]
    own = parts[:len(letters_to_them)]
    greetings = Counter(g for g, *_ in own if g)
    greeting = greetings.most_common(1)[0][0] if greetings else ""
    if greeting:
        greeting = _greeting_pattern(greeting, recipient_names) or greeting
    else:
        patterns = Counter(p for p in (_greeting_pattern(g, [_name_in(g)]) for g, *_ in parts
                                       if g) if p)
        greeting = patterns.most_common(1)[0][0] if patterns else ""
    sign_offs = Counter(s for *_, s, _sig in (own or parts) if s) or Counter(
        s for *_, s, _sig in parts if s)
    signatures = Counter(sig for *_, sig in (own or parts) if sig) or Counter(
        sig for *_, sig in parts if sig)
    text = "\n".join("\n".join(lines) for _, lines, _, _ in parts)
    return Voice(
        greeting=greeting,
        sign_off=sign_offs.most_common(1)[0][0] if sign_offs else "",
        signature=signatures.most_common(1)[0][0] if signatures else "",
        endearments=_endearments("\n".join(letters_to_them)),
        contractions=_uses_contractions(text),
        exclamations="!" in text or len(text.split()) < 40,
        learned_from=len(all_letters),
    )


def _name_in(greeting: str) -> str:
    """The addressed name in 'Dear Anna,' / 'My dearest Chris,': its last capitalised word."""
    words = re.findall(r"\b[A-Z][\w'-]*", greeting)
    return words[-1] if len(words) > 1 or (words and not greeting.startswith(words[0])) else ""


def _endearments(text: str) -> tuple[str, ...]:
    low = text.lower()
    # only where someone is addressed: "Happy birthday, my love." / "Darling, ..."
    counts = Counter({e: len(re.findall(rf"(,\s*{re.escape(e)}\s*[,.!?]|(^|\n){re.escape(e)},)",
                                        low)) for e in ENDEARMENTS})
    # "my love" also counts as "love"; keep the longer phrase
    found = [e for e, n in counts.most_common() if n]
    return tuple(e for e in found if not any(e != f and e in f for f in found))[:3]


def _uses_contractions(text: str) -> bool:
    used = len(CONTRACTION.findall(text))
    avoided = len(EXPANDABLE.findall(text))
    return used > 0 or avoided == 0


def apply_habits(text: str, voice: Voice) -> str:
    """Expand contractions and calm exclamations for a client who never uses them."""
    if not voice.contractions:
        for short, long_ in EXPANSIONS.items():
            text = re.sub(rf"\b{re.escape(short)}\b", long_, text)
            cap = short[0].upper() + short[1:]
            text = re.sub(rf"\b{re.escape(cap)}\b", long_[0].upper() + long_[1:], text)
    if not voice.exclamations:
        text = text.replace("!", ".")
    return text
