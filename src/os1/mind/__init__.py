"""The inner life: who os1 is (persona), how it feels (affect), how it grows (journal).

persona.py: first boot, the self-chosen name and style. affect.py: mood (valence, arousal, a
mood word) appraised from each turn by a lexicon, decaying to a baseline, with history.
journal.py: a private reflection after each session and a self-model that changes over time.
May import os1.db, os1.errors, os1.events, os1.brain.base, os1.memory.episodes and
os1.initiative.clock (time is injected so tests can travel through days).
"""
