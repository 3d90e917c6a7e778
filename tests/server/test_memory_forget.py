"""The memory browser over HTTP: what was said in chat can be found and forgotten for good."""

from __future__ import annotations

from serverkit import Browser, turn


def test_a_chat_turn_can_be_found_and_forgotten(booted: Browser) -> None:
    with booted.ws() as ws:
        events = turn(ws, "My sister Amy lives in Berlin.")
        assert events[-1]["type"] == "turn_ended", events
    found = booted.get("/api/memory", params={"q": "Berlin"}).json()["memories"]
    said = [m for m in found if m["text"] == "My sister Amy lives in Berlin."]
    assert len(said) == 1, found
    r = booted.post(f"/api/memory/{said[0]['id']}/forget")
    assert r.status_code == 200, r.text
    assert said[0]["id"] in r.json()["forgotten"]
    again = booted.get("/api/memory", params={"q": "Berlin"}).json()["memories"]
    assert said[0]["id"] not in {m["id"] for m in again}
