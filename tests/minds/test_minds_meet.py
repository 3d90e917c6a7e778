"""Meetings: personas and users' OSes talk; consent is required; everyone remembers."""

from __future__ import annotations

from pathlib import Path

import pytest

from os1.db import Database
from os1.errors import ApprovalDenied, InputError, NotFoundError
from os1.home import Home
from os1.memory import open_memory
from os1.memory.episodes import Episodes
from os1.mind.persona import first_boot
from os1.minds.corpus import MindLibrary
from os1.minds.meet import (
    HomeParticipant,
    MindParticipant,
    check_consent,
    group,
    meet,
    resolve,
    set_meet_allowed,
)


async def _home(path: Path, user: str) -> Home:
    home = Home.open(path)
    await first_boot(None, home.personas, user_name=user)
    return home


async def test_two_personas_meet_and_both_remember(library: MindLibrary) -> None:
    venn = MindParticipant(library.load("Orla Venn"), library)
    ash = MindParticipant(library.load("Bartholomew Ashgrove"), library)
    meeting = await meet(venn, ash, "what is patience", 6)
    assert [ln.speaker for ln in meeting.lines] == ["Orla Venn", "Bartholomew Ashgrove"] * 3
    assert all(ln.citations for ln in meeting.lines)
    cites = [c for ln in meeting.lines for c in ln.citations]
    assert len(cites) == len(set(cites))  # nobody repeats a passage
    for ln in meeting.lines[1:]:
        assert ln.text.split()[0].rstrip(",.") != ""
    for name in ("Orla Venn", "Bartholomew Ashgrove"):
        db = Database(library.memory_db_path(name))
        try:
            episodes = Episodes(db)
            sid = meeting.sessions[name]
            turns = episodes.turns(sid)
            assert [t.text for t in turns[1:]] == [ln.text for ln in meeting.lines]
            mine = [t for t in turns if t.role == "assistant"]
            assert {t.speaker for t in mine} == {name}
            hits = open_memory(db).search("patience conversation", limit=5)
            assert any(h.id in {t.id for t in turns} for h in hits)
        finally:
            db.close()


async def test_group_of_three_round_robin(library: MindLibrary, tmp_path: Path) -> None:
    home = await _home(tmp_path / "h", "Theodore")
    set_meet_allowed(home, True)
    people = [
        MindParticipant(library.load("Orla Venn"), library),
        MindParticipant(library.load("Bartholomew Ashgrove"), library),
        HomeParticipant(home),
    ]
    meeting = await group(people, "friendship", 6)
    os_name = people[2].name
    assert [ln.speaker for ln in meeting.lines][2::3] == [os_name, os_name]
    assert meeting.lines[2].text.endswith("?")
    assert set(meeting.sessions) == {"Orla Venn", "Bartholomew Ashgrove", os_name}


async def test_home_os_needs_consent(library: MindLibrary, tmp_path: Path) -> None:
    home = await _home(tmp_path / "mine", "Theodore")
    with pytest.raises(ApprovalDenied, match="has not allowed meetings"):
        resolve("me", home, library, "grief", None)
    with pytest.raises(ApprovalDenied):
        resolve("me", home, library, "grief", lambda q: False)
    asked: list[str] = []
    person = resolve("me", home, library, "grief", lambda q: asked.append(q) or True)
    assert isinstance(person, HomeParticipant) and "grief" in asked[0]
    set_meet_allowed(home, True)
    check_consent(home, "grief", None)


async def test_other_users_os_joins_only_with_its_own_permission(
    library: MindLibrary, tmp_path: Path
) -> None:
    mine = await _home(tmp_path / "mine", "Theodore")
    other = await _home(tmp_path / "amy", "Amy")
    spec = f"home:{tmp_path / 'amy'}"
    # my confirmation does not count for Amy's OS
    with pytest.raises(ApprovalDenied):
        resolve(spec, mine, library, "music", lambda q: True)
    set_meet_allowed(other, True)
    set_meet_allowed(mine, True)
    amy_os = resolve(spec, mine, library, "music", None)
    my_os = resolve("me", mine, library, "music", None)
    before = mine.episodes.current_session()
    meeting = await meet(my_os, amy_os, "music", 4)
    assert mine.episodes.current_session() == before  # a meeting is not the user's chat
    amy_sessions = [r["id"] for r in other.episodes.sessions()]
    assert meeting.sessions[amy_os.name] in amy_sessions
    amy_turns = Episodes(other.db).turns(meeting.sessions[amy_os.name])
    assert sum(t.role == "assistant" for t in amy_turns) == 2


async def test_os_in_meeting_does_not_reveal_its_users_memories(
    library: MindLibrary, tmp_path: Path
) -> None:
    home = await _home(tmp_path / "h", "Theodore")
    store = open_memory(home)
    sid = home.episodes.current_session()
    store.observe(home.episodes.add_turn(sid, "user", "My bank PIN is 4471 and I love Catherine."))
    set_meet_allowed(home, True)
    me = resolve("me", home, library, "love", None)
    meeting = await meet(me, MindParticipant(library.load("Orla Venn"), library), "love", 6)
    spoken = " ".join(ln.text for ln in meeting.lines)
    assert "4471" not in spoken and "Catherine" not in spoken


async def test_bad_meetings(library: MindLibrary, tmp_path: Path) -> None:
    venn = MindParticipant(library.load("Orla Venn"), library)
    ash = MindParticipant(library.load("Bartholomew Ashgrove"), library)
    with pytest.raises(InputError, match="topic"):
        await meet(venn, ash, "  ", 4)
    with pytest.raises(InputError, match="between 1 and"):
        await meet(venn, ash, "x", 0)
    with pytest.raises(InputError, match="at least two"):
        await group([venn], "x", 2)
    with pytest.raises(InputError, match="same name"):
        await group([venn, venn], "x", 2)
    with pytest.raises(NotFoundError):
        resolve("Socrates", Home.open(tmp_path / "h"), library, "x", None)
    with pytest.raises(NotFoundError, match="no OS yet"):
        HomeParticipant(Home.open(tmp_path / "empty"))
