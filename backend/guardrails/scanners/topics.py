"""Harmful intent and topics: semantic similarity to blocked and allowed topic exemplars.

Substring matching of topic names ("violence" in text?) blocks almost nothing, and adding an
allowed-topic rule on top blocks almost everything. Here each topic is a description plus a
few example requests, embedded with all-MiniLM-L6-v2. A text is scored by how close it is
to the nearest *blocked* exemplar and how much closer that is than the nearest *allowed*
exemplar, so "How do I kill a Python process?" sits next to the allowed programming
exemplars while "How do I kill my neighbour?" sits next to the violence exemplars.

Score: ``sigmoid(a * (s_blocked - center) + b * (s_blocked - s_allowed))``, computed per
window of the text (sentences grouped to about ``window_chars``) and maximised, so a harmful
request hidden in a long benign text is still found and highlighted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class Topic:
    """A named topic: a one-line description plus example requests."""

    name: str
    description: str = ""
    examples: tuple[str, ...] = field(default_factory=tuple)

    def sentences(self) -> list[str]:
        return [s for s in (self.description, *self.examples) if s and s.strip()]


class TopicScanner:
    """Blocked/allowed topics by MiniLM similarity.

    Parameters
    ----------
    blocked, allowed
        Topics to block and topics that are explicitly fine (their look-alikes).
    threshold
        Flag when the score is at least this.
    center, scale, contrast
        Logistic calibration of the similarity score (see module docstring).
    """

    name = "topics"

    def __init__(
        self,
        blocked: Sequence[Topic],
        allowed: Sequence[Topic] = (),
        *,
        threshold: float = 0.5,
        encoder=None,
        max_chars: int = DEFAULT_MAX_CHARS,
        window_chars: int = EMBED_WINDOW_CHARS,
        max_windows: int = EMBED_MAX_WINDOWS,
        center: float = 0.5,
        scale: float = 12.0,
        contrast: float = 12.0,
    ) -> None:
        if not blocked:
            raise ValueError("the topic scanner needs at least one blocked topic")
        self.blocked = list(blocked)
        self.allowed = list(allowed)
        self.threshold = float(threshold)
        self._encoder = encoder
        self.max_chars = max_chars
        self.window_chars = window_chars
        self.max_windows = max_windows
        self.center = center
        self.scale = scale
        self.contrast = contrast
        self._blocked_vecs: np.ndarray | None = None
        self._allowed_vecs: np.ndarray | None = None
        self._blocked_owner: list[int] = []
        self._allowed_owner: list[int] = []

    @property
    def encoder(self):
        if self._encoder is None:
            from backend.guardrails.embeddings import get_encoder

            self._encoder = get_encoder()
        return self._encoder

    @property
    def backend(self) -> str:
        return f"similarity ({getattr(self._encoder, 'label', 'all-MiniLM-L6-v2')})"

    def warm_up(self) -> None:
        self._vectors()
        self.scan("warm-up")

    def _vectors(self) -> tuple[np.ndarray, np.ndarray]:
        if self._blocked_vecs is None:
            sentences, owners = [], []
            for i, topic in enumerate(self.blocked):
                for s in topic.sentences():
                    sentences.append(s)
                    owners.append(i)
            self._blocked_vecs = self.encoder.encode(sentences)
            self._blocked_owner = owners
            sentences, owners = [], []
            for i, topic in enumerate(self.allowed):
                for s in topic.sentences():
                    sentences.append(s)
                    owners.append(i)
            self._allowed_vecs = (
                self.encoder.encode(sentences)
                if sentences
                else np.zeros((0, self.encoder.dim), dtype=np.float32)
            )
            self._allowed_owner = owners
        return self._blocked_vecs, self._allowed_vecs

    def scan(self, text: str) -> ScanResult:
        return self.scan_batch([text])[0]

    def scan_batch(self, texts: Sequence[str]) -> list[ScanResult]:
        from backend.guardrails.normalize import normalize

        with Timer() as timer:
            blocked, allowed = self._vectors()
            owners: list[tuple[int, int, int]] = []
            windows: list[str] = []
            notes_by_text: list[list[str]] = []
            for i, raw in enumerate(texts):
                body, notes = bounded(raw or "", self.max_chars)
                norm = normalize(body).base  # look-alike letters should not dodge the topics
                spans = sentence_windows(norm.text, self.window_chars, self.max_windows)
                if len(spans) == self.max_windows:
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
                vecs = self.encoder.encode(windows)
                sb = vecs @ blocked.T
                sa = vecs @ allowed.T if allowed.shape[0] else None
                for row, (i, start, end) in enumerate(owners):
                    b_idx = int(sb[row].argmax())
                    s_block = float(sb[row, b_idx])
                    s_allow = float(sa[row].max()) if sa is not None else 0.0
                    a_idx = int(sa[row].argmax()) if sa is not None else -1
                    z = self.scale * (s_block - self.center) + self.contrast * (s_block - s_allow)
                    score = float(1.0 / (1.0 + np.exp(-z)))
                    if best[i] is None or score > best[i]["score"]:
                        best[i] = {
                            "score": score,
                            "topic": self.blocked[self._blocked_owner[b_idx]].name,
                            "blocked_similarity": s_block,
                            "allowed_topic": (
                                self.allowed[self._allowed_owner[a_idx]].name
                                if a_idx >= 0
                                else None
                            ),
                            "allowed_similarity": s_allow,
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
                    [Span(f"topic: {info['topic']}", info["start"], info["end"], info["score"])]
                    if flagged
                    else []
                )
                details = {k: v for k, v in info.items() if k not in ("start", "end")}
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
