"""The server's lean OpenAI-compatible client, against a real llama.cpp server."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import pytest

from os1.brain.base import Message, Sampling, complete
from os1.config import BrainConfig
from os1.errors import BackendError
from os1.server.fastmodel import PooledOpenAIModel
from os1.server.testkit import free_port

pytestmark = pytest.mark.model
ASK = [Message("user", "Say hello in five words.")]


def model_for(url: str, **kw: float) -> PooledOpenAIModel:
    return PooledOpenAIModel(BrainConfig(backend="openai", base_url=url, model="smol", **kw))


async def test_streams_text_and_reuses_its_connection(openai_server: str) -> None:
    model = model_for(openai_server)
    first = await complete(model, ASK, Sampling(max_tokens=12, temperature=0.0, seed=1))
    assert first.strip()
    assert len(model._idle) == 1  # the connection went back to the pool
    kept = model._idle[0]
    second = await complete(model, ASK, Sampling(max_tokens=12, temperature=0.0, seed=1))
    assert second == first and model._idle == [kept]
    await model.aclose()


async def test_a_reply_stopped_halfway_does_not_reach_the_next_turn(openai_server: str) -> None:
    model = model_for(openai_server)
    stream = model.stream(ASK, sampling=Sampling(max_tokens=40))
    async for _ in stream:
        break
    await stream.aclose()
    assert model._idle == []  # closed, not pooled with half a reply still in it
    assert (await complete(model, ASK, Sampling(max_tokens=8))).strip()
    await model.aclose()


async def test_wrong_path_says_what_the_server_answered(openai_server: str) -> None:
    model = model_for(openai_server.removesuffix("/v1") + "/nope")
    with pytest.raises(BackendError, match="answered HTTP 404"):
        await complete(model, ASK)


async def test_nothing_listening() -> None:
    with pytest.raises(BackendError, match="cannot be reached"):
        await complete(model_for(f"http://127.0.0.1:{free_port()}/v1"), ASK)


@pytest.fixture
def silent_peer() -> Iterator[int]:
    """Test double for a hung model server: it accepts connections and never answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


async def test_a_silent_server_times_out(silent_peer: int) -> None:
    model = model_for(f"http://127.0.0.1:{silent_peer}/v1", timeout_s=1.0)
    with pytest.raises(BackendError, match="did not answer within 1 s"):
        await asyncio.wait_for(complete(model, ASK), 10)


@pytest.fixture
def dribbling_peer() -> Iterator[int]:
    """Test double for a model server: a streamed reply of three chunks, 0.1 s apart, then
    (when the prompt says "hang") silence with the connection held open."""
    import threading
    import time

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    port = sock.getsockname()[1]

    def serve() -> None:
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            request = conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n")
            for word in (b"one", b"two", b"three"):
                data = b'data: {"choices":[{"delta":{"content":" %s"}}]}\n\n' % word
                conn.sendall(b"%x\r\n%s\r\n" % (len(data), data))
                time.sleep(0.1)
            if b"hang" not in request:
                end = b"data: [DONE]\n\n"
                conn.sendall(b"%x\r\n%s\r\n0\r\n\r\n" % (len(end), end))
            else:
                time.sleep(3)
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    yield port
    sock.close()


async def test_a_server_falling_silent_mid_reply_times_out(
    dribbling_peer: int,
) -> None:
    model = model_for(f"http://127.0.0.1:{dribbling_peer}/v1", timeout_s=0.5)
    got: list[str] = []
    with pytest.raises(BackendError, match="did not answer within"):
        async for chunk in model.stream([Message("user", "hang")]):
            got.append(chunk.text)
    assert got == [" one", " two", " three"]  # what came before the silence came through
    await model.aclose()


async def test_time_spent_by_the_reader_between_chunks_is_not_the_servers(
    dribbling_peer: int,
) -> None:
    model = model_for(f"http://127.0.0.1:{dribbling_peer}/v1", timeout_s=0.5)
    got: list[str] = []
    async for chunk in model.stream(ASK):
        got.append(chunk.text)
        await asyncio.sleep(0.7)  # longer than the limit, but not a wait for the server
    assert got == [" one", " two", " three"]
    current = asyncio.current_task()
    assert current is not None and current.cancelling() == 0  # no stray cancellation left
    await model.aclose()
