"""The OpenAI-compatible API, driven by the official ``openai`` client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest
from serverkit import Browser

from os1.engine import Engine
from os1.memory.episodes import Turn
from os1.mind.persona import Persona
from os1.server.openai_api import API_SESSION_KEY, ClientHistory
from os1.server.testkit import RunningServer
from os1.testing import ScriptedModel, temp_home

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def client(server: RunningServer) -> Iterator[tuple[openai.OpenAI, Browser]]:
    user = Browser(server.url).signup()
    user.boot("Nina")
    token = user.post("/api/tokens", {"label": "openai"}).json()["token"]
    api = openai.OpenAI(base_url=server.url + "/v1", api_key=token, timeout=180)
    yield api, user
    api.close()
    user.close()


def test_models(client: tuple[openai.OpenAI, Browser]) -> None:
    ids = [m.id for m in client[0].models.list()]
    assert ids == ["os1"]


def test_completion_answers_as_the_users_os(client: tuple[openai.OpenAI, Browser]) -> None:
    api, user = client
    persona = user.get("/api/persona").json()["persona"]
    r = api.chat.completions.create(
        model="os1",
        messages=[{"role": "system", "content": "You are a pirate."},
                  {"role": "user", "content": "What's your name?"}],
    )
    text = r.choices[0].message.content or ""
    assert persona["os_name"] in text  # the OS speaks as itself, not as the client's system
    assert r.choices[0].finish_reason == "stop" and r.usage is not None


def test_a_call_sent_again_with_its_idempotency_key_is_answered_once(
    server: RunningServer, client: tuple[openai.OpenAI, Browser]
) -> None:
    api, user = client
    ask = [{"role": "user", "content": "Tell me something about the sea."}]
    key = {"Idempotency-Key": "retry-me-1"}
    first = api.chat.completions.create(model="os1", messages=ask, extra_headers=key)
    again = api.chat.completions.create(model="os1", messages=ask, extra_headers=key)
    streamed = api.chat.completions.create(model="os1", messages=ask, extra_headers=key,
                                           stream=True)
    text = "".join(c.choices[0].delta.content or "" for c in streamed if c.choices)
    assert first.choices[0].message.content == again.choices[0].message.content == text
    other = api.chat.completions.create(model="os1", messages=ask,
                                        extra_headers={"Idempotency-Key": "retry-me-2"})
    assert other.choices[0].message.content  # a new key is a new turn
    account = server.state.users.by_name(user.name)
    assert account is not None
    with server.state.pool.lease(account.id) as uos:
        log = uos.home.episodes
        stored = log.turns(log.get(API_SESSION_KEY) or "")
    asked = [t for t in stored if t.role == "user" and t.text == ask[0]["content"]]
    assert [t.id for t in asked] == ["api-retry-me-1", "api-retry-me-2"]  # stored once each
    replies = [t for t in stored if t.role == "assistant"]
    assert sum(t.text == first.choices[0].message.content for t in replies) >= 1
    assert len(replies) == len([t for t in stored if t.role == "user"])  # one answer each
    with pytest.raises(openai.BadRequestError, match="Idempotency-Key"):
        api.chat.completions.create(model="os1", messages=ask,
                                    extra_headers={"Idempotency-Key": "no spaces allowed"})


def test_streaming_arrives_in_pieces(client: tuple[openai.OpenAI, Browser]) -> None:
    api, user = client
    before = len(user.get("/api/history").json()["turns"])
    stream = api.chat.completions.create(
        model="os1", stream=True,
        messages=[{"role": "user", "content": "Hi! How are you today?"}],
    )
    pieces = [c.choices[0].delta.content for c in stream if c.choices and c.choices[0].delta.content]
    assert len(pieces) >= 1 and "".join(pieces).strip()
    # API turns are kept in their own session, apart from the web conversation
    assert len(user.get("/api/history").json()["turns"]) == before


def test_bad_requests_get_openai_shaped_errors(server: RunningServer,
                                              client: tuple[openai.OpenAI, Browser]) -> None:
    api, _ = client
    with pytest.raises(openai.BadRequestError) as info:
        api.chat.completions.create(model="os1", messages=[{"role": "assistant", "content": "x"}])
    assert "last message" in str(info.value)
    with pytest.raises(openai.BadRequestError):
        api.chat.completions.create(model="os1", messages=[])
    r = httpx.post(server.url + "/v1/chat/completions", content=b"{",
                   headers={"authorization": f"Bearer {api.api_key}"})
    assert r.status_code == 400 and r.json()["error"]["type"] == "invalid_request_error"
    with (openai.OpenAI(base_url=server.url + "/v1", api_key="nope") as stranger,
          pytest.raises(openai.AuthenticationError)):
        stranger.chat.completions.create(model="os1", messages=[{"role": "user", "content": "hi"}])


def test_before_first_boot_the_api_says_so(server: RunningServer, browser: Browser) -> None:
    browser.signup()
    token = browser.post("/api/tokens", {}).json()["token"]
    with (openai.OpenAI(base_url=server.url + "/v1", api_key=token, timeout=60) as api,
          pytest.raises(openai.BadRequestError) as info):
        api.chat.completions.create(model="os1", messages=[{"role": "user", "content": "hi"}])
    assert "first boot" in str(info.value)


async def test_the_clients_history_replaces_the_stored_one(tmp_path: Path) -> None:
    model = ScriptedModel(["Rex, of course."])  # the engine's own test double: what was sent?
    home = temp_home(tmp_path, model)
    sid = home.episodes.new_session(channel="api")
    history = [Turn("c0", sid, 1, "user", "user", "My dog is called Rex.", 0.0),
               Turn("c1", sid, 2, "assistant", "assistant", "What a good name.", 0.0)]
    engine = Engine(model, ClientHistory(home.episodes, history, sid), Persona("Iris", "Nina"))
    [ev async for ev in engine.turn("What's my dog called?")]
    sent = [m.content for m in model.calls[0][0]]
    assert sent[1:] == ["My dog is called Rex.", "What a good name.", "What's my dog called?"]
    stored = [t.text for t in home.episodes.turns(sid)]
    assert stored == ["What's my dog called?", "Rex, of course."]
    home.close()
