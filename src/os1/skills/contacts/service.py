"""The address book as os1 sees it: one CardDAV collection, read and changed through DavClient.

Search is free; add, merge and import are called only by the tools (through approvals).
A merge journals every original card first, so ``os1 undo`` puts back exactly what was there.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from os1.db import Database
from os1.errors import InputError, NotFoundError
from os1.skills.calendar import accounts
from os1.skills.calendar.dav import DavClient, DavError
from os1.skills.contacts.dedupe import fold, phone_key
from os1.skills.contacts.vcard import Contact, merge_cards, new_card, parse_contact, read_cards

VCARD = "text/vcard"


class ContactsService(accounts.DavSession):
    def __init__(self, client: DavClient, collection_url: str) -> None:
        self.client = client
        self.url = collection_url

    @classmethod
    async def open(cls, db: Database, home: Path) -> ContactsService:
        client, url = await accounts.open_collection(db, home, "contacts")
        return cls(client, url)

    async def close(self) -> None:
        await self.__aexit__()

    async def all(self) -> tuple[list[Contact], list[str]]:
        """Every contact, plus the names of cards that could not be read (skipped)."""
        out, bad = [], []
        for obj in await self.client.query_contacts(self.url):
            try:
                out.append(parse_contact(obj.data, obj.href, obj.etag))
            except InputError as exc:
                bad.append(f"{obj.href.rsplit('/', 1)[-1]} ({exc.message})")
        out.sort(key=lambda c: fold(c.name))
        return out, bad

    async def search(self, query: str, limit: int = 20) -> list[Contact]:
        words = re.findall(r"\w+", fold(query))
        digits = phone_key(query)
        contacts, _ = await self.all()
        scored = []
        for c in contacts:
            hay = fold(" ".join((c.name, c.org, *c.emails)))
            score = sum(1 for w in words if w in hay)
            if digits and any(phone_key(p) == digits for p in c.phones):
                score += len(words) + 1
            if score and score >= max(1, len(words) // 2 + len(words) % 2):
                scored.append((-score, fold(c.name), c))
        return [c for *_, c in sorted(scored, key=lambda t: t[:2])][:limit]

    def _href(self, uid: str) -> str:
        slug = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in uid)[:120]
        return self.client.absolute(self.url + slug + ".vcf")

    async def add(self, name: str, emails: list[str], phones: list[str], org: str = "") -> str:
        uid, text = new_card(name, emails, phones, org)
        href = self._href(uid)
        await self.client.put(href, text, VCARD)
        return href

    async def import_vcf(self, text: str, source: str) -> int:
        cards = read_cards(text, source)
        for card in cards:
            if "uid" not in card.contents:
                card.add("uid").value = new_card("x")[0]
            uid = str(card.contents["uid"][0].value)
            await self.client.put(self._href(uid), card.serialize(), VCARD, overwrite=True)
        return len(cards)

    async def fetch(self, hrefs: list[str]) -> list[Contact]:
        out = []
        for href in hrefs:
            try:
                obj = await self.client.get(href)
            except DavError as exc:
                raise NotFoundError(
                    f"A contact in this merge changed or was removed since it was proposed "
                    f"({exc.message}); nothing was merged."
                ) from exc
            out.append(parse_contact(obj.data, href, obj.etag))
        return out

    async def merge(self, cards: list[Contact], primary_href: str, name: str) -> str:
        """Write the merged card over the primary and delete the others (ETag-guarded)."""
        primary = next((c for c in cards if c.href == primary_href), None)
        if primary is None:
            raise InputError("The card to keep is not among the cards to merge.")
        others = [c for c in cards if c.href != primary_href]
        merged = merge_cards(primary.raw, [c.raw for c in others], name)
        await self.client.put(primary.href, merged, VCARD, etag=primary.etag or None,
                              overwrite=not primary.etag)
        for c in others:
            await self.client.delete(c.href, c.etag or None)
        return merged

    async def restore(self, cards: list[dict[str, Any]]) -> int:
        """Put back cards exactly as they were (undo of a merge)."""
        for card in cards:
            await self.client.put(str(card["href"]), str(card["data"]), VCARD, overwrite=True)
        return len(cards)
