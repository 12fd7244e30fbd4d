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
from typing import Any

import numpy as np

from backend.audit.protocol import AuditCheck, CardField, Finding, Headline, ReportContext, Section
from backend.audit.representation import shown_groups
from backend.audit.source import Chunk
from backend.detectors.pii import PiiDetector
from backend.observations import Observation, finite_number

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


class ToxicitySection(Section):
    """Score distribution and share above the threshold, overall and per group."""

    backend: str = ""
    backend_id: str | None = None
    is_fallback: bool = False
    fallback_reason: str | None = None
    threshold: float = 0.5
    scored_rows: int = 0
    rows: int = 0
    sampled: bool = False
    mean: float | None = None
    share_above_threshold: float | None = None
    histogram: dict[str, Any] = {}
    by_group: dict[str, Any] = {}
    top_examples: list[dict[str, Any]] = []
    batch_size: int = 0
    seconds: float = 0.0
    rows_per_second: float | None = None


class ToxicityCheck(AuditCheck):
    """Scores texts in batches (cancellable between batches) and accumulates histograms."""

    name = "toxicity"
    label = "Toxicity"
    section_model = ToxicitySection
    describes_bias = True
    transient = ("scorer", "tick", "_redactor")

    @classmethod
    def from_config(cls, config, plan) -> ToxicityCheck:
        scorer = plan.scorer
        if scorer is None:
            from backend.detectors.toxicity import load_toxicity_scorer  # noqa: PLC0415

            if plan.note is not None:
                plan.note("Loading the toxicity model…")
            scorer = load_toxicity_scorer(
                config.toxicity_variant,
                checkpoint=config.toxicity_checkpoint,
                base_model_dir=config.toxicity_base_model_dir,
                allow_fallback=True,
            )
            plan.scorer = scorer  # one model per process, shared by later blocks
        check = cls(
            scorer, threshold=config.toxicity_threshold, max_rows=config.toxicity_max_rows,
            tick=plan.tick,
        )  # fmt: skip
        check.plan(plan.estimated_rows)
        return check

    def __init__(
        self,
        scorer,
        *,
        threshold: float = 0.5,
        max_rows: int | None = None,
        batch_size: int | None = None,
        tick: Callable[[str], None] | None = None,
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
        self.backend_name = scorer.backend_name
        self.backend_id = scorer.backend_id
        self.is_fallback = bool(scorer.is_fallback)
        self.fallback_reason = getattr(scorer, "fallback_reason", None)

    @property
    def redactor(self) -> PiiDetector:
        if getattr(self, "_redactor", None) is None:
            self._redactor = PiiDetector()
        return self._redactor

    def plan(self, estimated_rows: int | None) -> None:
        """Spread at most ``max_rows`` scored rows evenly over the estimated row count."""
        if self.max_rows and estimated_rows and estimated_rows > self.max_rows:
            self.sample_of = int(estimated_rows)

    def update(self, batch) -> None:
        chunk = Chunk.of(batch)
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
            if getattr(self, "tick", None) is not None:
                self.tick("Scoring toxicity")
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

    def result(self, context: ReportContext | None = None) -> ToxicitySection:
        shown = shown_groups(context) if context is not None else None
        return ToxicitySection.model_validate(self.scores(shown_groups=shown))

    def scores(self, *, shown_groups: dict[str, list[str]] | None = None) -> dict:
        overall = self.overall.to_dict()
        by_group = {}
        for col, accs in self.groups.items():
            keep = (shown_groups or {}).get(col)
            pooled: dict[str, _Acc] = {}
            for g, acc in accs.items():
                key = g if keep is None or g in keep or g == "(missing)" else "other"
                pooled.setdefault(key, _Acc()).merge(acc)
            by_group[col] = {
                g: acc.to_dict()
                for g, acc in sorted(pooled.items(), key=lambda kv: (-kv[1].n, kv[0]))
            }
        top = sorted(self._top, reverse=True)
        return {
            "backend": self.backend_name,
            "backend_id": self.backend_id,
            "is_fallback": self.is_fallback,
            "fallback_reason": self.fallback_reason,
            "threshold": self.threshold,
            "scored_rows": overall["n"],
            "rows": self.rows_seen,
            "sampled": overall["n"] < self.rows_seen,
            "mean": overall["mean"],
            "share_above_threshold": overall["share_above_threshold"],
            "histogram": {"edges": _EDGES.tolist(), "counts": overall["histogram"]},
            "by_group": by_group,
            "top_examples": [
                {"row": -neg_row + 1, "score": s, "text": self.redactor.redact(t)[:300]}
                for s, neg_row, t in top
            ],
            "batch_size": self.batch_size,
            "seconds": self.seconds,
            "rows_per_second": overall["n"] / self.seconds if self.seconds else None,
        }

    # -- reading the section ------------------------------------------------------------------
    @classmethod
    def warnings(cls, section: Section, context: ReportContext) -> list[str]:
        assert isinstance(section, ToxicitySection)
        out = []
        if section.is_fallback:
            reason = section.fallback_reason or ""
            out.append(
                f"Toxicity scored by the {section.backend}: it catches swearing, not every "
                f"insult or threat. {reason}".strip()
            )
        if section.sampled:
            out.append(
                f"Toxicity scored on {section.scored_rows:,} evenly spaced rows of "
                f"{section.rows:,}."
            )
        return out

    @classmethod
    def findings(cls, section: Section, context: ReportContext) -> list[Finding]:
        from backend.audit.findings import pct  # noqa: PLC0415

        assert isinstance(section, ToxicitySection)
        if not section.scored_rows:
            return []
        worst = None
        for col, groups in section.by_group.items():
            for g, v in groups.items():
                if g in ("(missing)", "other") or v["n"] < 30:
                    continue
                if worst is None or (v["share_above_threshold"] or 0) > worst[2]:
                    worst = (col, g, v["share_above_threshold"] or 0)
        extra = f"; highest group: {worst[1]} ({worst[0]}) at {pct(worst[2])}" if worst else ""
        sampled = (
            f" (scored {section.scored_rows:,} of {section.rows:,} rows)" if section.sampled else ""
        )
        share = section.share_above_threshold
        return [
            Finding(
                check=cls.name,
                severity="warning" if (share or 0) >= 0.05 else "info",
                text=f"{pct(share)} of rows score at or above {section.threshold:g} for "
                f"toxicity{extra}. Scored by {section.backend}{sampled}.",
            )
        ]

    @classmethod
    def observations(cls, section: Section, context: ReportContext) -> list[Observation]:
        assert isinstance(section, ToxicitySection)
        value = finite_number(section.share_above_threshold)
        return [] if value is None else [Observation("dataset_toxic_share", value)]

    @classmethod
    def card_fields(cls, section: Section, context: ReportContext, card_kind) -> list[CardField]:
        from backend.cards.formatting import fmt_num, fmt_pct, group_stats_table  # noqa: PLC0415

        assert isinstance(section, ToxicitySection)
        if card_kind != "data":
            return []
        lines = [f"Scored by: {section.backend}"] if section.backend else []
        if section.fallback_reason:
            lines.append(section.fallback_reason)
        if section.mean is not None:
            lines.append(f"Mean toxicity score: {fmt_num(section.mean)}")
        if section.share_above_threshold is not None:
            lines.append(f"Rows above the threshold: {fmt_pct(section.share_above_threshold)}")
        text = "\n".join(f"- {line}" for line in lines)
        by_group = group_stats_table(
            section.by_group,
            [
                ("n", "rows"),
                ("mean", "mean score"),
                ("share_above_threshold", "share above threshold"),
            ],
        )
        if by_group:
            text += "\n\n" + by_group
        return [CardField("known_biases", "toxicity", text)]

    @classmethod
    def comparison(cls, section: Section) -> dict[str, float | None]:
        assert isinstance(section, ToxicitySection)
        return {
            "Toxicity mean": section.mean,
            "Toxic share (≥ threshold)": section.share_above_threshold,
        }

    @classmethod
    def headline(cls, section: Section | None) -> list[Headline]:
        from backend.audit.findings import pct  # noqa: PLC0415

        if not isinstance(section, ToxicitySection):
            return [Headline("Toxic share", "–")]
        share = section.share_above_threshold
        return [
            Headline(
                "Toxic share",
                "–" if share is None else pct(share),
                f"≥ {section.threshold:g}",
                help=f"Scored by {section.backend}.",
            )
        ]
