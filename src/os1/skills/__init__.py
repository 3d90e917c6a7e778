"""Skills: tools os1 can use (mail, calendar, contacts, files, writing, ...).

base.py defines Tool and SkillContext. A tool with side effects only ever runs through
os1.initiative.approvals.Actions. Skills may import os1.db, os1.config, os1.errors and
os1.brain.base, never the engine or the CLI.
"""
