"""Toxicity scanner over the shared scorer of :mod:`backend.detectors.toxicity`.

Long texts are cut into windows and the most toxic window gives the score, so one insult in
a long friendly message is not averaged away. Spans show *where*: with Detoxify, the
sentences at or above the threshold; with the profanity fallback, the offending words.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence

import numpy as np

from backend.guardrails.base import (
    DEFAULT_MAX_CHARS,
    ScanResult,
    Span,
    Timer,
    bounded,
    chunk_text,
    flag,
)

_WORD = re.compile(r"[\w'*@$!-]+")
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")


class FastProfanityScorer:
    """The same alt-profanity-check model, scored with two numpy products instead of sklearn.

    ``profanity_check.predict_prob`` spends ~80 % of its 3-7 ms per prompt in sklearn's input
    validation around five tiny calibrated linear SVMs. The probability is
    ``mean_k sigmoid(-(a_k * (x . w_k + c_k) + b_k))`` over the calibrated classifiers, with
    ``x`` the TF-IDF row; computing that directly gives the same numbers (checked to 1e-9 on
    probe texts when built; any other model shape keeps the library call).
    """

    def __init__(self, inner) -> None:
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
        self._vectorizer = pc.vectorizer
        self._weights = np.stack(coefs, axis=1)  # (vocabulary, k)
        self._intercepts = np.asarray(intercepts)
        self._slopes = np.asarray(slopes)
        self._offsets = np.asarray(offsets)
        self._inner = inner
        self.backend_id = inner.backend_id
        self.backend_name = inner.backend_name
        self.is_fallback = inner.is_fallback
        self.fallback_reason = inner.fallback_reason
        probes = [
            "The damn printer jammed again.",
            "People like you should not exist.",
            "What a lovely day for a walk.",
            "you are a stupid idiot",
            "",
        ]
        if not np.allclose(self.score(probes), inner.score(probes), rtol=0, atol=1e-9):
            raise ValueError("fast profanity scores differ from the library's")

    def score(self, texts: Sequence[str]) -> np.ndarray:
        texts = [str(t) if t is not None else "" for t in texts]
        if not texts:
            return np.zeros(0, dtype=np.float64)
        features = self._vectorizer.transform(texts)
        decision = np.asarray(features @ self._weights) + self._intercepts
        positive = 1.0 / (1.0 + np.exp(self._slopes * decision + self._offsets))
        return np.clip(positive.mean(axis=1), 0.0, 1.0)


_FAST: dict[int, FastProfanityScorer] = {}
_FAST_LOCK = threading.Lock()


def fast_profanity(scorer):
    """The shared fast twin of a profanity fallback scorer; any other scorer unchanged."""
    if type(scorer).__name__ != "ProfanityCheckScorer":
        return scorer
    with _FAST_LOCK:
        fast = _FAST.get(id(scorer))  # the twin keeps ``scorer`` alive, so ids are not reused
        if fast is None:
            try:
                fast = FastProfanityScorer(scorer)
            except Exception:  # noqa: BLE001 - a different model shape: keep the library call
                return scorer
            _FAST[id(scorer)] = fast
        return fast


class ToxicityScanner:
    """Detoxify (or the labelled profanity fallback) as a guardrail.

    Parameters
    ----------
    threshold
        Flag when the most toxic window scores at least this.
    variant, checkpoint, base_model_dir
        Passed to :func:`backend.detectors.toxicity.load_toxicity_scorer`.
    window_chars, max_windows
        Window size and the cap on windows per text (bounded time on huge inputs).
    """

    name = "toxicity"

    def __init__(
        self,
        threshold: float = 0.5,
        *,
        variant: str = "original",
        checkpoint: str | None = None,
        base_model_dir: str | None = None,
        scorer=None,
        max_chars: int = DEFAULT_MAX_CHARS,
        window_chars: int = 1000,
        max_windows: int = 32,
    ) -> None:
        self.threshold = float(threshold)
        self.variant = variant
        self.checkpoint = checkpoint
        self.base_model_dir = base_model_dir
        self._scorer = scorer
        self.max_chars = max_chars
        self.window_chars = window_chars
        self.max_windows = max_windows

    @property
    def scorer(self):
        if self._scorer is None:
            from backend.detectors.toxicity import load_toxicity_scorer

            scorer = load_toxicity_scorer(
                self.variant, checkpoint=self.checkpoint, base_model_dir=self.base_model_dir
            )
            self._scorer = fast_profanity(scorer)
        return self._scorer

    @property
    def backend(self) -> str:
        return self.scorer.backend_name

    def warm_up(self) -> None:
        self.scan("warm-up")

    def scan(self, text: str) -> ScanResult:
        return self.scan_batch([text])[0]

    def scan_batch(self, texts: Sequence[str]) -> list[ScanResult]:
        with Timer() as timer:
            scorer = self.scorer
            owners: list[tuple[int, int, int]] = []
            windows: list[str] = []
            bodies, notes_by_text = [], []
            for i, raw in enumerate(texts):
                body, notes = bounded(raw or "", self.max_chars)
                spans = chunk_text(body, self.window_chars, max_chunks=self.max_windows)
                if spans[-1][1] < len(body):
                    notes = [
                        *notes,
                        f"toxicity scored on the first {len(spans)} windows "
                        f"({spans[-1][1]:,} of {len(body):,} characters)",
                    ]
                if scorer.is_fallback:
                    notes = [
                        *notes,
                        f"{scorer.backend_name}. {scorer.fallback_reason or ''}".strip(),
                    ]
                bodies.append(body)
                notes_by_text.append(notes)
                for start, end in spans:
                    if body[start:end].strip():
                        owners.append((i, start, end))
                        windows.append(body[start:end])
            scores = scorer.score(windows) if windows else np.zeros(0)
            best = np.zeros(len(texts))
            best_window: dict[int, tuple[int, int]] = {}
            for (i, start, end), s in zip(owners, scores, strict=True):
                if s >= best[i]:
                    best[i] = float(s)
                    best_window[i] = (start, end)
            results = []
            for i, body in enumerate(bodies):
                flagged = flag(best[i], self.threshold)
                spans = self._spans(body, best_window.get(i)) if flagged else []
                results.append(
                    ScanResult(
                        scanner=self.name,
                        score=float(best[i]),
                        flagged=flagged,
                        threshold=self.threshold,
                        spans=spans,
                        backend=scorer.backend_name,
                        notes=notes_by_text[i],
                        details={"backend_id": scorer.backend_id},
                    )
                )
        share = timer.ms / max(1, len(texts))
        for r in results:
            r.latency_ms = share
        return results

    def _spans(self, body: str, window: tuple[int, int] | None) -> list[Span]:
        """Where the toxicity is: offending words (fallback) or sentences (Detoxify)."""
        if window is None:
            return []
        start, end = window
        pattern = _WORD if self.scorer.is_fallback else _SENTENCE
        pieces = [m for m in pattern.finditer(body, start, end) if m.group(0).strip()][:400]
        if not pieces:
            return [Span("toxic", start, end)]
        scores = self.scorer.score([m.group(0) for m in pieces])
        label = "profanity" if self.scorer.is_fallback else "toxic"
        spans = [
            # leading whitespace is not part of the evidence
            Span(label, m.start() + len(m.group(0)) - len(m.group(0).lstrip()), m.end(), float(s))
            for m, s in zip(pieces, scores, strict=True)
            if s >= self.threshold
        ]
        return spans or [Span(label, start, end)]
