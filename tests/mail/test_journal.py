"""The generic undo journal: kinds, pluggable reverters, at-most-once undo."""

from __future__ import annotations

from typing import Any

import pytest

from os1.errors import NotFoundError
from os1.skills.base import SkillContext
from os1.skills.journal import UndoJournal, register_reverter


async def test_undo_runs_the_registered_reverter_once(home: Any) -> None:
    undone: list[dict[str, Any]] = []

    async def revert(payload: dict[str, Any], ctx: SkillContext) -> str:
        undone.append(payload)
        return f"put back {payload['n']}"

    register_reverter("testkind.thing", revert)
    j = UndoJournal(home.db)
    j.record("testkind.thing", {"n": 1}, "first")
    second = j.record("testkind.thing", {"n": 2}, "second")
    assert next(r["id"] for r in j.entries()) == second
    assert await j.undo(home.skill_context) == "put back 2"
    assert await j.undo(home.skill_context) == "put back 1"
    with pytest.raises(NotFoundError, match="nothing to undo"):
        await j.undo(home.skill_context)
    with pytest.raises(NotFoundError, match="already undone"):
        await j.undo(home.skill_context, second)
    assert undone == [{"n": 2}, {"n": 1}]


async def test_failed_revert_stays_undoable_and_unknown_kind_is_clear(home: Any) -> None:
    calls = 0

    async def flaky(payload: dict[str, Any], ctx: SkillContext) -> str:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("server away")
        return "ok"

    register_reverter("testkind.flaky", flaky)
    j = UndoJournal(home.db)
    j.record("testkind.flaky", {}, "x")
    with pytest.raises(RuntimeError):
        await j.undo(home.skill_context)
    assert await j.undo(home.skill_context) == "ok"
    j.record("nosuchskill.op", {}, "y")
    with pytest.raises(NotFoundError, match="does not know how to undo"):
        await j.undo(home.skill_context)
