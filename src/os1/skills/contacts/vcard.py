"""vCards in and out: parse what the server holds into :class:`Contact`, build new cards, and
merge several cards into one without dropping any address, number or note.

Pure functions over text (vobject does the format). A corrupt card is an InputError naming it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import vobject

from os1.errors import InputError

# Fields copied from the other cards into the merged one when the first card lacks them.
_SINGLE = ("org", "title", "bday", "adr", "url", "nickname")


@dataclass(frozen=True)
class Contact:
    uid: str
    name: str
    emails: tuple[str, ...]
    phones: tuple[str, ...]
    org: str
    href: str = ""
    etag: str = ""
    raw: str = ""

    def line(self) -> str:
        bits = [self.name, *self.emails[:2], *self.phones[:2]]
        if self.org:
            bits.append(self.org)
        return " · ".join(bits)


def _values(card: Any, key: str) -> list[str]:
    return [str(item.value).strip() for item in card.contents.get(key, []) if item.value]


def read_cards(text: str, source: str = "the contact data") -> list[Any]:
    try:
        cards = list(vobject.readComponents(text))
    except (vobject.base.ParseError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{source} is not a valid vCard file ({exc}).") from exc
    cards = [c for c in cards if c.name == "VCARD"]
    if not cards:
        raise InputError(f"{source} holds no contact card.")
    return cards


def _name_of(card: Any) -> str:
    fn = _values(card, "fn")
    if fn:
        return fn[0]
    n = card.contents.get("n")
    if n:
        v = n[0].value
        return " ".join(p for p in (v.given, v.additional, v.family) if p).strip()
    return ""


def to_contact(card: Any, href: str = "", etag: str = "") -> Contact:
    org = card.contents.get("org")
    org_text = " ".join(org[0].value) if org and isinstance(org[0].value, list) else (
        str(org[0].value) if org else "")
    return Contact(
        uid=_values(card, "uid")[0] if _values(card, "uid") else "",
        name=_name_of(card) or "(no name)",
        emails=tuple(_values(card, "email")),
        phones=tuple(_values(card, "tel")),
        org=org_text,
        href=href,
        etag=etag,
        raw=card.serialize(),
    )


def parse_contact(text: str, href: str = "", etag: str = "") -> Contact:
    """One card; ``raw`` keeps the exact text (so undo can put back the very same bytes)."""
    contact = to_contact(read_cards(text, href.rsplit("/", 1)[-1] or "a card")[0], href, etag)
    return Contact(contact.uid, contact.name, contact.emails, contact.phones, contact.org,
                   href, etag, text)


def new_card(name: str, emails: Iterable[str] = (), phones: Iterable[str] = (), org: str = "",
             uid: str | None = None) -> tuple[str, str]:
    """(uid, vCard 3.0 text) for a new contact."""
    name = " ".join(name.split())
    if not name:
        raise InputError("A contact needs a name.")
    card = vobject.vCard()
    card.add("uid").value = uid or f"{uuid.uuid4()}@os1"
    card.add("fn").value = name
    parts = name.split(" ")
    card.add("n").value = vobject.vcard.Name(family=parts[-1] if len(parts) > 1 else "",
                                             given=" ".join(parts[:-1]) or parts[0])
    for e in emails:
        card.add("email").value = e.strip()
    for p in phones:
        card.add("tel").value = p.strip()
    if org:
        card.add("org").value = [org]
    return str(card.contents["uid"][0].value), str(card.serialize())


def merge_cards(primary_text: str, others: list[str], name: str) -> str:
    """The primary card plus every email, phone and missing field of the others."""
    card = read_cards(primary_text)[0]
    have_email = {e.lower() for e in _values(card, "email")}
    have_tel = {_digits(t) for t in _values(card, "tel")}
    notes = _values(card, "note")
    for text in others:
        other = read_cards(text)[0]
        for item in other.contents.get("email", []):
            if str(item.value).strip().lower() not in have_email:
                card.add(item.duplicate(item))
                have_email.add(str(item.value).strip().lower())
        for item in other.contents.get("tel", []):
            if _digits(str(item.value)) not in have_tel:
                card.add(item.duplicate(item))
                have_tel.add(_digits(str(item.value)))
        for key in _SINGLE:
            if key not in card.contents and key in other.contents:
                for item in other.contents[key]:
                    card.add(item.duplicate(item))
        notes += [n for n in _values(other, "note") if n not in notes]
    card.contents.pop("note", None)
    if notes:
        card.add("note").value = "\n".join(notes)
    card.fn.value = name
    return str(card.serialize())


def _digits(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit())[-9:]
