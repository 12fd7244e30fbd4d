"""Tidy DataFrames from stored fairness results, for tables and chart builders.

Stored reports are JSON (artifact content, job results); these functions turn their
nested dicts into flat frames once, so pages and the chart builders in
``components/fairness_charts.py`` never walk the JSON themselves.
"""

from __future__ import annotations

import pandas as pd

from backend.fairness.metrics import METRIC_SHORT


def by_group_frame(report: dict, column: str) -> pd.DataFrame:
    """One row per (group, metric): group, metric, value, ci_low, ci_high, n, small."""
    min_size = report.get("settings", {}).get("min_group_size", 30)
    rows = []
    for group, metrics in report.get("by_group", {}).get(column, {}).items():
        for metric, cell in metrics.items():
            if metric == "count":
                continue
            rows.append(
                {
                    "group": group,
                    "metric": metric,
                    "value": cell.get("value"),
                    "ci_low": cell.get("ci_low"),
                    "ci_high": cell.get("ci_high"),
                    "n": cell.get("n"),
                    "support": cell.get("support"),
                    "small": (cell.get("n") or 0) < min_size,
                }
            )
    return pd.DataFrame(
        rows, columns=["group", "metric", "value", "ci_low", "ci_high", "n", "support", "small"]
    )


def group_table(report: dict, column: str) -> pd.DataFrame:
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


def disparity_table(report: dict, column: str) -> pd.DataFrame:
    rows = []
    for metric, d in report.get("disparities_by_column", {}).get(column, {}).items():
        ci = ""
        if d.get("ci_low") is not None:
            ci = f"[{d['ci_low']:.2f}, {d['ci_high']:.2f}]"
        rows.append(
            {
                "metric": METRIC_SHORT.get(metric, metric.replace("_", " ")),
                "difference (max - min)": d.get("difference"),
                "95 % CI": ci,
                "ratio (min / max)": d.get("ratio"),
                "highest": d.get("high_group"),
                "lowest": d.get("low_group"),
            }
        )
    return pd.DataFrame(rows)


def disparity_overview_frame(
    report: dict, metrics: tuple[str, ...] = ("fpr", "fnr", "selection_rate", "accuracy")
) -> pd.DataFrame:
    """Difference (max - min) with its interval per sensitive column and metric."""
    rows = []
    for column, by_metric in report.get("disparities_by_column", {}).items():
        for metric in metrics:
            d = by_metric.get(metric)
            if not d or d.get("difference") is None:
                continue
            rows.append(
                {
                    "column": column,
                    "metric": metric,
                    "difference": d["difference"],
                    "ci_low": d.get("ci_low"),
                    "ci_high": d.get("ci_high"),
                    "high_group": d.get("high_group"),
                    "low_group": d.get("low_group"),
                }
            )
    return pd.DataFrame(
        rows,
        columns=["column", "metric", "difference", "ci_low", "ci_high", "high_group", "low_group"],
    )


def intersection_frame(report: dict, key: str, metric: str) -> pd.DataFrame:
    """Cells of one intersection: a, b, value, n."""
    inter = report.get("intersections", {}).get(key)
    if not inter:
        return pd.DataFrame(columns=["a", "b", "value", "n"])
    rows = []
    for label, metrics in inter["by_group"].items():
        a, _, b = label.partition(" | ")
        cell = metrics.get(metric, {})
        rows.append({"a": a, "b": b, "value": cell.get("value"), "n": metrics["count"]["value"]})
    return pd.DataFrame(rows)


def bias_auc_frame(report: dict) -> pd.DataFrame:
    rows = [
        {
            "subgroup": name,
            "source": v.get("source"),
            "n": v.get("n"),
            "n_positive": v.get("n_positive"),
            "subgroup_auc": v.get("subgroup_auc"),
            "bpsn_auc": v.get("bpsn_auc"),
            "bnsp_auc": v.get("bnsp_auc"),
            "in_summary": v.get("in_summary", True),
            **{
                f"{k}_ci": (v.get("ci") or {}).get(k)
                for k in ("subgroup_auc", "bpsn_auc", "bnsp_auc")
            },
        }
        for name, v in (report.get("bias_auc") or {}).items()
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "subgroup",
            "source",
            "n",
            "n_positive",
            "subgroup_auc",
            "bpsn_auc",
            "bnsp_auc",
            "in_summary",
            "subgroup_auc_ci",
            "bpsn_auc_ci",
            "bnsp_auc_ci",
        ],
    )
    if not frame.empty:
        frame["worst"] = frame[["subgroup_auc", "bpsn_auc", "bnsp_auc"]].min(axis=1)
        # Subgroups big enough to count first (worst AUC first), then the small ones.
        frame["_small"] = ~frame["in_summary"].astype(bool)
        frame = (
            frame.sort_values(["_small", "worst"], na_position="last")
            .drop(columns="_small")
            .reset_index(drop=True)
        )
    return frame


def roc_frame(report: dict, subgroups: list[str] | None = None) -> pd.DataFrame:
    rows = []
    for name, curve in (report.get("roc") or {}).items():
        if curve is None or (subgroups is not None and name not in subgroups):
            continue
        for f, t in zip(curve["fpr"], curve["tpr"], strict=True):
            rows.append({"subgroup": name, "fpr": f, "tpr": t, "auc": curve.get("auc")})
    return pd.DataFrame(rows, columns=["subgroup", "fpr", "tpr", "auc"])


def probe_frame(result: dict) -> pd.DataFrame:
    return pd.DataFrame(result.get("terms", []))


def pareto_frame(report: dict) -> pd.DataFrame:
    return pd.DataFrame(
        report.get("pareto", []),
        columns=["method", "param", "label", "accuracy", "disparity", "pareto"],
    )


def variants_frame(report: dict) -> pd.DataFrame:
    """One row per variant: accuracy, DP difference, EO difference (held-out rows)."""
    rows = []
    for name, v in report.get("variants", {}).items():
        rows.append(
            {
                "model": name,
                "accuracy": v.get("accuracy"),
                "demographic-parity difference": v.get("demographic_parity"),
                "equalized-odds difference": v.get("equalized_odds"),
                "false-negative-rate difference": v.get("fnr"),
            }
        )
    return pd.DataFrame(rows)


def variant_groups_frame(report: dict, metric: str) -> pd.DataFrame:
    """Per-group value of ``metric`` for each variant: model, group, value, ci_low, ci_high, n."""
    rows = []
    for name, v in report.get("variants", {}).items():
        for group, metrics in v.get("by_group", {}).items():
            cell = metrics.get(metric, {})
            rows.append(
                {
                    "model": name,
                    "group": group,
                    "value": cell.get("value"),
                    "ci_low": cell.get("ci_low"),
                    "ci_high": cell.get("ci_high"),
                    "n": cell.get("n"),
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
