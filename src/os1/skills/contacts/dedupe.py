"""Find contacts that are the same person: a shared email or phone number, or a name spelled
differently ("Jon Smith" / "John Smith", "Smith, John", "Bob" / "Robert", "Zoë" / "Zoe").

Pure and deterministic. Candidate pairs come from blocking keys (email, phone, surname,
sorted-name prefix), so a large address book is not compared all against all; groups are the
connected pairs (union-find). Each group says why, so the user can judge the proposal.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import combinations

from os1.skills.contacts.vcard import Contact

NICKNAMES = {
    "bob": "robert", "rob": "robert", "robbie": "robert", "bill": "william", "will": "william",
    "liz": "elizabeth", "beth": "elizabeth", "lizzy": "elizabeth", "kate": "katherine",
    "katie": "katherine", "kathy": "katherine", "jim": "james", "jimmy": "james",
    "mike": "michael", "mick": "michael", "dave": "david", "tom": "thomas", "tommy": "thomas",
    "chris": "christopher", "alex": "alexander", "sam": "samuel", "dan": "daniel",
    "danny": "daniel", "joe": "joseph", "jon": "jonathan", "matt": "matthew", "nick": "nicholas",
    "steve": "stephen", "tony": "anthony", "ben": "benjamin", "andy": "andrew", "jen": "jennifer",
    "jenny": "jennifer", "pat": "patricia", "sue": "susan", "meg": "margaret", "peggy": "margaret",
    "ed": "edward", "ted": "edward", "eddie": "edward", "fred": "frederick", "greg": "gregory",
    "harry": "henry", "jack": "john", "johnny": "john", "larry": "lawrence", "rick": "richard",
    "dick": "richard", "rich": "richard", "tim": "timothy", "vicky": "victoria", "abby": "abigail",
}
NAME_RATIO = 0.87


@dataclass(frozen=True)
class Group:
    members: tuple[Contact, ...]
    reasons: tuple[str, ...]

    @property
    def primary(self) -> Contact:
        """The card to keep: the one with most to say, then the fullest name."""
        return max(self.members, key=lambda c: (len(c.emails) + len(c.phones), len(c.name),
                                                c.href))

    @property
    def best_name(self) -> str:
        return max((c.name for c in self.members), key=_name_quality)


def _name_quality(name: str) -> tuple[int, int, int, str]:
    # More words, then accents kept ("Zoë" over "Zoe"), then proper case, then length.
    has_accent = int(any(unicodedata.decomposition(ch) for ch in name))
    proper = int(name[:1].isupper() and not name.isupper())
    return (len(name.split()), has_accent + proper, len(name), name)


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.casefold()


def name_tokens(name: str, nicknames: bool = True) -> list[str]:
    if "," in name:  # "Smith, John" -> "John Smith"
        last, _, first = name.partition(",")
        name = f"{first} {last}"
    words = re.findall(r"[a-z0-9]+", fold(name))
    return [NICKNAMES.get(w, w) for w in words] if nicknames else words


def phone_key(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    return digits[-9:] if len(digits) >= 7 else ""


def email_key(email: str) -> str:
    return email.strip().casefold()


def _names_match(a: Contact, b: Contact) -> str | None:
    # Nicknames both ways: "Jon" may be Jonathan or a John spelled short.
    for nick in (True, False):
        why = _tokens_match(name_tokens(a.name, nick), name_tokens(b.name, nick), a, b)
        if why:
            return why
    return None


def _tokens_match(ta: list[str], tb: list[str], a: Contact, b: Contact) -> str | None:
    if not ta or not tb:
        return None
    if sorted(ta) == sorted(tb):
        return f"same name ({a.name} / {b.name})"
    sa, sb = " ".join(sorted(ta)), " ".join(sorted(tb))
    if len(ta) > 1 and len(tb) > 1 and SequenceMatcher(None, sa, sb).ratio() >= NAME_RATIO:
        return f"similar names ({a.name} / {b.name})"
    # "J. Smith" and "John Smith": same surname and a matching initial.
    if len(ta) > 1 and len(tb) > 1 and ta[-1] == tb[-1] and ta[0][0] == tb[0][0] and (
        len(ta[0]) == 1 or len(tb[0]) == 1
    ):
        return f"same surname and initial ({a.name} / {b.name})"
    return None


def pair_reason(a: Contact, b: Contact) -> str | None:
    shared_email = {email_key(e) for e in a.emails} & {email_key(e) for e in b.emails}
    if shared_email:
        return f"same email {sorted(shared_email)[0]}"
    pa = {phone_key(p) for p in a.phones} - {""}
    shared_phone = pa & {phone_key(p) for p in b.phones}
    if shared_phone:
        return f"same phone number ending {sorted(shared_phone)[0][-4:]}"
    return _names_match(a, b)


def _blocking_keys(c: Contact) -> set[str]:
    keys = {"e:" + email_key(e) for e in c.emails}
    keys |= {"p:" + k for k in (phone_key(p) for p in c.phones) if k}
    tokens = name_tokens(c.name)
    if tokens:
        keys.add("s:" + tokens[-1])
        keys.add("f:" + "".join(sorted(tokens))[:4])
        keys |= {"t:" + t for t in tokens if len(t) > 2}
    return keys


def find_duplicates(contacts: list[Contact]) -> list[Group]:
    blocks: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(contacts):
        for key in _blocking_keys(c):
            blocks[key].append(i)
    parent = list(range(len(contacts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    reasons: dict[tuple[int, int], str] = {}
    for members in blocks.values():
        if len(members) > 200:  # a key shared by hundreds (a common surname) says nothing
            continue
        for i, j in combinations(members, 2):
            if (i, j) in reasons:
                continue
            why = pair_reason(contacts[i], contacts[j])
            if why:
                reasons[(i, j)] = why
                parent[root(i)] = root(j)
    grouped: dict[int, list[int]] = defaultdict(list)
    for i in range(len(contacts)):
        grouped[root(i)].append(i)
    why_by_root: dict[int, set[str]] = defaultdict(set)
    for (i, _), why in reasons.items():
        why_by_root[root(i)].add(why)
    out = []
    for r, idx in grouped.items():
        if len(idx) > 1:
            people = tuple(contacts[i] for i in sorted(idx))
            out.append(Group(people, tuple(sorted(why_by_root[r]))))
    out.sort(key=lambda g: g.best_name.casefold())
    return out
