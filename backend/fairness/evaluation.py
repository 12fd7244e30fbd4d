"""One fairness evaluation: measure per-group metrics, disparities and bias AUCs.

:func:`evaluate` turns a table of labels, predictions (and optionally scores, text) with
sensitive columns into a JSON-able report (the CLI's ``--json`` output and the content
of the ``evaluation`` artifact, read back as :class:`~backend.fairness.report.EvaluationReport`).
The rooms around it:

* :mod:`backend.fairness.request`: what to evaluate and the ranges a user may set;
* :mod:`backend.fairness.inputs`: input checks and label handling;
* :mod:`backend.fairness.findings`: the sentences, and the observations the alerts hear
  (gaps above ``bias_disparity`` of the alert thresholds file, the one threshold both use);
* :mod:`backend.fairness.report`: the typed report and :func:`save_evaluation`;
* :mod:`backend.fairness.sources`: fine-tune runs, tables and the demo baseline.

The names of those rooms that callers used to import from here are re-exported.
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pandas as pd

from backend.errors import StewardError
from backend.fairness import bias_auc as bauc
from backend.fairness.findings import (
    ALERT_MEASURES,
    MEASURE_LABELS,
    evaluation_findings,
    finding_sentence,
    gap_observations,
)
from backend.fairness.identity import find_terms
from backend.fairness.inputs import (
    BinaryLabels,
    as_label_strings,
    binarize_labels,
    check_columns,
    check_group_labels,
)
from backend.fairness.metrics import (
    METRICS,
    ColumnResult,
    group_metrics,
    overall_metrics,
)
from backend.fairness.report import (
    SCHEMA,
    EvaluationReport,
    evaluation_observations,
    gaps_above_threshold,
    save_evaluation,
)
from backend.fairness.request import (
    MAX_GROUP_LABEL_CHARS,
    OPTION_LABELS,
    EvaluationLimits,
    EvaluationRequest,
    alert_threshold,
)
from backend.fairness.sources import (
    RunSource,
    demo_request,
    guess_columns,
    list_run_sources,
    run_request,
)

_MISSING_GROUP = "(missing)"
_MAX_INTERSECTION_COLUMNS = 4
#: Derived sensitive column when only a text column is given.
IDENTITY_COLUMN = "identity mention (from text)"

_MENTIONS = "mentions an identity term"


def with_identity_column(frame: pd.DataFrame, text_col: str) -> pd.DataFrame:
    """``frame`` plus :data:`IDENTITY_COLUMN`: whether each text mentions an identity term."""
    mentions = np.zeros(len(frame), dtype=bool)
    for mask in find_terms(frame[text_col].tolist()).values():
        mentions |= mask
    return frame.assign(**{IDENTITY_COLUMN: np.where(mentions, _MENTIONS, "no identity term")})


def evaluate(req: EvaluationRequest, *, progress=None) -> dict:
    """Measure per-group metrics, disparities, bias AUCs; explain them in sentences.

    Raises :class:`StewardError` for input that cannot be evaluated at all (missing
    columns, no rows left); everything else degrades to partial results plus warnings.
    """
    check_columns(req)
    warnings: list[str] = []
    frame = req.frame
    n_input = len(frame)
    if not req.sensitive:
        # No sensitive column: compare rows that mention an identity term with the rest,
        # and let every term found be a bias-AUC subgroup.
        frame = with_identity_column(frame, req.text_col)
        req = dataclasses.replace(req, frame=frame, sensitive=[IDENTITY_COLUMN])
        n_mentions = int((frame[IDENTITY_COLUMN] == _MENTIONS).sum())
        warnings.append(
            f"No sensitive column: groups come from identity terms in '{req.text_col}' "
            f"({n_mentions:,} of {len(frame):,} rows mention one)."
        )
    keep = frame[req.y_true].notna() & frame[req.y_pred].notna()
    if not keep.all():
        warnings.append(
            f"{int((~keep).sum()):,} row(s) without a label or prediction were left out."
        )
    frame = frame[keep].reset_index(drop=True)
    if len(frame) < 2:
        raise StewardError(
            f"Only {len(frame)} row(s) have both a label and a prediction: nothing to evaluate."
        )
    labels = binarize_labels(frame[req.y_true], frame[req.y_pred], req.pos_label, warnings)
    metrics = METRICS if labels.binary else ("accuracy",)

    groups: dict[str, np.ndarray] = {}
    for col in req.sensitive:
        values = frame[col]
        if values.isna().any():
            warnings.append(
                f"{int(values.isna().sum()):,} row(s) have no value for {col}; they form the "
                f"group '{_MISSING_GROUP}'."
            )
        group_names = as_label_strings(values.fillna(""))
        check_group_labels(col, group_names)
        groups[col] = np.where(values.isna(), _MISSING_GROUP, group_names).astype(object)

    if progress:
        progress(0.1, "Per-group metrics")
    overall = overall_metrics(
        labels.y_true, labels.y_pred, metrics=metrics, n_boot=req.n_boot, seed=req.seed
    )
    rng = np.random.default_rng(req.seed)
    columns: dict[str, ColumnResult] = {}
    for col in req.sensitive:
        columns[col] = group_metrics(
            labels.y_true,
            labels.y_pred,
            groups[col],
            column=col,
            metrics=metrics,
            n_boot=req.n_boot,
            ci=req.ci,
            min_group_size=req.min_group_size,
            rng=rng,
        )
        warnings.extend(columns[col].warnings)

    if progress:
        progress(0.4, "Intersections")
    intersections = {}
    inter_cols = req.sensitive[:_MAX_INTERSECTION_COLUMNS]
    for a, b in itertools.combinations(inter_cols, 2):
        # Object arrays of Python strings (np.char would make fixed-width copies).
        combined = np.array(
            [f"{x} | {y}" for x, y in zip(groups[a].tolist(), groups[b].tolist(), strict=True)],
            dtype=object,
        )
        res = group_metrics(
            labels.y_true,
            labels.y_pred,
            combined,
            column=f"{a} × {b}",
            metrics=metrics,
            n_boot=req.n_boot,
            ci=req.ci,
            min_group_size=req.min_group_size,
            rng=rng,
        )
        intersections[f"{a} × {b}"] = {
            "columns": [a, b],
            "by_group": res.to_dict(),
            "disparities": res.disparities_dict(),
            "n_groups_small": sum(1 for g in res.groups.values() if g.n < req.min_group_size),
        }
    if len(req.sensitive) > _MAX_INTERSECTION_COLUMNS:
        warnings.append(
            f"Intersections are computed for the first {_MAX_INTERSECTION_COLUMNS} sensitive "
            f"columns only."
        )

    if progress:
        progress(0.6, "Bias AUCs")
    bias = _bias_section(req, frame, labels, groups, warnings)

    report = {
        "schema": SCHEMA,
        "source": req.source,
        "n_rows": len(frame),
        "n_rows_input": n_input,
        "columns": {
            "y_true": req.y_true,
            "y_pred": req.y_pred,
            "y_score": req.y_score,
            "text": req.text_col,
            "sensitive": list(req.sensitive),
        },
        "label_mode": "binary" if labels.binary else "multiclass",
        "positive_label": labels.positive,
        "settings": {
            "n_boot": req.n_boot,
            "seed": req.seed,
            "ci": req.ci,
            "min_group_size": req.min_group_size,
            "disparity_threshold": req.threshold,
            "bootstrap": "stratified by group; rates from multinomial resamples of "
            "confusion counts",
        },
        "overall": {m: v["value"] for m, v in overall.items()},
        "overall_ci": overall,
        "by_group": {col: res.to_dict() for col, res in columns.items()},
        "disparities": _worst_disparities(columns),
        "disparities_by_column": {col: res.disparities_dict() for col, res in columns.items()},
        "intersections": intersections,
        **bias,
        "warnings": warnings,
    }
    findings, details = evaluation_findings(columns, report, req)
    report["findings"] = findings
    report["finding_details"] = details
    report["observations"] = [
        {"metric": ob.metric, "value": ob.value, "record": ob.record, "context": dict(ob.context)}
        for ob in gap_observations(columns, req.source)
    ]
    if progress:
        progress(1.0, "Done")
    return report


def _worst_disparities(columns: dict[str, ColumnResult]) -> dict:
    """Per metric, the column with the largest difference (its difference and ratio)."""
    out: dict = {}
    for col, res in columns.items():
        for m, d in res.disparities.items():
            if d.difference is None:
                continue
            if m not in out or d.difference > out[m]["difference"]:
                out[m] = {**d.to_dict(), "column": col}
    return out


def _bias_section(req, frame, labels: BinaryLabels, groups, warnings: list[str]) -> dict:
    empty = {"bias_auc": {}, "bias_auc_summary": None, "final_bias_score": None, "roc": {}}
    if not req.y_score:
        return empty
    if not labels.binary:
        warnings.append("Bias AUCs need binary labels; they were skipped.")
        return empty
    scores = pd.to_numeric(frame[req.y_score], errors="coerce").to_numpy(dtype=float)
    finite = np.isfinite(scores)
    if not finite.any():
        warnings.append(
            f"Score column {req.y_score} has no numeric values: bias AUCs and ROC curves were "
            f"skipped (per-group metrics use the predictions)."
        )
        return empty
    if not finite.all():
        warnings.append(
            f"{int((~finite).sum()):,} row(s) have a missing or non-numeric score; bias AUCs "
            f"and ROC curves use the other {int(finite.sum()):,}."
        )
    y, s = labels.y_true[finite], scores[finite]
    subgroups: dict[str, np.ndarray] = {}
    origin: dict[str, str] = {}
    for col, g in groups.items():
        g = g[finite]
        for value in pd.unique(g):
            key = f"{col} = {value}"
            subgroups[key] = g == value
            origin[key] = col
    if req.text_col:
        texts = frame[req.text_col].to_numpy()[finite]
        for term, mask in find_terms(texts).items():
            key = f"mentions '{term}'"
            subgroups[key] = mask
            origin[key] = "text"
    result = bauc.bias_aucs(y, s, subgroups, min_size=2, summary_min_size=req.min_group_size)
    warnings.extend(result.warnings)
    roc = {"overall": bauc.roc_points(y, s)}
    for key in result.subgroups:
        if origin[key] != "text" or result.subgroups[key].n >= 10:
            pts = bauc.roc_points(y[subgroups[key]], s[subgroups[key]], max_points=40)
            if pts is not None:
                roc[key] = pts
    return {
        "bias_auc": {k: {**r.to_dict(), "source": origin[k]} for k, r in result.subgroups.items()},
        "bias_auc_summary": {
            "overall_auc": result.overall_auc,
            "generalized_means": result.generalized_means,
            "power": bauc.POWER,
            "formula": "0.25 * overall AUC + 0.75 * mean of the generalized means (p = -5) "
            "of subgroup, BPSN and BNSP AUCs",
        },
        "final_bias_score": result.final_bias_score,
        "roc": roc,
    }


__all__ = [
    "ALERT_MEASURES",
    "IDENTITY_COLUMN",
    "MAX_GROUP_LABEL_CHARS",
    "MEASURE_LABELS",
    "OPTION_LABELS",
    "SCHEMA",
    "BinaryLabels",
    "EvaluationLimits",
    "EvaluationReport",
    "EvaluationRequest",
    "RunSource",
    "alert_threshold",
    "binarize_labels",
    "check_group_labels",
    "demo_request",
    "evaluate",
    "evaluation_observations",
    "finding_sentence",
    "gaps_above_threshold",
    "guess_columns",
    "list_run_sources",
    "run_request",
    "save_evaluation",
    "with_identity_column",
]
