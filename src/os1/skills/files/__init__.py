"""Files: ``os1 files tidy DIR``. scan.py (safe walk), dups.py (exact and near duplicates),
plan.py (where each file goes; pure), render.py (before/after trees), apply.py (moves and
their undo), tools.py (the Tools). Importing the package registers the undo reverter for
"files.tidy" with os1.skills.journal.
May import os1.db, os1.errors, os1.skills.base, os1.skills.journal; numpy.
"""

from __future__ import annotations

from os1.skills.files.apply import TIDY_KIND
from os1.skills.files.tools import TOOLS, revert_tidy
from os1.skills.journal import register_reverter

register_reverter(TIDY_KIND, revert_tidy)

__all__ = ["TOOLS"]
