"""Contacts over CardDAV: search, add, import, and duplicate clean-up with undoable merges.

vcard.py (parse/build/merge cards), dedupe.py (who is the same person, pure), service.py (one
address book over os1.skills.calendar.dav), tools.py (the Tools). Importing the package
registers the undo reverter for "contacts.merge" with os1.skills.journal.
May import os1.db, os1.errors, os1.skills.base, os1.skills.calendar, os1.skills.journal.
"""

from __future__ import annotations

from os1.skills.contacts.tools import MERGE_KIND, TOOLS, revert_merge
from os1.skills.journal import register_reverter

register_reverter(MERGE_KIND, revert_merge)

__all__ = ["TOOLS"]
