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
    ScanResult,
    SentenceWindowScanner,
    Timer,
    one_blas_thread,
    share_latency,
)


@dataclass(frozen=True)
class Topic:
    """A named topic: a one-line description plus example requests."""

    name: str
    description: str = ""
    examples: tuple[str, ...] = field(default_factory=tuple)

    def sentences(self) -> list[str]:
        return [s for s in (self.description, *self.examples) if s and s.strip()]


class TopicScanner(SentenceWindowScanner):
    """Blocked/allowed topics by MiniLM similarity.

    Parameters
    ----------
    blocked, allowed
        Topics to block and topics that are explicitly fine (their look-alikes).
    threshold
        Flag when the score is at least this.
    center, scale, contrast
        Logistic calibration of the similarity score (see module docstring).
    window_options
        ``max_chars``, ``window_chars``, ``max_windows`` of
        :class:`~backend.guardrails.base.SentenceWindowScanner`.
    """

    name = "topics"

    def __init__(
        self,
        blocked: Sequence[Topic],
        allowed: Sequence[Topic] = (),
        *,
        threshold: float = 0.5,
        encoder=None,
        center: float = 0.5,
        scale: float = 12.0,
        contrast: float = 12.0,
        **window_options: int,
    ) -> None:
        if not blocked:
            raise ValueError("the topic scanner needs at least one blocked topic")
        super().__init__(threshold, encoder=encoder, **window_options)
        self.blocked = list(blocked)
        self.allowed = list(allowed)
        self.center = center
        self.scale = scale
        self.contrast = contrast
        self._blocked_vecs: np.ndarray | None = None
        self._allowed_vecs: np.ndarray | None = None
        self._blocked_owner: list[int] = []
        self._allowed_owner: list[int] = []

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

    def scan_batch(self, texts: Sequence[str]) -> list[ScanResult]:
        with Timer() as timer:
            blocked, allowed = self._vectors()
            windows = self.windows(texts)
            scores = np.zeros(0)
            if windows.texts:
                vecs = self.encoder.encode(windows.texts)
                with one_blas_thread():
                    sb = vecs @ blocked.T
                    sa = vecs @ allowed.T if allowed.shape[0] else np.zeros((len(vecs), 0))
                s_block = sb.max(axis=1)
                s_allow = sa.max(axis=1) if sa.shape[1] else np.zeros(len(vecs))
                z = self.scale * (s_block - self.center) + self.contrast * (s_block - s_allow)
                scores = 1.0 / (1.0 + np.exp(-z))

            def describe(row: int) -> dict:
                a_idx = int(sa[row].argmax()) if sa.shape[1] else -1
                return {
                    "topic": self.blocked[self._blocked_owner[int(sb[row].argmax())]].name,
                    "blocked_similarity": float(s_block[row]),
                    "allowed_topic": (
                        self.allowed[self._allowed_owner[a_idx]].name if a_idx >= 0 else None
                    ),
                    "allowed_similarity": float(s_allow[row]),
                }

            results = self.results(
                windows, scores, describe=describe, span_label=lambda d: f"topic: {d['topic']}"
            )
        return share_latency(results, timer.ms)
