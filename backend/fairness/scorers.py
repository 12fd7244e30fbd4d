"""Text scorers for probes: our own linear models, and the shared toxicity scorer.

Every scorer follows :class:`backend.models.TextScorer` (``backend_name`` says what
produced the numbers, ``score(texts) -> np.ndarray`` of floats in [0, 1]), the protocol
the toxicity models share too. Four kinds are offered:

* the guardrail toxicity scorer (:func:`backend.detectors.toxicity.load_toxicity_scorer`:
  Detoxify when its weights are local, else an honestly labelled profanity fallback);
* Steward's baseline classifier trained on the synthetic demo data;
* mitigated models saved by the mitigation tab;
* a binary classifier fine-tuned by a Steward run.

Our own models are linear (logistic regression, or a fairlearn ExponentiatedGradient
mixture of them) over TF-IDF or MiniLM features. They are saved as JSON metadata plus an
``.npz`` of plain arrays and loaded with ``allow_pickle=False``: no pickle anywhere.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from backend.errors import StewardError

FEATURE_KINDS = ("tfidf", "minilm")
FEATURE_LABELS = {
    "tfidf": "TF-IDF word 1-2 grams",
    "minilm": "MiniLM sentence embeddings",
}


# -- features ----------------------------------------------------------------------------


@dataclass
class TextFeatures:
    """TF-IDF (vocabulary + idf, stored as arrays) or MiniLM embeddings (nothing stored).

    TF-IDF is applied by hand from the stored vocabulary and idf (``CountVectorizer`` with
    a fixed vocabulary, sublinear tf, idf, L2 norm), which reproduces sklearn's
    ``TfidfVectorizer`` without pickling it.
    """

    kind: str
    vocabulary: list[str] = field(default_factory=list)
    idf: np.ndarray | None = None
    cache_dir: Path | None = None

    NGRAMS = (1, 2)

    @classmethod
    def fit(
        cls, texts: Sequence[str], kind: str = "tfidf", *, cache_dir: Path | None = None
    ) -> TextFeatures:
        if kind not in FEATURE_KINDS:
            raise StewardError(f"Unknown feature kind '{kind}': use {' or '.join(FEATURE_KINDS)}.")
        if kind == "minilm":
            return cls(kind="minilm", cache_dir=cache_dir)
        from sklearn.feature_extraction.text import TfidfVectorizer

        min_df = 2 if len(texts) >= 50 else 1
        vec = TfidfVectorizer(
            ngram_range=cls.NGRAMS, min_df=min_df, max_features=20_000, sublinear_tf=True
        )
        vec.fit([str(t) for t in texts])
        vocab = sorted(vec.vocabulary_, key=vec.vocabulary_.get)
        return cls(kind="tfidf", vocabulary=vocab, idf=np.asarray(vec.idf_, dtype=np.float64))

    def transform(self, texts: Sequence[str], progress=None) -> np.ndarray:
        texts = [str(t) for t in texts]
        if self.kind == "minilm":
            from backend.fairness.embeddings import embed_texts

            return embed_texts(texts, cache_dir=self.cache_dir, progress=progress)
        from sklearn.feature_extraction.text import CountVectorizer
        from sklearn.preprocessing import normalize

        cv = CountVectorizer(
            vocabulary={t: i for i, t in enumerate(self.vocabulary)}, ngram_range=self.NGRAMS
        )
        tf = cv.transform(texts).astype(np.float64)
        tf.data = 1.0 + np.log(tf.data)
        return normalize(tf.multiply(self.idf).tocsr(), norm="l2")

    @property
    def label(self) -> str:
        return FEATURE_LABELS[self.kind]


# -- linear model (one logistic regression, or a mixture of hard classifiers) ------------


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


@dataclass
class LinearTextScorer:
    """A logistic regression, or an ExponentiatedGradient mixture, over text features.

    ``mode = "logistic"``: score = sigmoid(x . coef + b) of the single component.
    ``mode = "mixture"``: score = sum_i weight_i * [x . coef_i + b_i > 0], the probability
    that fairlearn's randomized classifier flags the text (what ``_pmf_predict`` returns).
    """

    name: str
    features: TextFeatures
    coefs: np.ndarray  # (k, d)
    intercepts: np.ndarray  # (k,)
    weights: np.ndarray  # (k,)
    mode: str = "logistic"
    description: str = ""
    meta: dict = field(default_factory=dict)

    # The rest of the TextScorer protocol: a model of Steward's own is never a stand-in.
    is_fallback = False
    fallback_reason = None

    @property
    def backend_id(self) -> str:
        return f"steward-linear:{slugify(self.name)}"

    @property
    def backend_name(self) -> str:
        kind = (
            "logistic regression"
            if self.mode == "logistic"
            else "ExponentiatedGradient mixture of logistic regressions"
        )
        return f"{self.name} ({kind} on {self.features.label}, trained by Steward)"

    def decision(self, x) -> np.ndarray:
        z = x @ self.coefs.T
        z = np.asarray(z.todense() if hasattr(z, "todense") else z)
        return z + self.intercepts

    def score_features(self, x) -> np.ndarray:
        z = self.decision(x)
        if self.mode == "logistic":
            return _sigmoid(z[:, 0])
        return (z > 0).astype(float) @ self.weights

    def score(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros(0)
        return self.score_features(self.features.transform(texts))

    # -- persistence (JSON + npz, never pickle) ----------------------------------------
    def save(self, directory: Path, slug: str) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        arrays = {
            "coefs": np.asarray(self.coefs, dtype=np.float64),
            "intercepts": np.asarray(self.intercepts, dtype=np.float64),
            "weights": np.asarray(self.weights, dtype=np.float64),
        }
        if self.features.kind == "tfidf":
            # One UTF-8 byte array, newline-separated (tokens are \w+ words): a
            # fixed-width string array would give every entry the longest token's width.
            joined = "\n".join(self.features.vocabulary).encode("utf-8")
            arrays["vocabulary_utf8"] = np.frombuffer(joined, dtype=np.uint8)
            arrays["idf"] = self.features.idf
        np.savez_compressed(directory / f"{slug}.npz", **arrays)
        meta = {
            "slug": slug,
            "name": self.name,
            "mode": self.mode,
            "features": self.features.kind,
            "description": self.description,
            "format": "steward-linear-v1",
            **self.meta,
        }
        path = directory / f"{slug}.json"
        path.write_text(json.dumps(meta, indent=2, default=str), encoding="utf-8")
        return path

    @classmethod
    def load(cls, json_path: Path, *, cache_dir: Path | None = None) -> LinearTextScorer:
        meta = json.loads(Path(json_path).read_text(encoding="utf-8"))
        if meta.get("format") != "steward-linear-v1":
            raise StewardError(f"{json_path} is not a model saved by Steward's fairness tab.")
        with np.load(Path(json_path).with_suffix(".npz"), allow_pickle=False) as data:
            features = TextFeatures(kind=meta["features"], cache_dir=cache_dir)
            if features.kind == "tfidf":
                if "vocabulary_utf8" in data:
                    joined = data["vocabulary_utf8"].tobytes().decode("utf-8")
                    features.vocabulary = joined.split("\n") if joined else []
                else:  # saved before the byte encoding
                    features.vocabulary = [str(t) for t in data["vocabulary"]]
                features.idf = data["idf"]
            return cls(
                name=meta["name"],
                features=features,
                coefs=data["coefs"],
                intercepts=data["intercepts"],
                weights=data["weights"],
                mode=meta["mode"],
                description=meta.get("description", ""),
                meta={
                    k: v
                    for k, v in meta.items()
                    if k not in {"name", "mode", "features", "description", "format", "slug"}
                },
            )


def fit_logistic(x, y, *, sample_weight=None, c: float = 4.0, seed: int = 0, solver: str = "lbfgs"):
    """A fitted sklearn ``LogisticRegression`` (L2, ``C = c``)."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, max_iter=2000, random_state=seed, solver=solver)
    model.fit(x, np.asarray(y, dtype=int), sample_weight=sample_weight)
    return model


def scorer_from_logistic(name: str, features: TextFeatures, model, **kw) -> LinearTextScorer:
    return LinearTextScorer(
        name=name,
        features=features,
        coefs=np.asarray(model.coef_, dtype=np.float64).reshape(1, -1),
        intercepts=np.asarray(model.intercept_, dtype=np.float64).reshape(1),
        weights=np.ones(1),
        mode="logistic",
        **kw,
    )


# -- a fine-tuned classifier from a Steward run --------------------------------------------


class FineTunedScorer:
    """A binary sequence classifier saved by a fine-tune run (full model or LoRA adapter).

    Loaded from local files only (``local_files_only=True``, never ``trust_remote_code``);
    the score is the softmax probability of the positive class (index 1: the second of the
    run's sorted label values, as in its predictions file).
    """

    is_fallback = False
    fallback_reason = None

    def __init__(self, checkpoint: str | Path, *, name: str, batch_size: int = 32) -> None:
        self.checkpoint = Path(checkpoint)
        self.name = name
        self.batch_size = batch_size
        self._model = None
        self._tokenizer = None

    @property
    def backend_id(self) -> str:
        return f"fine-tuned:{self.checkpoint}"

    @property
    def backend_name(self) -> str:
        return f"{self.name} (fine-tuned classifier, checkpoint {self.checkpoint})"

    def _load(self):
        if self._model is not None:
            return
        if not self.checkpoint.is_dir():
            raise StewardError(f"The checkpoint folder {self.checkpoint} does not exist.")
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        if (self.checkpoint / "adapter_config.json").is_file():
            from peft import AutoPeftModelForSequenceClassification

            model = AutoPeftModelForSequenceClassification.from_pretrained(
                str(self.checkpoint), local_files_only=True
            )
        else:
            model = AutoModelForSequenceClassification.from_pretrained(
                str(self.checkpoint), local_files_only=True
            )
        if int(model.config.num_labels) != 2:
            raise StewardError(
                f"The model in {self.checkpoint} has {model.config.num_labels} classes; probes "
                f"need a binary classifier."
            )
        model.eval()
        self._tokenizer = AutoTokenizer.from_pretrained(str(self.checkpoint), local_files_only=True)
        self._model = model

    def score(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        self._load()
        out = []
        with torch.inference_mode():
            for start in range(0, len(texts), self.batch_size):
                batch = [str(t) for t in texts[start : start + self.batch_size]]
                enc = self._tokenizer(
                    batch, padding=True, truncation=True, max_length=256, return_tensors="pt"
                )
                logits = self._model(**enc).logits
                out.append(torch.softmax(logits.float(), dim=-1)[:, 1].numpy())
        return np.concatenate(out) if out else np.zeros(0)


def run_checkpoints(store) -> list[tuple[int, str, str]]:
    """Succeeded binary classification runs with a saved checkpoint: (job id, name, path)."""
    out = []
    for job in store.list_jobs(kind="train", statuses=["succeeded"]):
        result = job.result or {}
        ckpt = result.get("checkpoint")
        if not ckpt or not Path(ckpt).is_dir():
            continue
        if result.get("task", "classification") != "classification":
            continue
        if len(result.get("label_values") or []) != 2:
            continue
        out.append((job.id, job.name, str(ckpt)))
    return out


# -- registry of saved models --------------------------------------------------------------


def models_dir(settings) -> Path:
    return Path(settings.home) / "fairness" / "models"


def embeddings_cache_dir(settings) -> Path:
    return Path(settings.home) / "cache" / "embeddings"


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:60] or "model"
