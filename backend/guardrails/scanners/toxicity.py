"""Toxicity scanner over the shared scorer of :mod:`backend.detectors.toxicity`.

Long texts are cut into windows and the most toxic window gives the score, so one insult in
a long friendly message is not averaged away. Spans show *where*: with Detoxify, the
sentences at or above the threshold; with the profanity fallback, the offending words.
"""

from __future__ import annotations

import re
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
    fallback_window_chars
        Window size with the profanity fallback: a TF-IDF model dilutes one insult in a
        long window (an insult after 20 friendly sentences scores 0.10, alone 1.0), and it
        scores ~70k windows a second, so it reads about a sentence at a time.
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
        fallback_window_chars: int = 200,
    ) -> None:
        self.threshold = float(threshold)
        self.variant = variant
        self.checkpoint = checkpoint
        self.base_model_dir = base_model_dir
        self._scorer = scorer
        self.max_chars = max_chars
        self.window_chars = window_chars
        self.max_windows = max_windows
        self.fallback_window_chars = fallback_window_chars

    @property
    def scorer(self):
        if self._scorer is None:
            from backend.detectors.toxicity import load_toxicity_scorer

            self._scorer = load_toxicity_scorer(
                self.variant, checkpoint=self.checkpoint, base_model_dir=self.base_model_dir
            )
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
            size = self.fallback_window_chars if scorer.is_fallback else self.window_chars
            cap = max(1, self.max_windows * self.window_chars // size)  # same characters
            owners: list[tuple[int, int, int]] = []
            windows: list[str] = []
            bodies, notes_by_text = [], []
            for i, raw in enumerate(texts):
                body, notes = bounded(raw or "", self.max_chars)
                spans = chunk_text(body, size, max_chunks=cap)
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
