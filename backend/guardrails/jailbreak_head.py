"""A trained jailbreak and prompt-injection head over a whole prompt, not one sentence.

Jailbreaks are long and structural: a persona, rules for how to answer, a demand never to
refuse, two answer formats, a claim that the old rules are void. One sentence embedding of
the first window misses most of that (the harm head's jailbreak probability, trained that
way, flagged 20 % of the project suite's benign prompts). This head reads:

* the **mean and the maximum** (per dimension) of the MiniLM embeddings of every sentence
  window of the normalised prompt: the windows the injection scanner embeds anyway, so
  they cost nothing more;
* **structural features** of the normalised text (:data:`MARKERS`): its length, how many
  windows it has, and how densely it uses persona and role-play markers, instruction
  overrides, talk about rules and filters, demands never to refuse, dual-answer formats,
  references to the assistant as an AI model, second-person commands, and the share of
  sentences that are imperative meta-instructions to the assistant.

One logistic regression (scikit-learn at training time, a dot product at run time) turns
them into a probability. Weights live in JSON (no pickle) with their metadata: the
corpus hashes, the seed, the embedding runtime, the threshold and how it was chosen, and
the cross-source evaluation measured when it was trained
(:mod:`backend.guardrails.jailbreak_train`).
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from backend.errors import ConfigError

SHIPPED_JAILBREAK_HEAD = Path(__file__).resolve().parent / "data" / "jailbreak_head.json"
FORMAT = "steward-jailbreak-head/1"


def _rx(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE)


#: Marker families counted per 1,000 characters (capped), on the normalised text.
MARKERS: tuple[tuple[str, re.Pattern], ...] = (
    (
        "persona or role-play",
        _rx(
            r"\b(?:act(?:ing)? as|pretend(?:ing)?|role-?play\w*|in character|persona|simulat\w+|"
            r"from now on|you are (?:now|going to)|stay in|immerse yourself|character named)\b"
        ),
    ),
    ("instruction override", _rx(r"\b(?:ignore|disregard|forget|bypass|override|overrid\w+)\b")),
    (
        "rules and filters",
        _rx(
            r"\b(?:openai|content polic\w*|guidelines?|filter\w*|censor\w*|restrict\w*|"
            r"moral\w*|ethic\w*|legal\w*|rules?|polic(?:y|ies)|programming|safeguards?)\b"
        ),
    ),
    (
        "never refuse",
        _rx(
            r"\b(?:never (?:refuse|decline|say no)|(?:not|never|cannot|can't|won't) (?:refuse|decline)|"
            r"always (?:answer|respond|comply)|no matter (?:how|what)|do not (?:apologi[sz]e|warn)|"
            r"without (?:any )?(?:warnings?|disclaimers?|censorship|hesitation)|anything (?:now|at all))\b"
        ),
    ),
    (
        "dual answers",
        _rx(
            r"(?:\b(?:two (?:different |separate )?(?:ways|responses|answers|paragraphs)|"
            r"both (?:responses|answers)|jailbr\w+|unlocked|unfiltered|uncensored|unrestricted)\b|"
            r"\[\s*(?:classic|normal|gpt)\s*\])"
        ),
    ),
    (
        "talks to an AI",
        _rx(
            r"\b(?:chat ?gpt|gpt-?\d?|language model|as an ai|ai model|llm|assistant's|"
            r"your (?:responses?|answers?|outputs?))\b"
        ),
    ),
    ("second person", _rx(r"\b(?:you|your|yourself)\b")),
    ("shouting or tokens", _rx(r"\b[A-Z]{3,}\b|[\[\]{}<>|#*]")),
)
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")
_META = _rx(
    r"^\W*(?:you\b|your\b|do\b|don't\b|never\b|always\b|respond|answer|reply|remember|stay|act\b|"
    r"pretend|if (?:i|you)\b|when (?:i|you)\b|from now|please (?:respond|answer|act)|"
    r"(?:dan|it|he|she|they) (?:will|must|can|should|never|always))"
)
FEATURE_NAMES: tuple[str, ...] = (
    "log length",
    "windows",
    *(f"{name} per 1k chars" for name, _ in MARKERS),
    "meta-instruction sentence share",
)


def structural_features(text: str, n_windows: int) -> np.ndarray:
    """Length, window count and marker densities of one (normalised) text."""
    n = max(1, len(text))
    out = [math.log1p(n) / 8.0, min(n_windows, 8) / 8.0]
    for _, regex in MARKERS:
        count = sum(1 for _ in regex.finditer(text))
        out.append(min(count * 1000.0 / max(n, 200), 40.0) / 10.0)
    sentences = [s for s in _SENTENCES.split(text) if len(s.strip()) > 3]
    meta = sum(1 for s in sentences if _META.search(s))
    out.append(meta / max(1, len(sentences)))
    return np.asarray(out, dtype=np.float32)


def prompt_features(text: str, window_vectors: np.ndarray) -> np.ndarray:
    """The head's input for one prompt: mean and max of its window embeddings, structure."""
    v = np.asarray(window_vectors, dtype=np.float32)
    if v.ndim != 2 or not len(v):
        raise ConfigError("a prompt needs at least one window embedding")
    return np.concatenate([v.mean(axis=0), v.max(axis=0), structural_features(text, len(v))])


def several_windows(features: np.ndarray) -> np.ndarray:
    """Which feature rows (:func:`prompt_features`) belong to prompts of several windows."""
    x = np.atleast_2d(np.asarray(features))
    column = x.shape[1] - len(FEATURE_NAMES) + FEATURE_NAMES.index("windows")
    return x[:, column] > 1.5 / 8.0  # the feature is min(windows, 8) / 8


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40.0, 40.0)))


@dataclass
class JailbreakHead:
    """Logistic regression over :func:`prompt_features` (see the module docstring)."""

    weights: np.ndarray  # (2 * dim + len(FEATURE_NAMES),)
    bias: float
    threshold: float = 0.5
    meta: dict[str, Any] = field(default_factory=dict)
    #: Cut-off for prompts of several windows under ``signal: by_length`` (the head does not
    #: count on one-window prompts there, so it is chosen on the validation benign prompts
    #: of several windows); ``None`` (heads trained before) falls back to :attr:`threshold`.
    long_threshold: float | None = None

    def operating_point(self, *, long_prompts_only: bool = False) -> float:
        """The probability that maps to 0.5: :attr:`long_threshold` for ``by_length``."""
        if long_prompts_only and self.long_threshold is not None:
            return self.long_threshold
        return self.threshold

    @property
    def dim(self) -> int:
        return (int(self.weights.shape[0]) - len(FEATURE_NAMES)) // 2

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Jailbreak probabilities of feature rows ``(n, 2 * dim + k)``."""
        x = np.atleast_2d(np.asarray(features, dtype=np.float32))
        if x.shape[1] != self.weights.shape[0]:
            raise ConfigError(
                f"jailbreak head expects {self.weights.shape[0]} features, got {x.shape[1]}"
            )
        return _sigmoid(x @ self.weights + self.bias)

    def window_evidence(self, window_vectors: np.ndarray) -> np.ndarray:
        """How much each window pushes towards "jailbreak" (to highlight the strongest)."""
        d = self.dim
        return np.asarray(window_vectors, dtype=np.float32) @ (
            self.weights[:d] / max(1, len(window_vectors)) + self.weights[d : 2 * d]
        )

    def structural_contributions(self, text: str, n_windows: int) -> dict[str, float]:
        """Each structural feature's push on the logit (positive: towards jailbreak)."""
        values = structural_features(text, n_windows)
        w = self.weights[2 * self.dim :]
        return {name: float(v * wi) for name, v, wi in zip(FEATURE_NAMES, values, w, strict=True)}

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "features": list(FEATURE_NAMES),
            "weights": [round(float(w), 7) for w in self.weights],
            "bias": float(self.bias),
            "threshold": float(self.threshold),
            **(
                {}
                if self.long_threshold is None
                else {"long_threshold": float(self.long_threshold)}
            ),
            "meta": self.meta,
        }

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.to_dict(), indent=1) + "\n", encoding="utf-8")
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, path: str | Path | None = None) -> JailbreakHead:
        path = Path(path) if path else SHIPPED_JAILBREAK_HEAD
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(
                f"cannot read jailbreak head {path}: {exc.strerror or exc}; "
                "train one with: python -m backend.guardrails.jailbreak_train"
            ) from None
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path} is not a jailbreak head (invalid JSON: {exc})") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ConfigError(f"{path} is not a jailbreak head (format is not {FORMAT})")
        if list(data.get("features", [])) != list(FEATURE_NAMES):
            raise ConfigError(
                f"{path} was trained with other structural features; retrain it with: "
                "python -m backend.guardrails.jailbreak_train"
            )
        weights = np.asarray(data["weights"], dtype=np.float32)
        if weights.ndim != 1 or (weights.shape[0] - len(FEATURE_NAMES)) % 2:
            raise ConfigError(f"{path}: weights have the wrong shape {weights.shape}")
        long_threshold = data.get("long_threshold")
        return cls(
            weights,
            float(data["bias"]),
            float(data["threshold"]),
            data.get("meta", {}),
            None if long_threshold is None else float(long_threshold),
        )


@functools.lru_cache(maxsize=8)
def _load_once(resolved: str) -> JailbreakHead:
    return JailbreakHead.load(resolved)


def get_jailbreak_head(path: str | Path | None = None) -> JailbreakHead:
    """The process-wide jailbreak head loaded from ``path`` (the shipped head by default)."""
    return _load_once(str(Path(path).resolve()) if path else str(SHIPPED_JAILBREAK_HEAD))


def fit_jailbreak_head(
    features: np.ndarray,
    is_jailbreak: np.ndarray,
    *,
    sources: np.ndarray,
    seed: int = 0,
    c: float = 1.0,
) -> JailbreakHead:
    """Fit the logistic regression; every (source, class) group weighs the same in total.

    Equal weights per source keep one large source (the in-the-wild collection) from
    teaching its own phrasing as the definition of a jailbreak.
    """
    from sklearn.linear_model import LogisticRegression

    from backend.guardrails.harm_head import source_weights

    y = np.asarray(is_jailbreak, dtype=bool)
    if y.all() or not y.any():
        raise ConfigError("the jailbreak head needs both jailbreak and other prompts")
    labels = np.where(y, "jailbreak", "other")
    weights = source_weights(labels, np.asarray(sources))
    model = LogisticRegression(C=c, max_iter=2000, random_state=seed, tol=1e-4)
    model.fit(np.asarray(features, dtype=np.float64), y.astype(int), sample_weight=weights)
    return JailbreakHead(model.coef_[0].astype(np.float32), float(model.intercept_[0]))
