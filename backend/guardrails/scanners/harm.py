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

from backend.guardrails.base import (
    DEFAULT_MAX_CHARS,
    EMBED_MAX_WINDOWS,
    EMBED_WINDOW_CHARS,
    ScanResult,
    Span,
    Timer,
    bounded,
    flag,
    sentence_windows,
)


def rescale(p: np.ndarray | float, operating_point: float) -> np.ndarray:
    """Monotone map of probability ``p`` that sends ``operating_point`` to 0.5."""
    t = min(max(float(operating_point), 1e-6), 1 - 1e-6)
    p = np.clip(np.asarray(p, dtype=float), 1e-9, 1 - 1e-9)
    z = np.log(p / (1 - p)) - math.log(t / (1 - t))
    return 1.0 / (1.0 + np.exp(-z))


class HarmScanner:
    """Harmful-request classifier with categories (see module docstring).

    Parameters
    ----------
    threshold
        Flag when the rescaled score is at least this (0.5 = the validated threshold).
    encoder
        A :class:`~backend.guardrails.embeddings.SentenceEncoder` (the shared one by default).
    head
        A :class:`~backend.guardrails.harm_head.HarmHead` (the shipped one by default).
    """

    name = "harm"

    def __init__(
        self,
        threshold: float = 0.5,
        *,
        encoder=None,
        head=None,
        max_chars: int = DEFAULT_MAX_CHARS,
        window_chars: int = EMBED_WINDOW_CHARS,
        max_windows: int = EMBED_MAX_WINDOWS,
    ) -> None:
        self.threshold = float(threshold)
        self._encoder = encoder
        self._head = head
        self.max_chars = max_chars
        self.window_chars = window_chars
        self.max_windows = max_windows

    @property
    def encoder(self):
        if self._encoder is None:
            from backend.guardrails.embeddings import get_encoder

            self._encoder = get_encoder()
        return self._encoder

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

    def scan(self, text: str) -> ScanResult:
        return self.scan_batch([text])[0]

    def scan_batch(self, texts: Sequence[str]) -> list[ScanResult]:
        from backend.guardrails.normalize import normalize

        with Timer() as timer:
            head = self.head
            owners: list[tuple[int, int, int]] = []
            windows: list[str] = []
            notes_by_text: list[list[str]] = []
            for i, raw in enumerate(texts):
                body, notes = bounded(raw or "", self.max_chars)
                norm = normalize(body).base
                spans = sentence_windows(norm.text, self.window_chars, self.max_windows)
                if len(spans) == self.max_windows and len(norm.text) > (
                    self.window_chars * self.max_windows
                ):
                    notes = [
                        *notes,
                        f"long text: sentences were grouped into {self.max_windows} windows, "
                        "so one harmful sentence can be diluted by its neighbours",
                    ]
                notes_by_text.append(notes)
                for start, end in spans:
                    if norm.text[start:end].strip():
                        owners.append((i, *norm.original_span(start, end)))
                        windows.append(norm.text[start:end])
            best: list[dict | None] = [None] * len(texts)
            if windows:
                scores = head.predict(self.encoder.encode(windows))
                rescaled = rescale(scores.harmful, head.threshold)
                jail = rescale(scores.jailbreak, head.jailbreak_threshold)
                for row, (i, start, end) in enumerate(owners):
                    if best[i] is None or rescaled[row] > best[i]["score"]:
                        shares = scores.categories[row]
                        order = np.argsort(shares)[::-1][:3]
                        best[i] = {
                            "score": float(rescaled[row]),
                            "probability": float(scores.harmful[row]),
                            "category": head.label(head.categories[order[0]]),
                            "category_score": float(scores.harmful[row] * shares[order[0]]),
                            "top_categories": {
                                head.label(head.categories[k]): float(shares[k]) for k in order
                            },
                            "jailbreak_score": float(jail[row]),
                            "start": start,
                            "end": end,
                        }
            results = []
            for i in range(len(texts)):
                info = best[i]
                if info is None:
                    results.append(
                        ScanResult(
                            self.name,
                            0.0,
                            False,
                            self.threshold,
                            backend=self.backend,
                            notes=notes_by_text[i],
                        )
                    )
                    continue
                flagged = flag(info["score"], self.threshold)
                spans = (
                    [Span(f"harm: {info['category']}", info["start"], info["end"], info["score"])]
                    if flagged
                    else []
                )
                details = {k: v for k, v in info.items() if k not in ("start", "end", "score")}
                details["validated_threshold"] = head.threshold
                results.append(
                    ScanResult(
                        self.name,
                        info["score"],
                        flagged,
                        self.threshold,
                        spans=spans,
                        backend=self.backend,
                        details=details,
                        notes=notes_by_text[i],
                    )
                )
        share = timer.ms / max(1, len(texts))
        for r in results:
            r.latency_ms = share
        return results
