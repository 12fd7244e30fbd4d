"""Shared toxicity scorer: Detoxify when its weights are on disk, an honest fallback otherwise.

Used by the dataset audit (score every row) and by the guardrail toxicity scanner (score
one prompt at a time). Both scorers follow :class:`backend.models.TextScorer`, the one
protocol of every text scorer (the fairness tab's classifiers too). Both get the same object from :func:`load_toxicity_scorer`, which
caches loaded models per process so a model loads once and is shared by every session.

Which backend runs
------------------
1. **Detoxify** (``original``, ``unbiased``, ``multilingual``) when both of these exist locally:

   * the checkpoint: an explicit ``checkpoint`` path, the ``STEWARD_DETOXIFY_CHECKPOINT``
     environment variable, or the official file in ``$TORCH_HOME/hub/checkpoints/``
     (where ``Detoxify()`` itself caches it, e.g. ``toxic_original-c1212f89.ckpt``);
   * the base model's config and tokenizer (``bert-base-uncased``, ``roberta-base`` or
     ``xlm-roberta-base``): an explicit ``base_model_dir``, ``STEWARD_DETOXIFY_BASE_DIR``,
     or the Hugging Face cache.

   We never call the network: files are checked first, so an offline machine falls back
   in milliseconds instead of spending minutes in ``torch.hub`` retries.
2. Otherwise **alt-profanity-check**, a TF-IDF + linear SVM *profanity* model. It is a weak
   stand-in for toxicity (it misses insults without swear words) and every result says so.

Safety: Detoxify's own loader unpickles with ``torch.load(weights_only=False)``. We always load
with ``weights_only=True``, the official files included: a checkpoint that needs the full
unpickler is refused with a message saying how to re-save it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from backend.models import TextScorer

#: Variants Detoxify publishes that we support, with their official release file names.
DETOXIFY_FILES: dict[str, str] = {
    "original": "toxic_original-c1212f89.ckpt",
    "unbiased": "toxic_debiased-c7548aa0.ckpt",
    "multilingual": "multilingual_debiased-0b549669.ckpt",
}
VARIANTS: tuple[str, ...] = tuple(DETOXIFY_FILES)

#: Hugging Face repos to look for in the local cache, per base model named in a checkpoint.
_BASE_MODEL_REPOS: dict[str, tuple[str, ...]] = {
    "bert-base-uncased": ("bert-base-uncased", "google-bert/bert-base-uncased"),
    "roberta-base": ("roberta-base", "FacebookAI/roberta-base"),
    "xlm-roberta-base": ("xlm-roberta-base", "FacebookAI/xlm-roberta-base"),
}

#: Model classes a checkpoint may name (never an arbitrary attribute of ``transformers``).
_ALLOWED_MODEL_CLASSES = frozenset(
    {
        "BertForSequenceClassification",
        "RobertaForSequenceClassification",
        "XLMRobertaForSequenceClassification",
        "AlbertForSequenceClassification",
        "DistilBertForSequenceClassification",
    }
)

#: Detoxify renamed a few Jigsaw classes; the toxicity column is one of these.
_TOXICITY_CLASS_NAMES = ("toxicity", "toxic")

FALLBACK_ID = "profanity-check"
FALLBACK_LABEL = (
    "offline fallback: alt-profanity-check (profanity model, weak stand-in for toxicity)"
)

_DEFAULT_BATCH_SIZE = 32
_MAX_TOKENS = 512


class DetoxifyUnavailable(Exception):
    """Detoxify cannot run here; the message says why, in words a person understands."""


# --------------------------------------------------------------------------------------
# Detoxify backend
# --------------------------------------------------------------------------------------


class DetoxifyScorer:
    """A Detoxify checkpoint loaded into a ``transformers`` sequence classifier.

    Parameters
    ----------
    model, tokenizer
        The loaded classifier (in eval mode) and its tokenizer.
    class_names
        Output columns, standardised like Detoxify (``toxic`` -> ``toxicity``).
    variant
        ``original``, ``unbiased``, ``multilingual`` or ``custom``.
    source
        Where the checkpoint came from, for the UI.
    """

    is_fallback = False
    fallback_reason: str | None = None

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        class_names: list[str],
        *,
        variant: str,
        source: str,
        batch_size: int = _DEFAULT_BATCH_SIZE,
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.class_names = list(class_names)
        self.variant = variant
        self.source = source
        self.batch_size = batch_size
        self.backend_id = f"detoxify-{variant}"
        self.backend_name = f"Detoxify ({variant})"
        self._toxicity_index = _toxicity_column(self.class_names)
        self.max_length = _max_tokens(model, tokenizer)
        # One lock per model: the same instance is shared by every Streamlit session.
        self._lock = threading.Lock()

    def score(self, texts: Sequence[str]) -> np.ndarray:
        """Score texts in length-sorted batches (less padding, same result)."""
        return self.score_all(texts)[:, self._toxicity_index].astype(np.float64)

    def score_all(self, texts: Sequence[str]) -> np.ndarray:
        """Sigmoid output for every class, shape ``(n, len(class_names))``."""
        import torch

        texts = [str(t) if t is not None else "" for t in texts]
        out = np.zeros((len(texts), len(self.class_names)), dtype=np.float32)
        if not texts:
            return out
        order = np.argsort([len(t) for t in texts], kind="stable")
        with self._lock, torch.inference_mode():
            for start in range(0, len(texts), self.batch_size):
                idx = order[start : start + self.batch_size]
                batch = [texts[i] for i in idx]
                enc = self.tokenizer(
                    batch,
                    return_tensors="pt",
                    truncation=True,
                    padding=True,
                    max_length=self.max_length,
                )
                logits = self.model(**enc).logits
                out[idx] = torch.sigmoid(logits).float().numpy()
        return np.clip(out, 0.0, 1.0)

    def __repr__(self) -> str:
        return f"DetoxifyScorer(variant={self.variant!r}, source={self.source!r})"


def _max_tokens(model: Any, tokenizer: Any) -> int:
    """Longest input the model accepts (RoBERTa reserves two positions for padding offsets)."""
    config = getattr(model, "config", None)
    positions = int(getattr(config, "max_position_embeddings", _MAX_TOKENS) or _MAX_TOKENS)
    if getattr(config, "model_type", "") in {"roberta", "xlm-roberta", "camembert"}:
        positions -= 2
    tok_max = int(getattr(tokenizer, "model_max_length", _MAX_TOKENS) or _MAX_TOKENS)
    return max(8, min(_MAX_TOKENS, positions, tok_max))


def _toxicity_column(class_names: list[str]) -> int:
    for name in _TOXICITY_CLASS_NAMES:
        if name in class_names:
            return class_names.index(name)
    raise DetoxifyUnavailable(
        f"the checkpoint has no toxicity output (classes: {', '.join(class_names) or 'none'})"
    )


def torch_hub_checkpoint_dir() -> Path:
    """``$TORCH_HOME/hub/checkpoints`` computed like ``torch.hub.get_dir()``, without importing torch."""
    torch_home = os.environ.get("TORCH_HOME")
    if not torch_home:
        cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        torch_home = os.path.join(cache, "torch")
    return Path(torch_home).expanduser() / "hub" / "checkpoints"


def _read_checkpoint(path: Path) -> dict:
    import pickle

    import torch

    try:
        # Always weights_only: a checkpoint is data, never code, whoever published it.
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, AttributeError, TypeError) as exc:
        raise DetoxifyUnavailable(
            f"{path} cannot be loaded safely (it contains pickled Python objects, not just "
            f"weights: {type(exc).__name__}); Steward only loads checkpoints with "
            "torch.load(weights_only=True). Re-save it as a plain state dict "
            "({'config': ..., 'state_dict': ...})"
        ) from exc
    except (OSError, EOFError, ValueError) as exc:
        raise DetoxifyUnavailable(f"{path} is not a readable checkpoint ({exc})") from exc
    if not isinstance(loaded, dict) or "config" not in loaded or "state_dict" not in loaded:
        raise DetoxifyUnavailable(
            f"{path} is not a Detoxify checkpoint (needs 'config' and 'state_dict')"
        )
    return loaded


def _resolve_base_model_dir(model_type: str, base_model_dir: str | Path | None) -> Path:
    if base_model_dir is not None:
        path = Path(base_model_dir).expanduser()
        if not (path / "config.json").is_file():
            raise DetoxifyUnavailable(f"base model directory {path} has no config.json")
        return path
    try:
        from huggingface_hub import hf_hub_download
        from huggingface_hub.errors import LocalEntryNotFoundError
    except ImportError as exc:  # pragma: no cover - huggingface_hub ships with transformers
        raise DetoxifyUnavailable("huggingface_hub is not installed") from exc
    for repo in _BASE_MODEL_REPOS.get(model_type, (model_type,)):
        try:
            # local_files_only: a cache lookup, never a download or a retry loop. One file,
            # not snapshot_download: `models pull` caches only the config and tokenizer (the
            # checkpoint has the weights), which snapshot_download calls incomplete.
            path = Path(hf_hub_download(repo, "config.json", local_files_only=True)).parent
        except (LocalEntryNotFoundError, OSError, ValueError):
            continue
        if (path / "config.json").is_file():
            return path
    raise DetoxifyUnavailable(
        f"base model '{model_type}' (config and tokenizer) is not in the Hugging Face cache; "
        "pass a local base-model directory"
    )


def _clean_state_dict(state_dict: dict) -> dict:
    """Undo the Lightning ``model.`` prefix and old LayerNorm names; drop buffers."""
    keys = list(state_dict)
    if keys and all(k.startswith("model.") for k in keys):
        state_dict = {k[len("model.") :]: v for k, v in state_dict.items()}
    cleaned = {}
    for key, value in state_dict.items():
        key = key.replace("LayerNorm.gamma", "LayerNorm.weight").replace(
            "LayerNorm.beta", "LayerNorm.bias"
        )
        cleaned[key] = value
    return cleaned


def _build_detoxify(
    ckpt: dict, *, base_model_dir: str | Path | None, variant: str, source: str
) -> DetoxifyScorer:
    import transformers

    try:
        arch = ckpt["config"]["arch"]["args"]
        classes = list(ckpt["config"]["dataset"]["args"]["classes"])
        model_type = str(arch["model_type"])
        model_name = str(arch["model_name"])
        num_classes = int(arch["num_classes"])
    except (KeyError, TypeError, ValueError) as exc:
        raise DetoxifyUnavailable(f"checkpoint config is incomplete ({exc!r})") from exc
    if model_name not in _ALLOWED_MODEL_CLASSES:
        raise DetoxifyUnavailable(f"checkpoint names an unsupported model class '{model_name}'")
    rename = {
        "toxic": "toxicity",
        "identity_hate": "identity_attack",
        "severe_toxic": "severe_toxicity",
    }
    classes = [rename.get(c, c) for c in classes]
    if len(classes) != num_classes:
        raise DetoxifyUnavailable(
            f"checkpoint lists {len(classes)} classes but the model has {num_classes} outputs"
        )
    _toxicity_column(classes)

    base_dir = _resolve_base_model_dir(model_type, base_model_dir)
    config = transformers.AutoConfig.from_pretrained(
        str(base_dir), num_labels=num_classes, local_files_only=True
    )
    model_cls = getattr(transformers, model_name)
    model = model_cls(config)
    state = _clean_state_dict(ckpt["state_dict"])
    result = model.load_state_dict(state, strict=False)
    # position_ids / token_type_ids are buffers that some versions save and others do not.
    missing = [k for k in result.missing_keys if not k.endswith("_ids")]
    unexpected = [k for k in result.unexpected_keys if not k.endswith("_ids")]
    if missing or unexpected:
        raise DetoxifyUnavailable(
            "checkpoint weights do not match the base model "
            f"(missing {missing[:3]}, unexpected {unexpected[:3]})"
        )
    model.eval()
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(base_dir), local_files_only=True)
    return DetoxifyScorer(model, tokenizer, classes, variant=variant, source=source)


def load_detoxify(
    variant: str = "original",
    *,
    checkpoint: str | Path | None = None,
    base_model_dir: str | Path | None = None,
) -> DetoxifyScorer:
    """Load Detoxify from local files only, or raise :class:`DetoxifyUnavailable` saying why."""
    if checkpoint is not None:
        path = Path(checkpoint).expanduser()
        if not path.is_file():
            raise DetoxifyUnavailable(f"checkpoint {path} does not exist")
        ckpt = _read_checkpoint(path)
        label = variant if variant in DETOXIFY_FILES else "custom"
        return _build_detoxify(ckpt, base_model_dir=base_model_dir, variant=label, source=str(path))
    if variant not in DETOXIFY_FILES:
        raise DetoxifyUnavailable(
            f"unknown Detoxify variant '{variant}' (choose one of {', '.join(VARIANTS)})"
        )
    path = torch_hub_checkpoint_dir() / DETOXIFY_FILES[variant]
    if not path.is_file():
        raise DetoxifyUnavailable(f"Detoxify weights not cached (no {path})")
    ckpt = _read_checkpoint(path)
    return _build_detoxify(ckpt, base_model_dir=base_model_dir, variant=variant, source=str(path))


# --------------------------------------------------------------------------------------
# Fallback backend
# --------------------------------------------------------------------------------------


class ProfanityCheckScorer:
    """alt-profanity-check: offline, fast, but a profanity model, not a toxicity model.

    ``profanity_check.predict_prob`` spends ~80 % of its 3-7 ms per short text in
    scikit-learn's input validation around five tiny calibrated linear SVMs. The
    probability is ``mean_k sigmoid(-(a_k * (x . w_k + c_k) + b_k))`` over the calibrated
    classifiers, with ``x`` the TF-IDF row, so :meth:`score` computes that directly from the
    fitted coefficients: the same numbers (checked to 1e-9 against the library on probe
    texts when built), about 8x faster. A model of any other shape keeps the library call
    (:attr:`uses_fast_path` is then false).
    """

    backend_id = FALLBACK_ID
    backend_name = FALLBACK_LABEL
    is_fallback = True

    _PROBES = (
        "The damn printer jammed again.",
        "People like you should not exist.",
        "What a lovely day for a walk.",
        "you are a stupid idiot",
        "",
    )

    def __init__(self, reason: str | None = None, *, batch_size: int = 4096) -> None:
        from profanity_check import predict_prob

        self._predict_prob = predict_prob
        self.fallback_reason = reason
        self.batch_size = batch_size
        self._linear: tuple | None = None
        try:
            self._linear = _calibrated_linear_model()
            probes = list(self._PROBES)
            if not np.allclose(self.score(probes), self.library_score(probes), rtol=0, atol=1e-9):
                self._linear = None
        except Exception:  # noqa: BLE001 - a different model shape: keep the library call
            self._linear = None

    @property
    def uses_fast_path(self) -> bool:
        return self._linear is not None

    def _batches(self, texts: Sequence[str], fn) -> np.ndarray:
        texts = [str(t) if t is not None else "" for t in texts]
        if not texts:
            return np.zeros(0, dtype=np.float64)
        parts = [
            np.asarray(fn(texts[i : i + self.batch_size]), dtype=np.float64)
            for i in range(0, len(texts), self.batch_size)
        ]
        return np.clip(np.concatenate(parts), 0.0, 1.0)

    def library_score(self, texts: Sequence[str]) -> np.ndarray:
        """The library's own ``predict_prob`` (the reference for the fast path)."""
        return self._batches(texts, self._predict_prob)

    def score(self, texts: Sequence[str]) -> np.ndarray:
        if self._linear is None:
            return self.library_score(texts)
        vectorizer, weights, intercepts, slopes, offsets = self._linear

        def fast(batch: list[str]) -> np.ndarray:
            decision = np.asarray(vectorizer.transform(batch) @ weights) + intercepts
            return (1.0 / (1.0 + np.exp(slopes * decision + offsets))).mean(axis=1)

        return self._batches(texts, fast)

    def __repr__(self) -> str:
        return f"ProfanityCheckScorer(reason={self.fallback_reason!r})"


def _calibrated_linear_model() -> tuple:
    """(vectorizer, weights (vocabulary, k), intercepts, slopes, offsets) of the library's
    calibrated linear SVMs; raises ``ValueError`` for any other model shape."""
    from profanity_check import profanity_check as pc

    model = pc.model
    if getattr(model, "method", None) != "sigmoid" or list(model.classes_) != [0, 1]:
        raise ValueError("unexpected profanity model")
    coefs, intercepts, slopes, offsets = [], [], [], []
    for calibrated in model.calibrated_classifiers_:
        (calibrator,) = calibrated.calibrators
        coefs.append(np.asarray(calibrated.estimator.coef_, dtype=np.float64).ravel())
        intercepts.append(float(np.ravel(calibrated.estimator.intercept_)[0]))
        slopes.append(float(calibrator.a_))
        offsets.append(float(calibrator.b_))
    return (
        pc.vectorizer,
        np.stack(coefs, axis=1),
        np.asarray(intercepts),
        np.asarray(slopes),
        np.asarray(offsets),
    )


# --------------------------------------------------------------------------------------
# Public loader with a per-process cache
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CacheKey:
    variant: str
    checkpoint: str | None
    base_model_dir: str | None
    allow_fallback: bool


_CACHE: dict[_CacheKey, TextScorer] = {}
_CACHE_LOCK = threading.Lock()
_LAST_FALLBACK_REASON: dict[str, str | None] = {}


def load_toxicity_scorer(
    variant: str = "original",
    *,
    checkpoint: str | Path | None = None,
    base_model_dir: str | Path | None = None,
    allow_fallback: bool = True,
) -> TextScorer:
    """The best available toxicity scorer, loaded once per process.

    Parameters
    ----------
    variant
        Detoxify variant: ``original``, ``unbiased`` or ``multilingual``.
    checkpoint
        Path to a Detoxify-format checkpoint (``{"config": ..., "state_dict": ...}``).
        Defaults to ``$STEWARD_DETOXIFY_CHECKPOINT`` if set, else the torch hub cache.
    base_model_dir
        Local directory with the base model's ``config.json`` and tokenizer files.
        Defaults to ``$STEWARD_DETOXIFY_BASE_DIR`` if set, else the Hugging Face cache.
    allow_fallback
        When Detoxify cannot load, return the alt-profanity-check scorer (with
        ``fallback_reason`` set) instead of raising.

    Raises
    ------
    backend.errors.ConfigError
        If Detoxify cannot load and ``allow_fallback`` is false.
    """
    checkpoint = checkpoint or os.environ.get("STEWARD_DETOXIFY_CHECKPOINT") or None
    base_model_dir = base_model_dir or os.environ.get("STEWARD_DETOXIFY_BASE_DIR") or None
    key = _CacheKey(
        variant=variant,
        checkpoint=str(Path(checkpoint).expanduser().resolve()) if checkpoint else None,
        base_model_dir=str(Path(base_model_dir).expanduser().resolve()) if base_model_dir else None,
        allow_fallback=allow_fallback,
    )
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is not None:
            return cached
        try:
            scorer: TextScorer = load_detoxify(
                variant, checkpoint=key.checkpoint, base_model_dir=key.base_model_dir
            )
            reason = None
        except DetoxifyUnavailable as exc:
            reason = str(exc)
            if not allow_fallback:
                from backend.errors import ConfigError

                raise ConfigError(f"Detoxify ({variant}) is not available: {reason}") from exc
            scorer = ProfanityCheckScorer(reason=f"Detoxify not used: {reason}")
        _LAST_FALLBACK_REASON[variant] = scorer.fallback_reason
        _CACHE[key] = scorer
        return scorer


def fallback_reason(variant: str = "original") -> str | None:
    """Why the last :func:`load_toxicity_scorer` call for ``variant`` fell back, or ``None``."""
    return _LAST_FALLBACK_REASON.get(variant)


def clear_cache() -> None:
    """Forget loaded scorers (tests; after the user drops new weights into the cache)."""
    with _CACHE_LOCK:
        _CACHE.clear()
        _LAST_FALLBACK_REASON.clear()


__all__ = [
    "DETOXIFY_FILES",
    "FALLBACK_ID",
    "FALLBACK_LABEL",
    "VARIANTS",
    "DetoxifyScorer",
    "DetoxifyUnavailable",
    "ProfanityCheckScorer",
    "clear_cache",
    "fallback_reason",
    "load_detoxify",
    "load_toxicity_scorer",
    "torch_hub_checkpoint_dir",
]
