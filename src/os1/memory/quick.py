"""Search queries embedded through llama.cpp with 8-bit weights: the same MiniLM, ~2.5x faster.

A search waits for its query's vector; on this machine the numpy forward pass took ~12 ms of
a ~20 ms budget. llama.cpp (already os1's chat runtime) runs the same network with Q8_0
weights on the CPU's integer dot-product units in ~5 ms. The GGUF file it needs is written
once, from the packaged safetensors, into the os1 cache folder (``OS1_CACHE_DIR``, else the
platform's user cache dir); nothing is downloaded.

Only queries go this way: stored vectors stay the exact numpy ones. A quick query vector has a
cosine of ~0.9996 with the exact one for a sentence (0.998 at worst, for one-word or degenerate
texts; tests/memory/test_quick.py bounds it); bench/memory.py reports recall both ways. Token ids come from the same Hugging Face tokenizer as the exact
path, so both see identical input. Any failure (no llama.cpp, an unwritable cache, a load
error) falls back to the exact path; it is never an error. OS1_EXACT_QUERIES=1 turns it off.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import os
import struct
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from os1.cache import cache_dir, write_once

log = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]
FORMAT = 1  # bump when the file written below changes
_LAYERS = 6
_ALIGN = 32
# GGUF value and tensor type codes (ggml's gguf.h / ggml.h)
_U32, _F32, _BOOL, _STR, _ARR, _I32 = 4, 6, 7, 8, 9, 5
_T_F32, _T_F16, _T_Q8_0 = 0, 1, 8
_SPECIAL = frozenset(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])


# writing the GGUF file ---------------------------------------------------------------------
def _str(text: str) -> bytes:
    raw = text.encode("utf-8")
    return struct.pack("<Q", len(raw)) + raw


def _kv(key: str, kind: int, value: Any) -> bytes:
    out = _str(key) + struct.pack("<I", kind)
    if kind == _U32:
        return out + struct.pack("<I", value)
    if kind == _F32:
        return out + struct.pack("<f", value)
    if kind == _BOOL:
        return out + struct.pack("<?", value)
    if kind == _STR:
        return out + _str(value)
    elem, items = value  # an array
    out += struct.pack("<IQ", elem, len(items))
    if elem == _STR:
        return out + b"".join(_str(i) for i in items)
    return out + np.asarray(items, dtype="<i4").tobytes()


def q8_0(weights: npt.NDArray[Any]) -> bytes:
    """ggml's Q8_0: blocks of 32 values as one float16 scale and 32 signed bytes."""
    rows = np.asarray(weights, dtype=np.float32).reshape(-1, 32)
    scale = np.abs(rows).max(axis=1) / 127.0
    inv = np.divide(1.0, scale, out=np.zeros_like(scale), where=scale > 0)
    scaled = rows * inv[:, None]
    quant = np.trunc(scaled + np.copysign(0.5, scaled)).astype(np.int8)  # round half away
    blocks = np.zeros(len(rows), dtype=[("d", "<f2"), ("q", "i1", 32)])
    blocks["d"] = scale.astype(np.float16)
    blocks["q"] = quant
    return blocks.tobytes()


def _vocab(model: Path) -> list[str]:
    """WordPiece tokens the way llama.cpp spells them: '##x' -> 'x', a word start -> '▁x'."""
    vocab: dict[str, int] = json.loads((model / "tokenizer.json").read_text())["model"]["vocab"]
    tokens = [""] * len(vocab)
    for tok, i in vocab.items():
        tokens[i] = tok
    return [t if t in _SPECIAL else t[2:] if t.startswith("##") else "\u2581" + t for t in tokens]


def gguf_bytes(model: Path) -> bytes:
    """all-MiniLM-L6-v2 (BERT) as a GGUF file: matrices Q8_0, the rest float32/16."""
    from safetensors.numpy import load_file

    t: dict[str, Any] = load_file(str(model / "model.safetensors"))
    tensors: list[tuple[str, tuple[int, ...], int, bytes]] = []

    def add(name: str, arr: npt.NDArray[Any], kind: int = _T_F32) -> None:
        dims = tuple(int(d) for d in arr.shape[::-1])  # ggml lists the innermost dimension first
        if kind == _T_Q8_0:
            data = q8_0(arr)
        elif kind == _T_F16:
            data = np.ascontiguousarray(arr, dtype=np.float16).tobytes()
        else:
            data = np.ascontiguousarray(arr, dtype=np.float32).tobytes()
        tensors.append((name, dims, kind, data))

    e = "embeddings."
    add("token_embd.weight", t[e + "word_embeddings.weight"], _T_F16)
    add("position_embd.weight", t[e + "position_embeddings.weight"])
    add("token_types.weight", t[e + "token_type_embeddings.weight"])
    add("token_embd_norm.weight", t[e + "LayerNorm.weight"])
    add("token_embd_norm.bias", t[e + "LayerNorm.bias"])
    pairs = (
        ("attention.self.query", "attn_q"), ("attention.self.key", "attn_k"),
        ("attention.self.value", "attn_v"), ("attention.output.dense", "attn_output"),
        ("intermediate.dense", "ffn_up"), ("output.dense", "ffn_down"),
    )  # fmt: skip
    norms = (("attention.output.LayerNorm", "attn_output_norm"), ("output.LayerNorm", "layer_output_norm"))
    for i in range(_LAYERS):
        src, dst = f"encoder.layer.{i}.", f"blk.{i}."
        for hf, gg in pairs:
            add(dst + gg + ".weight", t[src + hf + ".weight"], _T_Q8_0)
            add(dst + gg + ".bias", t[src + hf + ".bias"])
        for hf, gg in norms:
            add(dst + gg + ".weight", t[src + hf + ".weight"])
            add(dst + gg + ".bias", t[src + hf + ".bias"])
    tokens = _vocab(model)
    kvs = [
        _kv("general.architecture", _STR, "bert"),
        _kv("general.name", _STR, "all-MiniLM-L6-v2 (os1, Q8_0)"),
        _kv("bert.context_length", _U32, 512),
        _kv("bert.embedding_length", _U32, 384),
        _kv("bert.feed_forward_length", _U32, 1536),
        _kv("bert.block_count", _U32, _LAYERS),
        _kv("bert.attention.head_count", _U32, 12),
        _kv("bert.attention.layer_norm_epsilon", _F32, 1e-12),
        _kv("bert.attention.causal", _BOOL, False),
        _kv("bert.pooling_type", _U32, 1),  # mean, as sentence-transformers
        _kv("tokenizer.ggml.model", _STR, "bert"),
        _kv("tokenizer.ggml.pre", _STR, "default"),
        _kv("tokenizer.ggml.tokens", _ARR, (_STR, tokens)),
        _kv("tokenizer.ggml.token_type", _ARR, (_I32, [3 if x in _SPECIAL else 1 for x in tokens])),
        _kv("tokenizer.ggml.token_type_count", _U32, 2),
        _kv("tokenizer.ggml.bos_token_id", _U32, 101),
        _kv("tokenizer.ggml.eos_token_id", _U32, 102),
        _kv("tokenizer.ggml.cls_token_id", _U32, 101),
        _kv("tokenizer.ggml.seperator_token_id", _U32, 102),  # (sic: llama.cpp's key)
        _kv("tokenizer.ggml.padding_token_id", _U32, 0),
        _kv("tokenizer.ggml.unknown_token_id", _U32, 100),
        _kv("tokenizer.ggml.mask_token_id", _U32, 103),
        _kv("tokenizer.ggml.add_bos_token", _BOOL, True),
        _kv("tokenizer.ggml.add_eos_token", _BOOL, True),
    ]
    out = bytearray(b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs)))
    out += b"".join(kvs)
    offset = 0
    for name, dims, kind, data in tensors:
        out += _str(name) + struct.pack("<I", len(dims))
        out += b"".join(struct.pack("<Q", d) for d in dims) + struct.pack("<IQ", kind, offset)
        offset += -(-len(data) // _ALIGN) * _ALIGN
    out += b"\0" * (-len(out) % _ALIGN)
    for _, _, _, data in tensors:
        out += data + b"\0" * (-len(data) % _ALIGN)
    return bytes(out)


def gguf_file(model: Path) -> Path:
    """The GGUF for ``model``, written on first use (atomically: other processes may race)."""
    st = (model / "model.safetensors").stat()
    key = hashlib.sha256(f"{FORMAT}|{model}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()
    path = cache_dir() / "models" / f"all-minilm-l6-v2-q8_0-{key[:12]}.gguf"
    return write_once(path, lambda tmp: tmp.write_bytes(gguf_bytes(model)))


# running it ------------------------------------------------------------------------------
class QuickEncoder:
    """One llama.cpp context over the Q8_0 MiniLM; one query at a time (a lock guards it)."""

    def __init__(self, gguf: Path, max_tokens: int) -> None:
        import llama_cpp

        self._llama_cpp = llama_cpp
        self._llm = llama_cpp.Llama(
            model_path=str(gguf), embedding=True, n_ctx=max_tokens, n_batch=max_tokens,
            n_ubatch=max_tokens, n_threads=1, n_threads_batch=1,
            pooling_type=llama_cpp.LLAMA_POOLING_TYPE_MEAN, verbose=False,
        )  # fmt: skip
        if self._llm.n_embd() != 384:
            raise RuntimeError(f"unexpected embedding size {self._llm.n_embd()}")
        self.max_tokens = max_tokens
        self._batch = llama_cpp.llama_batch_init(max_tokens, 0, 1)
        self._lock = threading.Lock()
        self._closed = False
        # free llama.cpp's objects before interpreter shutdown tears its module down
        atexit.register(self.close)

    def encode(self, ids: Sequence[int]) -> Vectors:
        """The unit vector for one sequence of token ids (with [CLS] and [SEP])."""
        lc = self._llama_cpp
        n = len(ids)
        if not 0 < n <= self.max_tokens:
            raise ValueError(f"{n} tokens; 1 to {self.max_tokens} fit")
        with self._lock:
            if self._closed:
                raise RuntimeError("the quick encoder is closed")
            b = self._batch
            for j, tok in enumerate(ids):
                b.token[j] = tok
                b.pos[j] = j
                b.n_seq_id[j] = 1
                b.seq_id[j][0] = 0
                b.logits[j] = 1
            b.n_tokens = n
            ctx = self._llm.ctx
            memory = lc.llama_get_memory(ctx)
            if memory:
                lc.llama_memory_clear(memory, True)
            if lc.llama_decode(ctx, b) != 0:
                raise RuntimeError("llama_decode failed")
            ptr = lc.llama_get_embeddings_seq(ctx, 0)
            if not ptr:
                raise RuntimeError("no pooled embedding")
            vec = np.ctypeslib.as_array(ptr, shape=(384,)).astype(np.float32)
        norm = float(np.linalg.norm(vec))
        out: Vectors = vec / max(norm, 1e-12)
        return out

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._llama_cpp.llama_batch_free(self._batch)
                self._llm.close()


_quick: QuickEncoder | None = None
_quick_failed = False
_quick_lock = threading.Lock()


def quick_encoder(model: Path, max_tokens: int) -> QuickEncoder | None:
    """The process-wide quick encoder, or None when it cannot run here (said once, in the log)."""
    global _quick, _quick_failed
    with _quick_lock:
        if _quick is None and not _quick_failed and not os.environ.get("OS1_EXACT_QUERIES"):
            try:
                _quick = QuickEncoder(gguf_file(model), max_tokens)
            except Exception as exc:  # ImportError, OSError, llama.cpp load errors: all optional
                _quick_failed = True
                log.info("quick query embedding unavailable (%s); using the exact path", exc)
        return _quick
