"""The words presence reasons with: stop words, family relations, synonyms, and the
small helpers that reduce a sentence to its content words (stemmed, synonyms folded)."""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z][a-z'-]*")
STOP = set(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "with",
        "about",
        "from",
        "by",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "am",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "i",
        "me",
        "my",
        "mine",
        "you",
        "your",
        "yours",
        "we",
        "our",
        "us",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "what",
        "who",
        "whom",
        "whose",
        "which",
        "when",
        "where",
        "why",
        "how",
        "again",
        "remember",
        "recall",
        "told",
        "tell",
        "say",
        "said",
        "know",
        "knew",
        "ever",
        "there",
        "their",
        "they",
        "them",
        "he",
        "she",
        "his",
        "her",
        "him",
        "hers",
        "please",
        "can",
        "could",
        "would",
        "will",
        "shall",
        "should",
        "just",
        "so",
        "very",
        "really",
        "than",
        "then",
        "now",
        "still",
        "any",
        "some",
        "one",
        "thing",
        "things",
        "again",
        "lol",
        "oh",
        "hey",
        "hi",
        "ok",
        "okay",
        "yes",
        "no",
        "not",
        "don't",
        "didn't",
        "doesn't",
        "isn't",
        "wasn't",
        "what's",
        "who's",
        "where's",
        "i'm",
        "you're",
        "let's",
        "something",
        "anything",
        "someone",
        "anyone",
    ]
)
RELATIONS = set(
    [
        "mother",
        "mom",
        "mum",
        "father",
        "dad",
        "sister",
        "brother",
        "son",
        "daughter",
        "wife",
        "husband",
        "ex",
        "ex-wife",
        "ex-husband",
        "girlfriend",
        "boyfriend",
        "partner",
        "friend",
        "boss",
        "colleague",
        "coworker",
        "neighbour",
        "neighbor",
        "aunt",
        "uncle",
        "cousin",
        "grandmother",
        "grandma",
        "grandfather",
        "grandpa",
        "niece",
        "nephew",
        "dog",
        "cat",
        "pet",
        "doctor",
        "lawyer",
        "therapist",
        "teacher",
        "landlord",
        "roommate",
    ]
)

def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


SYNONYMS = {
    "move": "live",
    "moved": "live",
    "home": "live",
    "city": "live",
    "job": "work",
    "career": "work",
    "quit": "work",
    "dad": "father",
    "mom": "mother",
    "mum": "mother",
    "scared": "afraid",
    "fear": "afraid",
    "film": "movie",
    "films": "movie",
    "movies": "movie",
    "documentaries": "movie",
    "documentary": "movie",
    "dating": "girlfriend",
    "seeing": "girlfriend",
    "kid": "son",
    "wedding": "married",
    "marry": "married",
    "favorite": "favourite",
}


def stem(word: str) -> str:
    if word in SYNONYMS:
        return SYNONYMS[word]
    for suffix in ("'s", "ies", "es", "s", "ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return SYNONYMS.get(word, word)  # "dad's" -> "dad" -> "father"


def content_words(text: str) -> set[str]:
    return {stem(w) for w in words(text) if w not in STOP and len(w) > 1}


def relations(text: str) -> set[str]:
    return {w for w in words(text) if w in RELATIONS} | {
        stem(w) for w in words(text) if stem(w) in RELATIONS
    }


__all__ = ["RELATIONS", "STOP", "SYNONYMS", "content_words", "relations", "stem", "words"]
