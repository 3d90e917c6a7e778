"""Contacts against a real Radicale address book: search, add, duplicate proposals, merges
that need approval, undo that restores every card byte for byte, corrupt .vcf input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from os1.home import Home
from os1.skills.contacts.dedupe import find_duplicates
from os1.skills.contacts.service import ContactsService
from os1.skills.contacts.tools import merge_args, parse_new_contact
from os1.skills.contacts.vcard import Contact
from os1.skills.journal import UndoJournal


def _c(name: str, emails: tuple[str, ...] = (), phones: tuple[str, ...] = ()) -> Contact:
    return Contact(uid=name, name=name, emails=emails, phones=phones, org="", href=name)


def test_duplicate_rules() -> None:
    people = [
        _c("John Smith", ("john@work.test",)),
        _c("Jon Smith"),
        _c("Smith, John"),
        _c("Zoë Washburne", phones=("+44 7700 900123",)),
        _c("Zoe W.", phones=("07700 900123",)),
        _c("Bob Dylan"),
        _c("Robert Dylan"),
        _c("Amy Pond", ("amy@tardis.test",)),
        _c("A. Williams", ("AMY@tardis.test",)),
        _c("Clara Oswald"),
        _c("Clara Oswin"),  # different person: not merged on a first name alone
        _c("Rory Williams"),
    ]
    groups = find_duplicates(people)
    names = sorted(sorted(c.name for c in g.members) for g in groups)
    assert names == [
        ["A. Williams", "Amy Pond"],
        ["Bob Dylan", "Robert Dylan"],
        ["John Smith", "Jon Smith", "Smith, John"],
        ["Zoe W.", "Zoë Washburne"],
    ]
    zoe = next(g for g in groups if "Zoe W." in [c.name for c in g.members])
    assert zoe.best_name == "Zoë Washburne" and "same phone" in zoe.reasons[0]


def test_parse_new_contact() -> None:
    got = parse_new_contact("add Amy Pond amy@tardis.test +44 7700 900123")
    assert got == {"name": "Amy Pond", "emails": ["amy@tardis.test"],
                   "phones": ["+44 7700 900123"]}


async def _svc(home: Home) -> ContactsService:
    return await ContactsService.open(home.db, home.path)


async def test_add_search_merge_and_undo(dav_home: Home, actions: Any, approve: Any) -> None:
    for text in ("John Smith john@work.test", "Jon Smith +1 555 0100 200",
                 "Rory Williams rory@tardis.test"):
        out = await actions.request("contacts_add", {"text": text}, "test", confirm=approve)
        assert out.status == "done", out.result
    svc = await _svc(dav_home)
    before = {c.href: c.raw for c in (await svc.all())[0]}
    assert [c.name for c in await svc.search("smith")] == ["John Smith", "Jon Smith"]
    assert [c.name for c in await svc.search("555 0100 200")] == ["Jon Smith"]
    groups = find_duplicates((await svc.all())[0])
    assert len(groups) == 1
    args = merge_args(groups[0])
    pending = await actions.request("contacts_merge", args, "test")
    assert pending.status == "pending"
    assert len((await svc.all())[0]) == 3  # nothing merged without approval
    done = await actions.approve(pending.approval_id)
    assert done.status == "done", done.result
    after, _ = await svc.all()
    smith = [c for c in after if "Smith" in c.name]
    assert len(smith) == 1 and smith[0].emails == ("john@work.test",)
    assert smith[0].phones == ("+1 555 0100 200",)
    message = await UndoJournal(dav_home.db).undo(dav_home.skill_context)
    assert "Restored 2" in message
    restored = {c.href: c.raw for c in (await svc.all())[0]}
    await svc.close()
    assert restored == before


async def test_corrupt_vcf_is_refused(dav_home: Home, actions: Any, approve: Any,
                                      tmp_path: Path) -> None:
    bad = tmp_path / "broken.vcf"
    bad.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:Half a card\nTHIS IS NOT VCARD\n")
    out = await actions.request("contacts_import", {"path": str(bad)}, "test", confirm=approve)
    assert out.status == "failed" and "not a valid vCard file" in out.result
    binary = tmp_path / "photo.vcf"
    binary.write_bytes(b"\xff\xd8\xff\xe0 not text")
    out = await actions.request("contacts_import", {"path": str(binary)}, "test", confirm=approve)
    assert out.status == "failed" and "not UTF-8" in out.result
    good = tmp_path / "two.vcf"
    good.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:g1\r\nFN:Amy Pond\r\nN:Pond;Amy;;;\r\n"
                    "END:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:Clara Oswald\r\n"
                    "N:Oswald;Clara;;;\r\nEND:VCARD\r\n")
    out = await actions.request("contacts_import", {"path": str(good)}, "test", confirm=approve)
    assert out.status == "done" and "2 contact" in out.result
    svc = await _svc(dav_home)
    names = [c.name for c in (await svc.all())[0]]
    await svc.close()
    assert names == ["Amy Pond", "Clara Oswald"]


def test_cli_dedupe_and_undo(dav_home: Home) -> None:
    from typer.testing import CliRunner

    from os1.cli.main import app

    runner = CliRunner()
    for text in ("Amy Pond amy@tardis.test", "Amelia Pond amy@tardis.test +44 7700 900123"):
        out = runner.invoke(app, ["contacts", "add", text, "--yes"])
        assert out.exit_code == 0, out.output
    out = runner.invoke(app, ["contacts", "dedupe"])  # no TTY: proposals wait for approval
    assert "same email amy@tardis.test" in out.output and "Waiting for approval" in out.output
    out = runner.invoke(app, ["contacts", "dedupe", "--yes"])
    assert out.exit_code == 0 and "Merged 2 cards into Amelia Pond" in out.output
    out = runner.invoke(app, ["contacts", "list"])
    assert out.output.count("Pond") == 1 and "+44 7700 900123" in out.output
    out = runner.invoke(app, ["contacts", "search", "nobody-like-this"])
    assert "No contact matches" in out.output
    out = runner.invoke(app, ["undo"])
    assert out.exit_code == 0 and "Restored 2 contact card(s)" in out.output
    out = runner.invoke(app, ["contacts", "list"])
    assert out.output.count("Pond") == 2
