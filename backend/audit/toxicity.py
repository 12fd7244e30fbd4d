"""Toxicity: score distribution and share above a threshold, overall and per group.

Scores come from the shared scorer (:func:`backend.detectors.toxicity.load_toxicity_scorer`):
Detoxify when its weights are on disk, otherwise the offline profanity fallback. The
report always names the backend. Only histograms and sums are kept (20 bins), so memory
does not grow with the dataset; the few most toxic rows are kept, redacted, as examples.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable

import numpy as np

from backend.audit.source import Chunk
from backend.detectors.pii import PiiDetector

BINS = 20
_EDGES = np.linspace(0.0, 1.0, BINS + 1)
_TOP_EXAMPLES = 8


class _Acc:
    """Histogram + sums for one population."""

    __slots__ = ("above", "hist", "n", "total")

    def __init__(self) -> None:
        self.n = 0
        self.total = 0.0
        self.above = 0
        self.hist = np.zeros(BINS, dtype=np.int64)

    def add(self, scores: np.ndarray, threshold: float) -> None:
        if scores.size == 0:
            return
        self.n += int(scores.size)
        self.total += float(scores.sum())
        self.above += int((scores >= threshold).sum())
        idx = np.minimum((scores * BINS).astype(np.int64), BINS - 1)
        self.hist += np.bincount(idx, minlength=BINS)

    def merge(self, other: _Acc) -> None:
        self.n += other.n
        self.total += other.total
        self.above += other.above
        self.hist += other.hist

    def to_dict(self) -> dict:
        return {
            "n": self.n,
            "mean": self.total / self.n if self.n else None,
            "share_above_threshold": self.above / self.n if self.n else None,
            "histogram": self.hist.tolist(),
        }


class ToxicityCheck:
    """Scores texts in batches (cancellable between batches) and accumulates histograms."""

    name = "toxicity"

    def __init__(
        self,
        scorer,
        *,
        threshold: float = 0.5,
        max_rows: int | None = None,
        batch_size: int | None = None,
        tick: Callable[[], None] | None = None,
    ) -> None:
        self.scorer = scorer
        self.threshold = threshold
        self.max_rows = max_rows
        # Neural models want small batches (and a chance to cancel); the fallback is fast.
        self.batch_size = batch_size or (512 if getattr(scorer, "is_fallback", False) else 64)
        self.tick = tick
        self.sample_of: int | None = None
        self.rows_seen = 0
        self.overall = _Acc()
        self.groups: dict[str, dict[str, _Acc]] = {}
        self.seconds = 0.0
        self._top: list[tuple[float, int, str]] = []
        self._redactor = PiiDetector()

    def plan(self, estimated_rows: int | None) -> None:
        """Spread at most ``max_rows`` scored rows evenly over the estimated row count."""
        if self.max_rows and estimated_rows and estimated_rows > self.max_rows:
            self.sample_of = int(estimated_rows)

    def update(self, chunk: Chunk) -> None:
        n = len(chunk)
        rows = np.arange(chunk.start_row, chunk.start_row + n, dtype=np.int64)
        if self.sample_of and self.max_rows:
            # Row r is taken when floor(r * k / N) steps up: exactly k of N rows, evenly.
            k, total = self.max_rows, self.sample_of
            picked = ((rows + 1) * k // total) > (rows * k // total)
        else:
            picked = np.ones(n, dtype=bool)
        take = [i for i in np.flatnonzero(picked).tolist() if chunk.texts[i]]
        self.rows_seen += n
        if self.max_rows is not None:
            take = take[: max(0, self.max_rows - self.overall.n)]
        if not take:
            return
        texts = [chunk.texts[i] for i in take]
        started = time.perf_counter()
        parts = []
        for b in range(0, len(texts), self.batch_size):
            parts.append(np.asarray(self.scorer.score(texts[b : b + self.batch_size]), dtype=float))
            if self.tick is not None:
                self.tick()
        self.seconds += time.perf_counter() - started
        scores = np.clip(np.concatenate(parts), 0.0, 1.0)
        self.overall.add(scores, self.threshold)
        idx = np.asarray(take)
        for col in chunk.sensitive:
            groups = chunk.groups(col)[idx]
            accs = self.groups.setdefault(col, {})
            for g in np.unique(groups):
                accs.setdefault(str(g), _Acc()).add(scores[groups == g], self.threshold)
        for s, i in zip(scores.tolist(), take, strict=True):
            item = (s, -(chunk.start_row + i), chunk.texts[i])
            if len(self._top) < _TOP_EXAMPLES:
                heapq.heappush(self._top, item)  # type: ignore[arg-type]
            elif s > self._top[0][0]:
                heapq.heapreplace(self._top, item)  # type: ignore[arg-type]

    def merge(self, other: ToxicityCheck) -> None:
        self.rows_seen += other.rows_seen
        self.overall.merge(other.overall)
        self.seconds += other.seconds
        for col, accs in other.groups.items():
            mine = self.groups.setdefault(col, {})
            for g, acc in accs.items():
                mine.setdefault(g, _Acc()).merge(acc)
        for item in other._top:
            heapq.heappush(self._top, item)
            if len(self._top) > _TOP_EXAMPLES:
                heapq.heappop(self._top)

    def result(self, *, shown_groups: dict[str, list[str]] | None = None) -> dict:
        overall = self.overall.to_dict()
        by_group = {}
        for col, accs in self.groups.items():
            keep = (shown_groups or {}).get(col)
            pooled: dict[str, _Acc] = {}
            for g, acc in accs.items():
                key = g if keep is None or g in keep or g == "(missing)" else "other"
                pooled.setdefault(key, _Acc()).merge(acc)
            by_group[col] = {
                g: acc.to_dict() for g, acc in sorted(pooled.items(), key=lambda kv: -kv[1].n)
            }
        top = sorted(self._top, reverse=True)
        return {
            "backend": self.scorer.backend_name,
            "backend_id": self.scorer.backend_id,
            "is_fallback": bool(self.scorer.is_fallback),
            "fallback_reason": getattr(self.scorer, "fallback_reason", None),
            "threshold": self.threshold,
            "scored_rows": overall["n"],
            "rows": self.rows_seen,
            "sampled": overall["n"] < self.rows_seen,
            "mean": overall["mean"],
            "share_above_threshold": overall["share_above_threshold"],
            "histogram": {"edges": _EDGES.tolist(), "counts": overall["histogram"]},
            "by_group": by_group,
            "top_examples": [
                {"row": -neg_row + 1, "score": s, "text": self._redactor.redact(t)[:300]}
                for s, neg_row, t in top
            ],
            "batch_size": self.batch_size,
            "seconds": self.seconds,
            "rows_per_second": overall["n"] / self.seconds if self.seconds else None,
        }
