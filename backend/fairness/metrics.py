"""Per-group classification metrics with fast, seeded bootstrap confidence intervals.

Point estimates come from fairlearn's :class:`~fairlearn.metrics.MetricFrame` (per group,
with its ``difference()`` and ``ratio()`` summaries). Confidence intervals do NOT use
``MetricFrame(n_boot=...)``: that recomputes the whole frame per resample (18 s for 4.9k
rows, see FACTS.md). Every metric here is a ratio of confusion counts, and resampling the
rows of one group with replacement is exactly a multinomial draw over its four confusion
cells (tn, fp, fn, tp) with the observed proportions. So 1,000 resamples of a group are one
``rng.multinomial`` call: the same bootstrap, in milliseconds.

Groups are resampled independently (a stratified bootstrap: each group keeps its size),
and resample ``b`` of every group is used together, so the interval of a difference
between two groups, or of the max-minus-min spread, comes from the same draws.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from backend.observations import finite_number

#: Binary-classification metrics reported per group, in display order.
METRICS: tuple[str, ...] = ("accuracy", "precision", "recall", "fpr", "fnr", "selection_rate")

#: Human-readable names (findings sentences, chart labels).
METRIC_LABELS = {
    "accuracy": "accuracy",
    "precision": "precision",
    "recall": "recall (true-positive rate)",
    "fpr": "false-positive rate",
    "fnr": "false-negative rate",
    "selection_rate": "selection rate",
    "count": "count",
}
METRIC_SHORT = {
    "accuracy": "Accuracy",
    "precision": "Precision",
    "recall": "Recall",
    "fpr": "FPR",
    "fnr": "FNR",
    "selection_rate": "Selection rate",
}

# Confusion cell order used everywhere in this module.
_TN, _FP, _FN, _TP = 0, 1, 2, 3


def _safe_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def rates_from_counts(counts: np.ndarray) -> dict[str, np.ndarray]:
    """Metric values from confusion counts ``(..., 4)`` ordered tn, fp, fn, tp.

    A rate whose denominator is empty (no actual positives for recall, say) is NaN,
    never 0: "undefined" and "perfect" must not look alike.
    """
    c = np.asarray(counts, dtype=float)
    tn, fp, fn, tp = c[..., _TN], c[..., _FP], c[..., _FN], c[..., _TP]
    n = tn + fp + fn + tp
    return {
        "accuracy": _safe_div(tp + tn, n),
        "precision": _safe_div(tp, tp + fp),
        "recall": _safe_div(tp, tp + fn),
        "fpr": _safe_div(fp, fp + tn),
        "fnr": _safe_div(fn, fn + tp),
        "selection_rate": _safe_div(tp + fp, n),
    }


def _denominators(counts: np.ndarray) -> dict[str, int]:
    tn, fp, fn, tp = (int(x) for x in counts)
    n = tn + fp + fn + tp
    return {
        "accuracy": n,
        "precision": tp + fp,
        "recall": tp + fn,
        "fpr": fp + tn,
        "fnr": fn + tp,
        "selection_rate": n,
    }


def confusion_counts(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Counts ``[tn, fp, fn, tp]`` for binary 0/1 arrays."""
    codes = 2 * np.asarray(y_true, dtype=int) + np.asarray(y_pred, dtype=int)
    return np.bincount(codes, minlength=4)[:4]


def bootstrap_counts(counts: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """``n_boot`` bootstrap resamples of one group's confusion counts, shape ``(n_boot, 4)``.

    Drawing n rows with replacement from the group and re-counting cells is a
    multinomial draw with the observed cell proportions; this samples it directly.
    """
    counts = np.asarray(counts, dtype=np.int64)
    n = int(counts.sum())
    if n == 0:
        return np.zeros((n_boot, 4), dtype=np.int64)
    return rng.multinomial(n, counts / n, size=n_boot)


def interval(draws: np.ndarray, ci: float = 0.95) -> tuple[float | None, float | None]:
    """Percentile interval of bootstrap draws, ignoring resamples where it is undefined.

    Returns ``(None, None)`` when fewer than half the resamples define the value (a
    rate over a denominator that is usually empty has no meaningful interval).
    """
    draws = np.asarray(draws, dtype=float)
    ok = draws[~np.isnan(draws)]
    if len(ok) == 0 or len(ok) < 0.5 * len(draws):
        return None, None
    alpha = (1 - ci) / 2
    lo, hi = np.quantile(ok, [alpha, 1 - alpha])
    return float(lo), float(hi)


def wilson_interval(successes: int, total: int, ci: float = 0.95) -> tuple[float, float] | None:
    """Wilson score interval for a proportion (None when ``total`` is 0)."""
    if total <= 0:
        return None
    from scipy.stats import norm

    z = float(norm.ppf(1 - (1 - ci) / 2))
    p = successes / total
    den = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / den
    half = z * np.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / den
    return max(0.0, centre - half), min(1.0, centre + half)


_NUMERATOR_CELLS = {
    "accuracy": ((_TP, _TN), None),
    "precision": ((_TP,), (_TP, _FP)),
    "recall": ((_TP,), (_TP, _FN)),
    "fpr": ((_FP,), (_FP, _TN)),
    "fnr": ((_FN,), (_FN, _TP)),
    "selection_rate": ((_TP, _FP), None),
}


def _group_interval(
    draws: np.ndarray, counts: np.ndarray, metric: str, ci: float
) -> tuple[tuple[float | None, float | None], str]:
    """Bootstrap percentile interval; Wilson when the bootstrap collapses to a point.

    A rate of exactly 0 or 1 in a small group resamples to the same value every time
    (e.g. 8 of 8 correct gives the "interval" [1, 1]), which would claim certainty the
    data do not have. The Wilson score interval stays honest there.
    """
    lo, hi = interval(draws, ci)
    if lo is not None and hi > lo:
        return (lo, hi), "bootstrap"
    num_cells, den_cells = _NUMERATOR_CELLS[metric]
    num = int(sum(counts[c] for c in num_cells))
    den = int(counts.sum() if den_cells is None else sum(counts[c] for c in den_cells))
    w = wilson_interval(num, den, ci)
    if w is None:
        return (lo, hi), "bootstrap"
    return w, "wilson"


@dataclass
class GroupResult:
    """Metrics of one group: value, interval and size for each metric."""

    name: str
    n: int
    counts: np.ndarray
    values: dict[str, float | None]
    ci: dict[str, tuple[float | None, float | None]]
    support: dict[str, int]
    ci_method: dict[str, str] = field(default_factory=dict)
    draws: dict[str, np.ndarray] = field(repr=False, default_factory=dict)

    def to_dict(self, metrics: tuple[str, ...]) -> dict:
        out: dict = {}
        for m in metrics:
            lo, hi = self.ci.get(m, (None, None))
            out[m] = {
                "value": finite_number(self.values.get(m)),
                "ci_low": finite_number(lo),
                "ci_high": finite_number(hi),
                "n": self.n,
                "support": int(self.support.get(m, self.n)),
                "ci_method": self.ci_method.get(m, "bootstrap"),
            }
        out["count"] = {"value": self.n, "ci_low": None, "ci_high": None, "n": self.n}
        return out


@dataclass
class Disparity:
    """Max-minus-min difference and min/max ratio of one metric across compared groups."""

    metric: str
    difference: float | None
    ratio: float | None
    ci_low: float | None
    ci_high: float | None
    high_group: str | None
    low_group: str | None

    def to_dict(self) -> dict:
        return {
            "difference": finite_number(self.difference),
            "ratio": finite_number(self.ratio),
            "ci_low": finite_number(self.ci_low),
            "ci_high": finite_number(self.ci_high),
            "high_group": self.high_group,
            "low_group": self.low_group,
        }


@dataclass
class ColumnResult:
    """Everything measured for one sensitive column (or one intersection of columns)."""

    column: str
    metrics: tuple[str, ...]
    groups: dict[str, GroupResult]
    compared: list[str]
    disparities: dict[str, Disparity]
    warnings: list[str]
    excluded: dict[str, int]

    def to_dict(self) -> dict:
        return {g.name: g.to_dict(self.metrics) for g in self.groups.values()}

    def disparities_dict(self) -> dict:
        return {m: d.to_dict() for m, d in self.disparities.items()}


def group_codes(groups) -> tuple[np.ndarray, list[str]]:
    """Group labels as ``(codes, names)``: an int64 code per row into sorted names.

    Labels are compared as strings (``1`` and ``"1"`` are one group). The labels stay
    Python strings in an object array, never a fixed-width numpy string array.
    """
    labels = pd.Series(np.asarray(groups, dtype=object), dtype=object).map(str)
    codes, uniques = pd.factorize(labels, sort=True, use_na_sentinel=False)
    return codes.astype(np.int64), [str(u) for u in uniques]


def _metricframe_values(
    y_true: np.ndarray, y_pred: np.ndarray, groups: np.ndarray, metrics: tuple[str, ...]
) -> pd.DataFrame:
    """Point estimates per group through fairlearn's MetricFrame.

    The metric callables compute from confusion counts so that an empty denominator is
    NaN (sklearn's scorers would warn and return 0, which reads as a real value).
    """
    from fairlearn.metrics import MetricFrame

    def make(name: str):
        def metric(yt, yp):
            return float(rates_from_counts(confusion_counts(yt, yp))[name])

        metric.__name__ = name
        return metric

    mf = MetricFrame(
        metrics={m: make(m) for m in metrics},
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=pd.Series(groups, name="group"),
    )
    return mf.by_group


def group_metrics(
    y_true,
    y_pred,
    groups,
    *,
    column: str,
    metrics: tuple[str, ...] = METRICS,
    n_boot: int = 1000,
    seed: int = 0,
    ci: float = 0.95,
    min_group_size: int = 30,
    rng: np.random.Generator | None = None,
) -> ColumnResult:
    """Per-group metrics with bootstrap intervals, and disparity summaries.

    Parameters
    ----------
    y_true, y_pred : array-like of 0/1
    groups : array-like of group labels (strings), same length.
    column : name used in messages.
    n_boot : bootstrap resamples (seeded by ``seed``).
    min_group_size : groups smaller than this are measured and shown but left out of
        the disparity summaries (their gaps are mostly noise); groups with fewer than
        two rows are not measured at all.

    Returns
    -------
    ColumnResult
    """
    y_true = np.asarray(y_true, dtype=int)
    y_pred = np.asarray(y_pred, dtype=int)
    # Integer codes per row, names once per group: a fixed-width string array ('<U')
    # would give every row the width of the longest label (one 100,000-character label
    # in 15,000 rows is 6 GB).
    codes, names = group_codes(groups)
    rng = rng or np.random.default_rng(seed)
    warnings: list[str] = []

    sizes = np.bincount(codes, minlength=len(names))
    excluded = {names[k]: int(n) for k, n in enumerate(sizes.tolist()) if n < 2}
    for g, n in excluded.items():
        warnings.append(
            f"{column} = {g} has {n} row: too few to measure, left out of every result for "
            f"this column."
        )
    keep = sizes[codes] >= 2
    frame = _metricframe_values(y_true[keep], y_pred[keep], codes[keep], metrics)

    results: dict[str, GroupResult] = {}
    for code in frame.index:
        g = names[int(code)]
        mask = codes == code
        counts = confusion_counts(y_true[mask], y_pred[mask])
        draws_counts = bootstrap_counts(counts, n_boot, rng)
        draws = rates_from_counts(draws_counts)
        values = {m: finite_number(frame.loc[code, m]) for m in metrics}
        intervals = {m: _group_interval(draws[m], counts, m, ci) for m in metrics}
        results[g] = GroupResult(
            name=g,
            n=int(mask.sum()),
            counts=counts,
            values=values,
            ci={m: iv for m, (iv, _) in intervals.items()},
            ci_method={m: how for m, (_, how) in intervals.items()},
            support=_denominators(counts),
            draws={m: draws[m] for m in metrics},
        )

    # Sort groups by size (largest first) so tables and charts read naturally.
    results = dict(sorted(results.items(), key=lambda kv: -kv[1].n))
    compared = [g for g, r in results.items() if r.n >= min_group_size]
    small = [g for g, r in results.items() if r.n < min_group_size]
    if len(results) < 2:
        warnings.append(
            f"{column} has a single group ({', '.join(results) or 'none'}): there is nothing "
            f"to compare it with, so no disparities are reported for it."
        )
        compared = []
    elif len(compared) < 2:
        warnings.append(
            f"Fewer than two groups of {column} have at least {min_group_size} rows; "
            f"disparities compare all groups with 2+ rows and are very uncertain."
        )
        compared = list(results)
    if small and len(results) >= 2 and compared != list(results):
        listed = ", ".join(f"{g} (n = {results[g].n})" for g in small)
        warnings.append(
            f"Small groups in {column}: {listed}. Under {min_group_size} rows their "
            f"metrics are shown with wide intervals but left out of the disparity summary."
        )

    disparities = _disparities(results, compared, metrics, ci) if len(compared) >= 2 else {}
    return ColumnResult(
        column=column,
        metrics=metrics,
        groups=results,
        compared=compared,
        disparities=disparities,
        warnings=warnings,
        excluded=excluded,
    )


def _disparities(
    results: dict[str, GroupResult], compared: list[str], metrics: tuple[str, ...], ci: float
) -> dict[str, Disparity]:
    out: dict[str, Disparity] = {}
    for m in metrics:
        vals = {g: results[g].values[m] for g in compared if results[g].values[m] is not None}
        if len(vals) < 2:
            out[m] = Disparity(m, None, None, None, None, None, None)
            continue
        hi_g = max(vals, key=vals.get)
        lo_g = min(vals, key=vals.get)
        hi, lo = vals[hi_g], vals[lo_g]
        stacked = np.vstack([results[g].draws[m] for g in vals])
        with np.errstate(all="ignore"), _quiet_nan():
            spread = np.nanmax(stacked, axis=0) - np.nanmin(stacked, axis=0)
        ci_lo, ci_hi = interval(spread, ci)
        out[m] = Disparity(
            metric=m,
            difference=hi - lo,
            ratio=(lo / hi) if hi > 0 else None,
            ci_low=ci_lo,
            ci_high=ci_hi,
            high_group=hi_g,
            low_group=lo_g,
        )
    # fairlearn's summary measures, from the same per-group values.
    sr = out.get("selection_rate")
    if sr is not None:
        out["demographic_parity"] = Disparity(
            "demographic_parity",
            sr.difference,
            sr.ratio,
            sr.ci_low,
            sr.ci_high,
            sr.high_group,
            sr.low_group,
        )
    rec, fpr = out.get("recall"), out.get("fpr")
    if rec is not None and fpr is not None and None not in (rec.difference, fpr.difference):
        worst = rec if rec.difference >= fpr.difference else fpr
        ratios = [r for r in (rec.ratio, fpr.ratio) if r is not None]
        out["equalized_odds"] = Disparity(
            "equalized_odds",
            max(rec.difference, fpr.difference),
            min(ratios) if ratios else None,
            None,
            None,
            worst.high_group,
            worst.low_group,
        )
    return out


class _quiet_nan:
    """Silence numpy's 'All-NaN slice' warnings inside nanmax/nanmin."""

    def __enter__(self):
        import warnings

        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)


@dataclass
class PairDifference:
    """Difference of one metric between two groups, with its bootstrap interval."""

    metric: str
    high_group: str
    low_group: str
    difference: float
    ci_low: float | None
    ci_high: float | None
    n_high: int
    n_low: int


def pair_difference(result: ColumnResult, metric: str, high: str, low: str) -> PairDifference:
    """Difference ``metric(high) - metric(low)`` using the stored bootstrap draws."""
    a, b = result.groups[high], result.groups[low]
    lo, hi = interval(a.draws[metric] - b.draws[metric])
    return PairDifference(
        metric=metric,
        high_group=high,
        low_group=low,
        difference=float(a.values[metric] - b.values[metric]),
        ci_low=lo,
        ci_high=hi,
        n_high=a.n,
        n_low=b.n,
    )


def overall_metrics(
    y_true, y_pred, *, metrics: tuple[str, ...] = METRICS, n_boot: int = 1000, seed: int = 0
) -> dict:
    """Metrics over all rows: metric -> {value, ci_low, ci_high, n}."""
    counts = confusion_counts(y_true, y_pred)
    rng = np.random.default_rng(seed)
    draws = rates_from_counts(bootstrap_counts(counts, n_boot, rng))
    values = rates_from_counts(counts)
    n = int(counts.sum())
    out = {}
    for m in metrics:
        (lo, hi), how = _group_interval(draws[m], counts, m, 0.95)
        out[m] = {
            "value": finite_number(values[m]),
            "ci_low": finite_number(lo),
            "ci_high": finite_number(hi),
            "n": n,
            "ci_method": how,
        }
    out["count"] = {"value": n, "ci_low": None, "ci_high": None, "n": n}
    return out
