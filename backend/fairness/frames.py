"""Tidy DataFrames from stored fairness results, for tables and chart builders.

Stored reports are parsed once where they are read (:mod:`backend.fairness.report`);
these functions turn the typed reports into flat frames, so pages and the chart builders
in ``components/fairness_charts.py`` never walk the JSON themselves.
"""

from __future__ import annotations

import pandas as pd

from backend.fairness.metrics import METRIC_SHORT
from backend.fairness.report import EvaluationReport, MitigationReport, ProbeReport


def by_group_frame(report: EvaluationReport, column: str) -> pd.DataFrame:
    """One row per (group, metric): group, metric, value, ci_low, ci_high, n, small."""
    min_size = report.settings.min_group_size
    rows = []
    for group, metrics in report.by_group.get(column, {}).items():
        for metric, cell in metrics.items():
            if metric == "count":
                continue
            rows.append(
                {
                    "group": group,
                    "metric": metric,
                    "value": cell.value,
                    "ci_low": cell.ci_low,
                    "ci_high": cell.ci_high,
                    "n": cell.n,
                    "support": cell.support,
                    "small": (cell.n or 0) < min_size,
                }
            )
    return pd.DataFrame(
        rows, columns=["group", "metric", "value", "ci_low", "ci_high", "n", "support", "small"]
    )


def group_table(report: EvaluationReport, column: str) -> pd.DataFrame:
    """Wide table: one row per group, "value [low, high]" per metric, and n."""
    frame = by_group_frame(report, column)
    if frame.empty:
        return frame
    out = {}
    for (group, metric), row in frame.set_index(["group", "metric"]).iterrows():
        cell = "n/a" if row["value"] is None or pd.isna(row["value"]) else f"{row['value']:.3f}"
        if row["ci_low"] is not None and not pd.isna(row["ci_low"]):
            cell += f" [{row['ci_low']:.2f}, {row['ci_high']:.2f}]"
        out.setdefault(group, {"group": group, "n": int(row["n"])})[
            METRIC_SHORT.get(metric, metric)
        ] = cell
    return pd.DataFrame(list(out.values()))


def disparity_table(report: EvaluationReport, column: str) -> pd.DataFrame:
    rows = []
    for metric, d in report.disparities_by_column.get(column, {}).items():
        ci = ""
        if d.ci_low is not None:
            ci = f"[{d.ci_low:.2f}, {d.ci_high:.2f}]"
        rows.append(
            {
                "metric": METRIC_SHORT.get(metric, metric.replace("_", " ")),
                "difference (max - min)": d.difference,
                "95 % CI": ci,
                "ratio (min / max)": d.ratio,
                "highest": d.high_group,
                "lowest": d.low_group,
            }
        )
    return pd.DataFrame(rows)


def disparity_overview_frame(
    report: EvaluationReport,
    metrics: tuple[str, ...] = ("fpr", "fnr", "selection_rate", "accuracy"),
) -> pd.DataFrame:
    """Difference (max - min) with its interval per sensitive column and metric."""
    rows = []
    for column, by_metric in report.disparities_by_column.items():
        for metric in metrics:
            d = by_metric.get(metric)
            if d is None or d.difference is None:
                continue
            rows.append(
                {
                    "column": column,
                    "metric": metric,
                    "difference": d.difference,
                    "ci_low": d.ci_low,
                    "ci_high": d.ci_high,
                    "high_group": d.high_group,
                    "low_group": d.low_group,
                }
            )
    return pd.DataFrame(
        rows,
        columns=["column", "metric", "difference", "ci_low", "ci_high", "high_group", "low_group"],
    )


def intersection_frame(report: EvaluationReport, key: str, metric: str) -> pd.DataFrame:
    """Cells of one intersection: a, b, value, n."""
    inter = report.intersections.get(key)
    if inter is None or not inter.by_group:
        return pd.DataFrame(columns=["a", "b", "value", "n"])
    rows = []
    for label, metrics in inter.by_group.items():
        a, _, b = label.partition(" | ")
        cell = metrics.get(metric)
        rows.append(
            {
                "a": a,
                "b": b,
                "value": cell.value if cell is not None else None,
                "n": metrics["count"].value,
            }
        )
    return pd.DataFrame(rows)


_AUCS = ("subgroup_auc", "bpsn_auc", "bnsp_auc")


def bias_auc_frame(report: EvaluationReport) -> pd.DataFrame:
    rows = [
        {
            "subgroup": name,
            "source": v.source,
            "n": v.n,
            "n_positive": v.n_positive,
            "subgroup_auc": v.subgroup_auc,
            "bpsn_auc": v.bpsn_auc,
            "bnsp_auc": v.bnsp_auc,
            "in_summary": v.in_summary,
            **{f"{k}_ci": v.ci.get(k) for k in _AUCS},
        }
        for name, v in report.bias_auc.items()
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "subgroup",
            "source",
            "n",
            "n_positive",
            *_AUCS,
            "in_summary",
            *(f"{k}_ci" for k in _AUCS),
        ],
    )
    if not frame.empty:
        frame["worst"] = frame[list(_AUCS)].min(axis=1)
        # Subgroups big enough to count first (worst AUC first), then the small ones.
        frame["_small"] = ~frame["in_summary"].astype(bool)
        frame = (
            frame.sort_values(["_small", "worst"], na_position="last")
            .drop(columns="_small")
            .reset_index(drop=True)
        )
    return frame


def roc_frame(report: EvaluationReport, subgroups: list[str] | None = None) -> pd.DataFrame:
    rows = []
    for name, curve in report.roc.items():
        if curve is None or (subgroups is not None and name not in subgroups):
            continue
        for f, t in zip(curve.fpr, curve.tpr, strict=True):
            rows.append({"subgroup": name, "fpr": f, "tpr": t, "auc": curve.auc})
    return pd.DataFrame(rows, columns=["subgroup", "fpr", "tpr", "auc"])


def probe_frame(result: ProbeReport) -> pd.DataFrame:
    return pd.DataFrame(result.terms)


def pareto_frame(report: MitigationReport) -> pd.DataFrame:
    columns = ["method", "param", "label", "accuracy", "disparity", "pareto"]
    return pd.DataFrame(
        [p.model_dump(include=set(columns)) for p in report.pareto], columns=columns
    )


def variants_frame(report: MitigationReport) -> pd.DataFrame:
    """One row per variant: accuracy, DP difference, EO difference (held-out rows)."""
    rows = []
    for name, v in report.variants.items():
        rows.append(
            {
                "model": name,
                "accuracy": v.accuracy,
                "demographic-parity difference": v.demographic_parity,
                "equalized-odds difference": v.equalized_odds,
                "false-negative-rate difference": v.fnr,
            }
        )
    return pd.DataFrame(rows)


def variant_groups_frame(report: MitigationReport, metric: str) -> pd.DataFrame:
    """Per-group value of ``metric`` for each variant: model, group, value, ci_low, ci_high, n."""
    rows = []
    for name, v in report.variants.items():
        for group, metrics in v.by_group.items():
            cell = metrics.get(metric)
            rows.append(
                {
                    "model": name,
                    "group": group,
                    "value": cell.value if cell is not None else None,
                    "ci_low": cell.ci_low if cell is not None else None,
                    "ci_high": cell.ci_high if cell is not None else None,
                    "n": cell.n if cell is not None else None,
                }
            )
    return pd.DataFrame(rows, columns=["model", "group", "value", "ci_low", "ci_high", "n"])


__all__ = [
    "bias_auc_frame",
    "by_group_frame",
    "disparity_overview_frame",
    "disparity_table",
    "group_table",
    "intersection_frame",
    "pareto_frame",
    "probe_frame",
    "roc_frame",
    "variant_groups_frame",
    "variants_frame",
]
