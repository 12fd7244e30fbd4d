"""Harm classifier: a trained head over the MiniLM embeddings, with a hazard category.

Each text is normalised (look-alike letters and hidden characters cannot dodge it), cut
into the same sentence windows the injection and topic scanners embed (so the shared
encoder's cache serves all of them), and every window is scored by
:class:`~backend.guardrails.harm_head.HarmHead`. The text's score is its riskiest window;
the category is that window's most likely hazard category.

Scores are the head's probability rescaled so that the threshold chosen on validation
data sits at 0.5 (``sigmoid(logit(p) - logit(t))``): a policy threshold of 0.5 is the
validated operating point and the slider moves around it. The raw probability is in
``details``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from backend.guardrails.base import ScanResult, SentenceWindowScanner, Timer, share_latency


def rescale(p: np.ndarray | float, operating_point: float) -> np.ndarray:
    """Monotone map of probability ``p`` that sends ``operating_point`` to 0.5."""
    t = min(max(float(operating_point), 1e-6), 1 - 1e-6)
    p = np.clip(np.asarray(p, dtype=float), 1e-9, 1 - 1e-9)
    z = np.log(p / (1 - p)) - math.log(t / (1 - t))
    return 1.0 / (1.0 + np.exp(-z))


class HarmScanner(SentenceWindowScanner):
    """Harmful-request classifier with categories (see module docstring).

    Parameters
    ----------
    threshold
        Flag when the rescaled score is at least this (0.5 = the validated threshold).
    encoder
        A :class:`~backend.models.SentenceEncoder` (the shared one by default).
    head
        A :class:`~backend.guardrails.harm_head.HarmHead` (the shipped one by default).
    window_options
        ``max_chars``, ``window_chars``, ``max_windows`` of
        :class:`~backend.guardrails.base.SentenceWindowScanner`.
    """

    name = "harm"

    def __init__(
        self, threshold: float = 0.5, *, encoder=None, head=None, **window_options: int
    ) -> None:
        super().__init__(threshold, encoder=encoder, **window_options)
        self._head = head

    @property
    def head(self):
        if self._head is None:
            from backend.guardrails.harm_head import get_head

            self._head = get_head()
        return self._head

    @property
    def backend(self) -> str:
        label = getattr(self._encoder, "label", "all-MiniLM-L6-v2")
        version = (self._head.meta.get("corpus_sha256", "") if self._head else "")[:8]
        trained = f", corpus {version}" if version else ""
        return f"trained harm head (logistic, {label}{trained})"

    def warm_up(self) -> None:
        self.scan("warm-up")

    def scan_batch(self, texts: Sequence[str]) -> list[ScanResult]:
        with Timer() as timer:
            head = self.head
            windows = self.windows(texts)
            if windows.texts:
                scores = head.predict(self.encoder.encode(windows.texts))
                rescaled = rescale(scores.harmful, head.threshold)
                jail = rescale(scores.jailbreak, head.jailbreak_threshold)
            else:
                rescaled = np.zeros(0)

            def describe(row: int) -> dict:
                shares = scores.categories[row]
                order = np.argsort(shares)[::-1][:3]
                return {
                    "probability": float(scores.harmful[row]),
                    "category": head.label(head.categories[order[0]]),
                    "category_score": float(scores.harmful[row] * shares[order[0]]),
                    "top_categories": {
                        head.label(head.categories[k]): float(shares[k]) for k in order
                    },
                    "jailbreak_score": float(jail[row]),
                    "validated_threshold": head.threshold,
                }

            results = self.results(
                windows, rescaled, describe=describe, span_label=lambda d: f"harm: {d['category']}"
            )
        return share_latency(results, timer.ms)
