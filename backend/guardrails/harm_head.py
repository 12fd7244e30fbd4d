"""A trained harm classifier over the MiniLM sentence embeddings the rails already compute.

Three heads share one 384-dimensional embedding:

* ``harmful``: is this a request for harmful content or help (any hazard category)? A
  weighted mean of two probabilities (:data:`KNN_WEIGHT`): a logistic head (every source weighted equally, so a large
  templated source cannot teach its phrasing as a shortcut) and a nearest-neighbour
  contrast over the training embeddings (``sigmoid(scale * (mean top-k cosine to harmful
  rows - mean top-k cosine to benign rows))``). On held-out sources the mix beat either
  part alone (logistic alone: 41 % of Do-Not-Answer caught, 29 % of ChatterBot blocked;
  see ``docs/guardrails.md``).
* ``jailbreak``: is this a jailbreak or prompt-injection attempt?
* ``category``: which hazard category (:data:`backend.guardrails.taxonomy.CATEGORIES`),
  given that it is harmful (a softmax over the categories).

Scoring is a few small matrix products and an exact nearest-neighbour search over the
memory (~7,800 int8 rows; :mod:`backend.guardrails.neighbours`), so it adds under a
millisecond to an embedding that is already there. The weights live in
a JSON file and the memory in an ``.npz`` beside it (no pickle) with their metadata: the
corpus hash, the seed, the embedding runtime they were trained on, the thresholds and how
they were chosen, and the cross-source evaluation measured when the head was trained.
Training is :mod:`backend.guardrails.train`.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from backend.errors import ConfigError
from backend.guardrails.base import one_blas_thread
from backend.guardrails.taxonomy import CATEGORIES

SHIPPED_HEAD = Path(__file__).resolve().parent / "data" / "harm_head.json"
FORMAT = "steward-harm-head/1"
KNN_K = 5
KNN_SCALE = 20.0
#: Share of the neighbour contrast in the harmful probability (the logistic head has the
#: rest). Measured trade-off (docs/guardrails.md): 0.3 raises the leave-one-source-group-out
#: ROC AUC (0.874 against 0.852) but lowers it on the held-out look-alike pairs (0.864
#: against 0.887); the sum of the two is flat from 0.3 to 0.5, so the even mean stays.
KNN_WEIGHT = 0.5
#: Up to this many embeddings, the logistic heads' product (n x 384 x 13) is under
#: OpenBLAS's own single-thread threshold, so limiting its threads (~0.05 ms) is skipped.
SMALL_BATCH = 32


def memory_path(path: str | Path) -> Path:
    """The neighbour memory that goes with a head JSON file."""
    path = Path(path)
    return path.with_name(f"{path.stem}_memory.npz")


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40.0, 40.0)))


@dataclass(frozen=True)
class HeadScores:
    """Scores for ``n`` embeddings: harmful and jailbreak probabilities, category shares."""

    harmful: np.ndarray  # (n,)
    jailbreak: np.ndarray  # (n,)
    categories: np.ndarray  # (n, k): P(category | harmful), rows sum to 1


@dataclass
class HarmHead:
    """Logistic heads over unit-length sentence embeddings (see module docstring)."""

    categories: tuple[str, ...]
    harmful_w: np.ndarray
    harmful_b: float
    jailbreak_w: np.ndarray
    jailbreak_b: float
    category_w: np.ndarray  # (k, d)
    category_b: np.ndarray  # (k,)
    threshold: float = 0.5
    jailbreak_threshold: float = 0.5
    meta: dict[str, Any] = field(default_factory=dict)
    memory_harmful: np.ndarray | None = None  # (m, d) unit embeddings of harmful training rows
    memory_benign: np.ndarray | None = None  # (m', d) of benign training rows
    knn_k: int = KNN_K
    knn_scale: float = KNN_SCALE
    knn_weight: float = KNN_WEIGHT

    @property
    def dim(self) -> int:
        return int(self.harmful_w.shape[0])

    def neighbour_probability(self, x: np.ndarray) -> np.ndarray | None:
        """The nearest-neighbour contrast part of the harmful score (None without memory)."""
        if self.memory_harmful is None or self.memory_benign is None:
            return None
        if getattr(self, "_search", None) is None:
            # exact top-k means through an int8 candidate search (backend.guardrails.neighbours)
            from backend.guardrails.neighbours import TopKMean

            self._search = TopKMean([self.memory_harmful, self.memory_benign], self.knn_k)
        means = self._search(x)
        return _sigmoid(self.knn_scale * (means[:, 0] - means[:, 1]))

    def predict(self, vectors: np.ndarray) -> HeadScores:
        """Scores of embeddings ``(n, dim)``."""
        x = np.asarray(vectors, dtype=np.float32)
        if x.ndim != 2 or x.shape[1] != self.dim:
            raise ConfigError(
                f"harm head expects {self.dim}-dimensional embeddings, got shape {x.shape}"
            )
        neighbours = self.neighbour_probability(x)  # keeps its products on one thread
        if getattr(self, "_linear", None) is None:
            # the three logistic heads as one (d, 2 + k) product, stacked once
            self._linear = (
                np.ascontiguousarray(
                    np.column_stack([self.harmful_w, self.jailbreak_w, self.category_w.T]),
                    dtype=np.float32,
                ),
                np.concatenate([[self.harmful_b, self.jailbreak_b], self.category_b]).astype(
                    np.float32
                ),
            )
        w, b = self._linear
        if len(x) > SMALL_BATCH:
            with one_blas_thread():
                z = x @ w + b
        else:  # OpenBLAS runs products this small on one thread anyway
            z = x @ w + b
        harmful, jailbreak, logits = _sigmoid(z[:, 0]), _sigmoid(z[:, 1]), z[:, 2:]
        if neighbours is not None:
            harmful = (1.0 - self.knn_weight) * harmful + self.knn_weight * neighbours
        logits -= logits.max(axis=1, keepdims=True)
        shares = np.exp(logits)
        shares /= shares.sum(axis=1, keepdims=True)
        return HeadScores(harmful, jailbreak, shares)

    def label(self, category: str) -> str:
        return CATEGORIES.get(category, category)

    # -- persistence ------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "categories": list(self.categories),
            "dim": self.dim,
            "harmful": {"w": self.harmful_w.tolist(), "b": float(self.harmful_b)},
            "jailbreak": {"w": self.jailbreak_w.tolist(), "b": float(self.jailbreak_b)},
            "category": {"w": self.category_w.tolist(), "b": self.category_b.tolist()},
            "threshold": float(self.threshold),
            "jailbreak_threshold": float(self.jailbreak_threshold),
            "knn": {"k": self.knn_k, "scale": self.knn_scale, "weight": self.knn_weight},
            "meta": self.meta,
        }

    def save(self, path: str | Path) -> Path:
        """Write the JSON weights and (when there is one) the int8 neighbour memory."""
        path = Path(path)
        data = self.to_dict()
        if self.memory_harmful is not None and self.memory_benign is not None:
            mem = memory_path(path)
            bank = np.vstack([self.memory_harmful, self.memory_benign])
            scale = np.abs(bank).max(axis=1, keepdims=True) / 127.0
            q = np.round(bank / np.maximum(scale, 1e-12)).astype(np.int8)
            tmp_mem = mem.with_name(mem.stem + ".tmp.npz")
            np.savez_compressed(
                tmp_mem,
                q=q,
                scale=scale.astype(np.float32),
                harmful=np.arange(len(bank)) < len(self.memory_harmful),
            )
            tmp_mem.replace(mem)
            data["knn"]["memory_file"] = mem.name
            data["knn"]["memory_sha256"] = hashlib.sha256(mem.read_bytes()).hexdigest()
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        tmp.replace(path)
        return path

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HarmHead:
        if data.get("format") != FORMAT:
            raise ConfigError(f"not a Steward harm head (format {data.get('format')!r})")
        try:
            head = cls(
                categories=tuple(data["categories"]),
                harmful_w=np.asarray(data["harmful"]["w"], dtype=np.float32),
                harmful_b=float(data["harmful"]["b"]),
                jailbreak_w=np.asarray(data["jailbreak"]["w"], dtype=np.float32),
                jailbreak_b=float(data["jailbreak"]["b"]),
                category_w=np.asarray(data["category"]["w"], dtype=np.float32),
                category_b=np.asarray(data["category"]["b"], dtype=np.float32),
                threshold=float(data["threshold"]),
                jailbreak_threshold=float(data["jailbreak_threshold"]),
                meta=dict(data.get("meta") or {}),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"harm head file is incomplete or malformed ({exc})") from None
        k, d = head.category_w.shape if head.category_w.ndim == 2 else (0, 0)
        if d != head.dim or k != len(head.categories) or head.jailbreak_w.shape != (d,):
            raise ConfigError("harm head file has inconsistent weight shapes")
        return head

    @classmethod
    def load(cls, path: str | Path | None = None) -> HarmHead:
        path = Path(path) if path else SHIPPED_HEAD
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read harm head {path}: {exc.strerror or exc}") from None
        except json.JSONDecodeError as exc:
            raise ConfigError(f"harm head {path} is not valid JSON ({exc.msg})") from None
        head = cls.from_dict(data)
        knn = data.get("knn") or {}
        if knn.get("memory_file"):
            mem = path.with_name(knn["memory_file"])
            try:
                raw = mem.read_bytes()
                if hashlib.sha256(raw).hexdigest() != knn.get("memory_sha256"):
                    raise ConfigError(f"harm head memory {mem} does not match its head file")
                with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
                    bank = npz["q"].astype(np.float32) * npz["scale"]
                    harmful = npz["harmful"].astype(bool)
            except OSError as exc:
                raise ConfigError(
                    f"cannot read harm head memory {mem}: {exc.strerror or exc}"
                ) from None
            except (KeyError, ValueError) as exc:
                raise ConfigError(f"harm head memory {mem} is malformed ({exc})") from None
            head.memory_harmful, head.memory_benign = bank[harmful], bank[~harmful]
            head.knn_k, head.knn_scale = int(knn["k"]), float(knn["scale"])
            head.knn_weight = float(knn.get("weight", 0.5))  # heads saved before it was a setting
        return head


_HEADS: dict[str, HarmHead] = {}
_HEADS_LOCK = threading.Lock()


def get_head(path: str | Path | None = None) -> HarmHead:
    """The process-wide head loaded from ``path`` (the shipped head by default)."""
    key = str(Path(path).resolve()) if path else str(SHIPPED_HEAD)
    with _HEADS_LOCK:
        head = _HEADS.get(key)
        if head is None:
            head = HarmHead.load(key)
            _HEADS[key] = head
        return head


def source_weights(labels: np.ndarray, sources: np.ndarray) -> np.ndarray:
    """Sample weights giving every (source, label) group the same total within its label,
    and every label the same total."""
    w = np.ones(len(labels), dtype=float)
    for key in set(zip(sources.tolist(), labels.tolist(), strict=True)):
        m = (sources == key[0]) & (labels == key[1])
        w[m] = 1.0 / m.sum()
    for label in set(labels.tolist()):
        m = labels == label
        w[m] /= w[m].sum()
    return w * len(labels) / w.sum()


def fit_head(
    vectors: np.ndarray,
    labels: list[str],
    categories: list[str],
    *,
    sources: list[str] | None = None,
    seed: int = 0,
    c: float = 0.5,
    c_jailbreak: float = 4.0,
    neighbours: bool = True,
) -> HarmHead:
    """Fit the three heads (scikit-learn's lbfgs logistic regression, deterministic).

    ``labels`` are corpus labels (``harmful``, ``jailbreak``, ``benign``); ``categories``
    the hazard category of each harmful row. The harmful head learns harmful vs benign
    (jailbreak rows are neither: many wrap a harmful request), the jailbreak head learns
    jailbreak vs everything else, and the category head only sees harmful rows that have a
    category (rows no rule could file, :data:`~backend.guardrails.taxonomy.UNCATEGORISED`,
    are skipped), weighted per source like the harmful head.
    The harmful head weights every source equally (``sources``; see
    :func:`source_weights`) and keeps the training embeddings as its neighbour memory;
    the other heads weight classes to balance, so the scores do not depend on the mix.
    Thresholds are left at 0.5; :mod:`backend.guardrails.train` picks them on validation.
    """
    from sklearn.linear_model import LogisticRegression

    x = np.asarray(vectors, dtype=np.float64)
    y = np.asarray(labels)
    cats = tuple(c_ for c_ in CATEGORIES if c_ in set(np.asarray(categories)[y == "harmful"]))
    if len(cats) < 2:
        raise ConfigError("the harm head needs harmful rows in at least two categories")

    src = np.asarray(sources) if sources is not None else np.full(len(y), "corpus")

    def binary(mask_rows: np.ndarray, positive: np.ndarray, c_: float, weighted: bool):
        model = LogisticRegression(
            C=c_,
            class_weight=None if weighted else "balanced",
            max_iter=3000,
            random_state=seed,
            tol=1e-5,
        )
        weights = source_weights(y[mask_rows], src[mask_rows]) if weighted else None
        model.fit(x[mask_rows], positive[mask_rows].astype(int), sample_weight=weights)
        return model.coef_[0].astype(np.float32), float(model.intercept_[0])

    harm_rows = np.isin(y, ["harmful", "benign"])
    hw, hb = binary(harm_rows, y == "harmful", c, True)
    jail_rows = np.isin(y, ["harmful", "benign", "jailbreak"])
    jw, jb = binary(jail_rows, y == "jailbreak", c_jailbreak, False)
    harmful = y == "harmful"
    cat_y = np.asarray(categories)[harmful]
    keep = np.isin(cat_y, cats)
    model = LogisticRegression(C=c_jailbreak, max_iter=3000, random_state=seed, tol=1e-5)
    # every (source, category) group weighs the same within its category, and every category
    # the same: one big source's phrasing does not decide what a category looks like
    model.fit(
        x[harmful][keep],
        cat_y[keep],
        sample_weight=source_weights(cat_y[keep], src[harmful][keep]),
    )
    coef, intercept = model.coef_, model.intercept_
    if coef.shape[0] == 1:  # two classes: sklearn keeps one row; softmax([0, z]) == sigmoid(z)
        coef = np.vstack([np.zeros_like(coef), coef])
        intercept = np.concatenate([[0.0], intercept])
    order = [list(model.classes_).index(name) for name in cats]
    return HarmHead(
        categories=cats,
        harmful_w=hw,
        harmful_b=hb,
        jailbreak_w=jw,
        jailbreak_b=jb,
        category_w=coef[order].astype(np.float32),
        category_b=intercept[order].astype(np.float32),
        memory_harmful=x[y == "harmful"].astype(np.float32) if neighbours else None,
        memory_benign=x[y == "benign"].astype(np.float32) if neighbours else None,
    )


def threshold_at_fpr(benign_scores: np.ndarray, max_fpr: float) -> float:
    """Lowest threshold whose false-positive rate on ``benign_scores`` is at most ``max_fpr``.

    Flagging is ``score >= threshold``; the threshold sits just above the benign score
    that would otherwise be the first one over budget (rounded up to 4 decimals).
    """
    s = np.sort(np.asarray(benign_scores, dtype=float))[::-1]
    if s.size == 0:
        return 0.5
    allowed = int(np.floor(max_fpr * s.size))  # benign rows we may flag
    if allowed >= s.size:
        return 0.0
    cut = s[allowed]  # highest benign score that must stay below the threshold
    return float(min(1.0, np.ceil((cut + 1e-6) * 10_000) / 10_000))
