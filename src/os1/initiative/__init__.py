"""Acting on its own, safely: approvals queue, standing rules, audit log, scheduler.

May import os1.db, os1.skills.base, os1.errors, os1.events.
"""
