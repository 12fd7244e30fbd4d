"""The words of a fairness evaluation: finding sentences (largest gaps first, small
groups, the worst bias AUCs) and the observations the alert thresholds compare.

Findings and alerts read one threshold, ``bias_disparity`` of the alert thresholds file
(:func:`backend.fairness.request.alert_threshold`).
"""

from __future__ import annotations

from backend.fairness.metrics import (
    METRIC_SHORT,
    ColumnResult,
    pair_difference,
)
from backend.numbers import format_number
from backend.observations import Observation, finite_number, short_digest

#: Disparity measures observed for the alert thresholds (per sensitive column).
ALERT_MEASURES = ("demographic_parity", "equalized_odds")
MEASURE_LABELS = {
    "demographic_parity": "Demographic-parity difference",
    "equalized_odds": "Equalized-odds difference",
}

_HIGHER_IS_WORSE = {"fpr", "fnr"}
_HIGHER_IS_BETTER = {"accuracy", "precision", "recall"}


def _fmt(x: float | None) -> str:
    return format_number(x, ".2f", missing="n/a")


def finding_sentence(col: str, d, threshold: float | None = None) -> str:
    """'FPR for ethnicity = black is 0.21 higher than for ethnicity = white (95 % CI ...).'"""
    metric = d.metric
    if metric in _HIGHER_IS_BETTER:
        subject, other, word = d.low_group, d.high_group, "lower"
        n_s, n_o = d.n_low, d.n_high
    else:
        subject, other, word = d.high_group, d.low_group, "higher"
        n_s, n_o = d.n_high, d.n_low
    # The interval is of (high - low), the same positive gap whichever group is the subject.
    ci_lo, ci_hi = d.ci_low, d.ci_high
    gap = abs(d.difference)
    ci = f"95 % CI {_fmt(ci_lo)}–{_fmt(ci_hi)}, " if ci_lo is not None else ""
    text = (
        f"{METRIC_SHORT[metric]} for {col} = {subject} is {gap:.2f} {word} than for "
        f"{col} = {other} ({ci}n = {n_s:,} vs {n_o:,})."
    )
    if threshold is not None and gap > threshold:
        text += f" Above the {threshold:.2f} threshold."
    if ci_lo is not None and ci_lo <= 0 <= ci_hi:
        text += " The interval includes 0, so this gap may be chance."
    return text


def evaluation_findings(
    columns: dict[str, ColumnResult], report: dict, req
) -> tuple[list[str], list[dict]]:
    candidates = []
    for col, res in columns.items():
        for m in res.metrics:
            if m == "recall" and "fnr" in res.metrics:
                continue  # recall gap == FNR gap; say it once
            d = res.disparities.get(m)
            if d is None or d.difference is None or d.high_group == d.low_group:
                continue
            pair = pair_difference(res, m, d.high_group, d.low_group)
            candidates.append((col, pair))
    candidates.sort(key=lambda cp: -abs(cp[1].difference))
    sentences: list[str] = []
    details: list[dict] = []
    # The largest gaps first, at most two per column so every column gets a say; gaps
    # under 0.02 are not worth a sentence.
    per_column: dict[str, int] = {}
    for col, pair in candidates:
        if len(details) >= 6 or per_column.get(col, 0) >= 2:
            continue
        if abs(pair.difference) < 0.02 and details:
            continue
        per_column[col] = per_column.get(col, 0) + 1
        sentences.append(finding_sentence(col, pair, req.threshold))
        details.append(
            {
                "column": col,
                "metric": pair.metric,
                "high_group": pair.high_group,
                "low_group": pair.low_group,
                "difference": pair.difference,
                "ci_low": pair.ci_low,
                "ci_high": pair.ci_high,
                "n_high": pair.n_high,
                "n_low": pair.n_low,
                "above_threshold": abs(pair.difference) > req.threshold,
            }
        )
    small = [
        f"{col} = {g.name} (n = {g.n})"
        for col, res in columns.items()
        for g in res.groups.values()
        if g.n < req.min_group_size
    ]
    if small:
        sentences.append(
            f"{len(small)} group(s) have fewer than {req.min_group_size} rows and are too small "
            f"to compare reliably: {', '.join(small[:6])}{', ...' if len(small) > 6 else ''}. "
            f"Their intervals are wide; collect more data for them."
        )
    bias = report.get("bias_auc") or {}
    if bias:
        reliable = {k: v for k, v in bias.items() if v.get("in_summary")}
        for kind, label, meaning in _WORST_AUC_SENTENCES:
            defined = {k: v for k, v in reliable.items() if v.get(kind) is not None}
            if defined:
                worst = min(defined, key=lambda k, kind=kind: defined[k][kind])
                sentences.append(
                    f"Lowest {label}: {worst} ({defined[worst][kind]:.2f}"
                    f"{_auc_ci(defined[worst], kind)}, n = {defined[worst]['n']:,}): {meaning}"
                )
        summary = report.get("bias_auc_summary") or {}
        if report.get("final_bias_score") is not None:
            sentences.append(
                f"Final bias score {report['final_bias_score']:.3f} (overall AUC "
                f"{summary.get('overall_auc', 0):.3f}; 1.0 would mean no measured bias)."
            )
    if not sentences:
        sentences.append("No group differences could be measured (see warnings).")
    return sentences, details


#: The worst subgroup of each bias AUC, in words: (key, name, what a low value means).
_WORST_AUC_SENTENCES = (
    (
        "bpsn_auc",
        "BPSN AUC",
        "its non-toxic rows score above toxic rows elsewhere more often than for any other "
        "subgroup (false positives).",
    ),
    (
        "bnsp_auc",
        "BNSP AUC",
        "its toxic rows score below non-toxic rows elsewhere more often than for any other "
        "subgroup (missed positives).",
    ),
)


def _auc_ci(entry: dict, kind: str) -> str:
    ci = (entry.get("ci") or {}).get(kind)
    return f", approx. 95 % CI {ci[0]:.2f}–{ci[1]:.2f}" if ci else ""


def gap_observations(columns: dict[str, ColumnResult], source: dict) -> list[Observation]:
    """Each column's demographic-parity and equalized-odds gap, with the group rates behind it.

    The record is what was evaluated (the source's title): the same evaluation run twice
    is the same record, so its alerts are raised once.
    """
    record = f"evaluated:{short_digest(str(source.get('title') or source.get('kind')))}"
    out = []
    for col, res in columns.items():
        for measure in ALERT_MEASURES:
            d = res.disparities.get(measure)
            if d is None or finite_number(d.difference) is None:
                continue
            if measure == "equalized_odds":
                rec, fpr = res.disparities["recall"], res.disparities["fpr"]
                worst = rec if rec.difference >= fpr.difference else fpr
                name = "recall" if worst is rec else "fpr"
                hi = res.groups[worst.high_group].values[name]
                lo = res.groups[worst.low_group].values[name]
                detail = f"{METRIC_SHORT[name]} {worst.high_group} {hi:.2f} vs {worst.low_group} {lo:.2f}"
            else:
                hi = res.groups[d.high_group].values["selection_rate"]
                lo = res.groups[d.low_group].values["selection_rate"]
                detail = f"selection rate {d.high_group} {hi:.2f} vs {d.low_group} {lo:.2f}"
            words = {
                "part": f"{col}/{measure}",
                "what": f"{MEASURE_LABELS[measure]} for {col}",
                "column": col,
                "detail": detail,
            }
            out.append(Observation("bias_disparity", abs(float(d.difference)), record, words))
    return out
