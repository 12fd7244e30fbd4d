"""Representation: rows per group for each sensitive column and for pairs of them.

Counts are merged chunk by chunk. A column with thousands of distinct values is
summarised as its top groups plus ``other``; a column with more distinct values than
:data:`MAX_TRACKED` keeps the most frequent ones exactly and folds the long tail into
``other`` while streaming (the result then says it is approximate).
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations

from backend.audit.source import MISSING, Chunk, pair_counts, value_counts

OTHER = "other"
#: Distinct values tracked exactly per column before the long tail is folded into other.
MAX_TRACKED = 50_000
_KEEP_AFTER_PRUNE = 10_000
#: Pairs of sensitive columns whose intersections are counted.
MAX_PAIRS = 6
SEP = " | "


class RepresentationCheck:
    """Counts per group and per pair of groups; see :meth:`result`."""

    name = "representation"

    def __init__(self, columns: list[str]) -> None:
        self.columns = list(columns)
        self.pairs = list(combinations(self.columns, 2))[:MAX_PAIRS]
        self.rows = 0
        self.counts: dict[str, Counter] = {c: Counter() for c in self.columns}
        self.folded: dict[str, int] = {c: 0 for c in self.columns}
        self.pair_counts: dict[tuple[str, str], Counter] = {p: Counter() for p in self.pairs}

    def update(self, chunk: Chunk) -> None:
        self.rows += len(chunk)
        for col in self.columns:
            counter = self.counts[col]
            counter.update(value_counts(chunk.groups(col)))
            if len(counter) > MAX_TRACKED:
                self._prune(col)
        for a, b in self.pairs:
            self.pair_counts[(a, b)].update(pair_counts(chunk.groups(a), chunk.groups(b)))

    def _prune(self, col: str) -> None:
        counter = self.counts[col]
        keep = dict(counter.most_common(_KEEP_AFTER_PRUNE))
        self.folded[col] += sum(counter.values()) - sum(keep.values())
        self.counts[col] = Counter(keep)

    def merge(self, other: RepresentationCheck) -> None:
        """Add another partial result (same columns) into this one."""
        self.rows += other.rows
        for col in self.columns:
            self.counts[col].update(other.counts[col])
            self.folded[col] += other.folded[col]
        for pair in self.pairs:
            self.pair_counts[pair].update(other.pair_counts[pair])

    # ----------------------------------------------------------------------------------
    def result(
        self,
        *,
        reference: dict[str, dict[str, float]] | None = None,
        min_ratio: float = 0.5,
        min_count: int = 30,
        max_groups: int = 20,
    ) -> dict:
        """Shares, reference shares, ratios and flags.

        Returns a dict with ``by_column`` (column -> group -> count, share,
        reference_share, ratio, flagged, reason), ``meta`` per column, ``flagged`` (list)
        and ``intersections``.
        """
        reference = reference or {}
        by_column, meta, flagged = {}, {}, []
        for col in self.columns:
            counter = self.counts[col]
            total = sum(counter.values()) + self.folded[col]
            present = {g: n for g, n in counter.items() if g != MISSING}
            distinct = len(present)
            ref = reference.get(col)
            ref_source = "file" if ref else "uniform"
            if not ref:
                # Uniform over observed groups; meaningless for id-like columns, so no flags.
                ref = {g: 1 / distinct for g in present} if 0 < distinct <= 200 else {}
            top = sorted(present.items(), key=lambda kv: (-kv[1], kv[0]))
            summarised = distinct > max_groups or self.folded[col] > 0
            shown = top[: max_groups - 1] if summarised else top
            groups = {}
            for g, n in shown:
                share = n / total if total else 0.0
                ref_share = ref.get(g)
                ratio = share / ref_share if ref_share else None
                reason = None
                if n < min_count:
                    reason = f"fewer than {min_count} rows"
                elif ratio is not None and ratio < min_ratio:
                    reason = f"share is {ratio:.2f}× its reference (below {min_ratio:g}×)"
                groups[g] = {
                    "count": int(n),
                    "share": share,
                    "reference_share": ref_share,
                    "ratio": ratio,
                    "flagged": reason is not None and not summarised,
                    "reason": reason,
                }
                if reason is not None and not summarised:
                    flagged.append(
                        {"column": col, "group": g, "count": int(n), "share": share,
                         "reference_share": ref_share, "ratio": ratio, "reason": reason}
                    )  # fmt: skip
            # Reference groups that never appear are the most under-represented of all.
            for g, ref_share in (reference.get(col) or {}).items():
                if g not in present and ref_share > 0:
                    groups[g] = {
                        "count": 0, "share": 0.0, "reference_share": ref_share, "ratio": 0.0,
                        "flagged": True, "reason": "absent from the data",
                    }  # fmt: skip
                    flagged.append(
                        {"column": col, "group": g, "count": 0, "share": 0.0,
                         "reference_share": ref_share, "ratio": 0.0,
                         "reason": "absent from the data"}
                    )  # fmt: skip
            rest = total - sum(n for _, n in shown) - counter.get(MISSING, 0)
            if summarised and rest > 0:
                groups[OTHER] = {
                    "count": int(rest), "share": rest / total, "reference_share": None,
                    "ratio": None, "flagged": False,
                    "reason": f"{distinct - len(shown):,}+ smaller groups combined",
                }  # fmt: skip
            if counter.get(MISSING):
                n = counter[MISSING]
                groups[MISSING] = {
                    "count": int(n), "share": n / total, "reference_share": None,
                    "ratio": None, "flagged": False, "reason": None,
                }  # fmt: skip
            by_column[col] = groups
            meta[col] = {
                "distinct_groups": distinct,
                "summarised": summarised,
                "approximate": self.folded[col] > 0,
                "reference": ref_source,
                "missing": int(counter.get(MISSING, 0)),
            }
        return {
            "by_column": by_column,
            "meta": meta,
            "flagged": flagged,
            "intersections": self._intersections(min_count=min_count, max_groups=max_groups),
            "min_ratio": min_ratio,
            "min_count": min_count,
        }

    def _intersections(self, *, min_count: int, max_groups: int) -> dict:
        out = {}
        for (a, b), counter in self.pair_counts.items():
            total = sum(counter.values())
            if not total:
                continue
            marg_a, marg_b = Counter(), Counter()
            for (ga, gb), n in counter.items():
                marg_a[ga] += n
                marg_b[gb] += n
            cells = sorted(
                ((k, n) for k, n in counter.items() if MISSING not in k),
                key=lambda kv: (-kv[1], kv[0]),
            )
            # Small intersections matter most: show the largest and the smallest cells.
            limit = max_groups * 2
            shown = cells if len(cells) <= limit else cells[:max_groups] + cells[-max_groups:]
            groups = {}
            for (ga, gb), n in shown:
                share = n / total
                expected = (marg_a[ga] / total) * (marg_b[gb] / total)
                groups[f"{ga}{SEP}{gb}"] = {
                    "count": int(n),
                    "share": share,
                    # Ratio to what independent columns would give: < 1 means this
                    # combination is rarer than its two groups alone predict.
                    "expected_share": expected,
                    "ratio": share / expected if expected else None,
                    "flagged": n < min_count,
                }
            out[f"{a} × {b}"] = {
                "columns": [a, b],
                "groups": groups,
                "cells": len(cells),
                "small_cells": sum(1 for _, n in cells if n < min_count),
                "shown": "all" if len(cells) <= limit else "largest and smallest",
            }
        return out
