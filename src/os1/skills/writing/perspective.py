"""Turn a note about a relationship into words the client says to the recipient.

Notes may be written as the client tells them ("We met in Duluth; Chris stepped on my feet")
or about the client ("Roberta and Chris met in Duluth"). The client becomes I/me/my, the
recipient you/your, both together we/us/our, and the few verbs that must agree are fixed
(Chris was -> you were). Pure string functions; imports nothing from os1.
"""

from __future__ import annotations

import re

PREPOSITIONS = {"to", "with", "for", "at", "about", "from", "by", "of", "behind", "beside",
                "like", "than", "without", "after", "before", "around", "near", "on", "in",
                "into", "toward", "towards", "under", "over", "between", "among", "against",
                "told", "gave", "showed", "taught", "asked", "called", "met", "loved", "saw",
                "kissed", "hugged", "thanked", "helped", "visited", "missed", "found", "made",
                "took", "brought", "sent", "surprised", "married", "drove", "let", "watched"}
BE_FIX_YOU = {"was": "were", "is": "are", "has": "have", "does": "do", "wasn't": "weren't",
              "isn't": "aren't", "hasn't": "haven't", "doesn't": "don't"}
BE_FIX_I = {"is": "am", "has": "have", "does": "do", "isn't": "am not", "hasn't": "haven't",
            "doesn't": "don't"}
BE_FIX_WE = {"was": "were", "is": "are", "has": "have", "does": "do", "wasn't": "weren't",
             "isn't": "aren't", "hasn't": "haven't", "doesn't": "don't"}
HE_WORDS = {"husband", "boyfriend", "father", "dad", "son", "brother", "grandfather",
            "grandpa", "uncle", "nephew", "fiancé", "fiance", "stepfather", "stepson", "man"}
SHE_WORDS = {"wife", "girlfriend", "mother", "mom", "mum", "daughter", "sister",
             "grandmother", "grandma", "aunt", "niece", "fiancée", "fiancee", "stepmother",
             "stepdaughter", "woman"}
NOT_A_VERB_S = {"always", "perhaps", "sometimes", "was", "has", "is", "does", "this", "thus", "yes"}


def pronoun_of(relation: str, profile: str = "") -> str:
    """'he', 'she' or '' from a relation ('husband') or else a profile's own pronouns."""
    words = set(re.findall(r"[a-zé]+", relation.lower()))
    he, she = bool(words & HE_WORDS), bool(words & SHE_WORDS)
    if he != she:
        return "he" if he else "she"
    counts = re.findall(r"\b(he|him|his|she|her)\b", profile.lower())
    hes = sum(1 for w in counts if w in {"he", "him", "his"})
    shes = len(counts) - hes
    return "he" if hes > shes else "she" if shes > hes else ""


def _agree(verb: str) -> str:
    """Third person singular to plain: loves -> love, goes -> go, tries -> try."""
    low = verb.lower()
    if low in NOT_A_VERB_S or not low.endswith("s") or low.endswith("ss") or len(low) < 3:
        return verb
    if low.endswith("ies"):
        return verb[:-3] + "y"
    if re.search(r"(sh|ch|x|o|zz)es$", low):
        return verb[:-2]
    return verb[:-1]


OBJECT_VERBS = {"loves", "calls", "tells", "takes", "makes", "brings", "gives", "helps",
                "visits", "misses", "teaches", "drives", "holds", "keeps", "sees", "knows"}


def _is_object(prev: str) -> bool:
    low = prev.lower()
    return low in PREPOSITIONS or low in OBJECT_VERBS or (low.endswith("ed") and len(low) > 3)


def _swap(text: str, names: str, subject: str, obj: str, poss: str,
          be_fix: dict[str, str]) -> str:
    """Replace a name (regex alternation) by pronouns, choosing case by position."""
    pattern = re.compile(rf"(\b[\w']+\s+)?\b({names})(['’]s\b)?(\s+([\w']+))?")

    def repl(m: re.Match[str]) -> str:
        lead, tail = m.group(1) or "", m.group(4) or ""
        if m.group(3):
            return lead + poss + tail
        if lead.strip() and _is_object(lead.strip()):
            return lead + obj + tail
        nxt = m.group(5) or ""
        if nxt:
            tail = tail.replace(nxt, be_fix.get(nxt.lower(), _agree(nxt)), 1)
        return lead + subject + tail

    return pattern.sub(repl, text)


def _alternation(*names: str) -> str:
    parts = sorted({n for n in names if n}, key=len, reverse=True)
    return "|".join(re.escape(p) for p in parts)


def _both(client: str, recipient: str) -> str:
    c, r = re.escape(client), re.escape(recipient)
    return rf"(?:{c}\s+and\s+{r}|{r}\s+and\s+{c}|{r}\s+and\s+I|{c}\s+and\s+you|you\s+and\s+I)"


PLACE_PREPOSITIONS = {"in", "at", "from", "near", "across", "through", "outside", "inside",
                      "around", "toward", "towards", "into", "past"}
PRONOUN = re.compile(r"\b(he|him|his|himself|she|her|herself)\b", re.I)
MENTION = re.compile(r"\b[A-Z][\w'’-]*")
GENDER = {"he": "he", "him": "he", "his": "he", "himself": "he",
          "she": "she", "her": "she", "herself": "she"}
NOT_NAMES = {"I", "We", "You", "The", "A", "An", "When", "After", "Before", "Every", "On", "In",
             "At", "That", "This", "Then", "Once", "One", "Our", "My", "Your", "Their", "It",
             "He", "She", "His", "Her", "They", "But", "And", "So", "If", "Since", "While"}


def _mentions(text: str, roles: dict[str, tuple[str, str]]) -> list[tuple[int, str, str]]:
    """(position, role, gender) for each person named: 'client', 'recipient' or 'other'.
    A capitalised word after 'in', 'the' or another capitalised word is a place or part of a
    longer name, not a new person."""
    found = []
    for m in MENTION.finditer(text):
        word = m.group(0)
        before = re.search(r"([\w']+)\s+$", text[max(0, m.start() - 40):m.start()])
        prev = before.group(1) if before else ""
        key = word.lower()
        key = key[:-2] if key.endswith(("'s", "’s")) else key
        if key in roles:
            role, gender = roles[key]
            found.append((m.start(), role, gender))
        elif word not in NOT_NAMES and prev.lower() not in PLACE_PREPOSITIONS | {"the", "of"} \
                and not prev[:1].isdigit() and not prev[:1].isupper():
            found.append((m.start(), "other", ""))  # a person we know nothing about
    return found


def _pronoun_form(word: str, role: str, after: str) -> str:
    low = word.lower()
    if role == "recipient":
        table = {"he": "you", "she": "you", "him": "you", "his": "your", "himself": "yourself",
                 "herself": "yourself"}
    else:
        table = {"he": "I", "she": "I", "him": "me", "his": "my", "himself": "myself",
                 "herself": "myself"}
    if low == "her":
        nxt = re.match(r"\s+([a-z][\w'-]*)", after)
        possessive = nxt is not None and nxt.group(1) not in HER_NOT_BEFORE
        return ("your" if role == "recipient" else "my") if possessive else (
            "you" if role == "recipient" else "me")
    return table[low]


HER_NOT_BEFORE = {"to", "and", "that", "a", "an", "the", "with", "for", "in", "on", "at", "up",
                  "off", "out", "back", "home", "again", "so", "too", "how", "what", "when",
                  "every", "about", "because", "if", "as", "down", "over", "into", "from"}


def resolve_pronouns(text: str, roles: dict[str, tuple[str, str]]) -> str:
    """Pronouns that refer to the client or the recipient become I/me/my or you/your. A pronoun
    refers to the latest person mentioned before it whose gender fits; another person in
    between (a child, a friend) keeps it unchanged."""
    mentions = _mentions(text, roles)
    known = {role: gender for role, gender in roles.values()}
    if known.get("client") != known.get("recipient"):  # unnamed but unambiguous: he = Chris
        mentions[:0] = [(-1, role, g) for role, g in known.items() if g]
    out, last = [], 0
    for m in PRONOUN.finditer(text):
        gender = GENDER[m.group(1).lower()]
        before = [x for x in mentions if x[0] < m.start() and x[2] in (gender, "")]
        if not before or before[-1][1] == "other" or before[-1][2] != gender:
            continue
        role = before[-1][1]
        form = _pronoun_form(m.group(1), role, text[m.end():])
        if m.group(1)[0].isupper():
            form = form[0].upper() + form[1:]
        out.append(text[last:m.start()] + form)
        last = m.end()
        if m.group(1).lower() in {"he", "she"}:
            verb = re.match(r"(\s+)([\w']+)", text[m.end():])
            if verb:
                fix = (BE_FIX_YOU if role == "recipient" else BE_FIX_I)
                out.append(verb.group(1) + fix.get(verb.group(2).lower(), _agree(verb.group(2))))
                last = m.end() + verb.end()
    return "".join(out) + text[last:]


def to_letter_voice(note: str, client: str, recipient: str, *,
                    client_aliases: tuple[str, ...] = (), recipient_aliases: tuple[str, ...] = (),
                    recipient_pronoun: str = "", client_pronoun: str = "") -> str:
    """The note as the client would say it to the recipient."""
    text = " ".join(note.split())
    roles = {n.lower(): ("client", client_pronoun)
             for n in (client, _first(client), *client_aliases) if n}
    roles |= {n.lower(): ("recipient", recipient_pronoun)
              for n in (recipient, _first(recipient), *recipient_aliases) if n}
    text = resolve_pronouns(text, roles)
    both = _both(_first(client), _first(recipient))
    text = re.sub(both + r"['’]s\b", "our", text)
    text = _swap(text, both, "we", "us", "our", BE_FIX_WE)
    text = _swap(text, _alternation(recipient, _first(recipient), *recipient_aliases),
                 "you", "you", "your", BE_FIX_YOU)
    text = _swap(text, _alternation(client, _first(client), *client_aliases),
                 "I", "me", "my", BE_FIX_I)
    return tidy(_agree_second_verb(text))


SECOND_VERB = re.compile(
    r"\b(you|You|I|we|We)\s+([a-z]+)\b([^.;:]*?)\band\s+((?:still|also|always|then|never|"
    r"often)\s+)?([a-z]+s)\b(?=\s+(?:to|the|a|an|my|your|our|every|everything|at|in|on|with|"
    r"for|up|out|home|it|them|me|us)\b)")


def _agree_second_verb(text: str) -> str:
    """'you love the lake and fixes everything' -> '... and fix everything'."""
    def repl(m: re.Match[str]) -> str:
        if m.group(2).endswith("s"):
            return m.group(0)
        return m.group(0)[:m.start(5) - m.start()] + _agree(m.group(5))

    return SECOND_VERB.sub(repl, text)


def _first(name: str) -> str:
    return name.split()[0] if name.split() else name


def tidy(text: str) -> str:
    """Sentence case, no trailing fragment punctuation, 'I' capital, a full stop at the end."""
    text = re.sub(r"\bi\b", "I", text.strip())
    text = re.sub(r"(^|[.!?]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), text)
    text = text.rstrip(" ;,:-–—")
    if text and text[-1] not in ".!?\"”’)":
        text += "."
    return text
