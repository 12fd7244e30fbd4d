"""Plotly figure builders for the Fairness page: pure functions DataFrame -> go.Figure.

Input frames come from :mod:`backend.fairness.frames`. No Streamlit here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from backend.fairness.metrics import METRIC_SHORT

_PALETTE = [
    "#4C78A8",
    "#F58518",
    "#54A24B",
    "#E45756",
    "#72B7B2",
    "#B279A2",
    "#FF9DA6",
    "#9D755D",
    "#BAB0AC",
    "#EECA3B",
]
_LAYOUT = {"margin": {"l": 10, "r": 10, "t": 50, "b": 10}, "template": "plotly_white"}


def _err(frame: pd.DataFrame) -> tuple[list, list]:
    value = pd.to_numeric(frame["value"], errors="coerce")
    hi = pd.to_numeric(frame["ci_high"], errors="coerce")
    lo = pd.to_numeric(frame["ci_low"], errors="coerce")
    return (hi - value).clip(lower=0).fillna(0).tolist(), (value - lo).clip(lower=0).fillna(
        0
    ).tolist()


def group_bars(frame: pd.DataFrame, *, metrics: list[str], title: str = "") -> go.Figure:
    """Grouped bars: x = metric, one bar per group, 95 % bootstrap whiskers.

    ``frame`` has columns group, metric, value, ci_low, ci_high, n, small. Groups under the
    minimum size are drawn translucent and marked in the legend.
    """
    fig = go.Figure()
    data = frame[frame["metric"].isin(metrics)]
    groups = list(dict.fromkeys(data["group"]))
    for i, group in enumerate(groups):
        sub = data[data["group"] == group].set_index("metric").reindex(metrics).reset_index()
        small = bool(sub["small"].fillna(False).any())
        n = int(sub["n"].dropna().iloc[0]) if sub["n"].notna().any() else 0
        plus, minus = _err(sub)
        fig.add_bar(
            name=f"{group} (n = {n:,}){' · small' if small else ''}",
            x=[METRIC_SHORT.get(m, m) for m in sub["metric"]],
            y=sub["value"],
            error_y={
                "type": "data",
                "array": plus,
                "arrayminus": minus,
                "thickness": 1.2,
                "width": 3,
            },
            marker={"color": _PALETTE[i % len(_PALETTE)], "opacity": 0.45 if small else 0.9},
            customdata=np.stack([sub["ci_low"], sub["ci_high"], sub["n"]], axis=-1),
            hovertemplate="%{x}: %{y:.3f}<br>95 % CI %{customdata[0]:.3f}–%{customdata[1]:.3f}"
            "<br>n = %{customdata[2]}<extra>" + str(group) + "</extra>",
        )
    fig.update_layout(
        title=title,
        barmode="group",
        yaxis={"title": "value (95 % bootstrap CI)", "range": [0, 1.05]},
        legend={"orientation": "h", "y": -0.15},
        height=430,
        **_LAYOUT,
    )
    return fig


def disparity_overview(frame: pd.DataFrame, *, threshold: float) -> go.Figure:
    """Largest gap (max - min across groups) per sensitive column and metric, with 95 %
    whiskers and the alert threshold as a dashed line."""
    fig = go.Figure()
    for i, (metric, sub) in enumerate(frame.groupby("metric", sort=False)):
        plus = (sub["ci_high"].astype(float) - sub["difference"]).clip(lower=0).fillna(0)
        minus = (sub["difference"] - sub["ci_low"].astype(float)).clip(lower=0).fillna(0)
        fig.add_bar(
            name=METRIC_SHORT.get(metric, metric),
            x=sub["column"],
            y=sub["difference"],
            error_y={
                "type": "data",
                "array": plus.tolist(),
                "arrayminus": minus.tolist(),
                "thickness": 1.2,
                "width": 3,
            },
            marker={"color": _PALETTE[i % len(_PALETTE)]},
            customdata=np.stack([sub["high_group"], sub["low_group"]], axis=-1),
            hovertemplate="%{x}: %{y:.3f}<br>highest %{customdata[0]}, lowest %{customdata[1]}"
            "<extra>" + METRIC_SHORT.get(metric, metric) + "</extra>",
        )
    fig.add_hline(
        y=threshold,
        line={"dash": "dash", "color": "#c0392b"},
        annotation_text=f"alert threshold {threshold:.2f}",
        annotation_position="top left",
    )
    fig.update_layout(
        title="Largest gap between groups, per sensitive column (95 % CI)",
        barmode="group",
        yaxis={"title": "max − min across groups"},
        legend={"orientation": "h", "y": -0.15},
        height=380,
        **_LAYOUT,
    )
    return fig


def intersection_heatmap(frame: pd.DataFrame, *, a: str, b: str, metric: str) -> go.Figure:
    """Heatmap of one metric over the intersection a × b; each cell says its value and n."""
    pivot = frame.pivot_table(index="a", columns="b", values="value", aggfunc="first", dropna=False)
    counts = frame.pivot_table(index="a", columns="b", values="n", aggfunc="first")
    counts = counts.reindex(index=pivot.index, columns=pivot.columns)
    text = [
        [
            ("n/a" if pd.isna(v) else f"{v:.2f}") + f"<br>n = {0 if pd.isna(c) else int(c)}"
            for v, c in zip(row_v, row_c, strict=True)
        ]
        for row_v, row_c in zip(pivot.to_numpy(), counts.to_numpy(), strict=True)
    ]
    fig = go.Figure(
        go.Heatmap(
            z=pivot.to_numpy(dtype=float),
            x=[str(c) for c in pivot.columns],
            y=[str(i) for i in pivot.index],
            text=text,
            texttemplate="%{text}",
            colorscale="Viridis",
            colorbar={"title": METRIC_SHORT.get(metric, metric)},
            hovertemplate=f"{a} = %{{y}}<br>{b} = %{{x}}<br>%{{text}}<extra></extra>",
        )
    )
    fig.update_layout(
        title=f"{METRIC_SHORT.get(metric, metric)} by {a} × {b}",
        xaxis={"title": b},
        yaxis={"title": a},
        height=120 + 48 * max(3, len(pivot.index)),
        **_LAYOUT,
    )
    return fig


def roc_chart(frame: pd.DataFrame) -> go.Figure:
    """ROC curves, one line per subgroup (plus the overall curve, dashed)."""
    fig = go.Figure()
    fig.add_scatter(
        x=[0, 1],
        y=[0, 1],
        mode="lines",
        line={"dash": "dot", "color": "#bbb"},
        name="chance",
        hoverinfo="skip",
    )
    for i, (name, sub) in enumerate(frame.groupby("subgroup", sort=False)):
        auc = sub["auc"].iloc[0]
        overall = name == "overall"
        fig.add_scatter(
            x=sub["fpr"],
            y=sub["tpr"],
            mode="lines",
            name=f"{name} (AUC {auc:.3f})" if auc is not None else name,
            line={
                "width": 3 if overall else 2,
                "dash": "dash" if overall else "solid",
                "color": "#222" if overall else _PALETTE[i % len(_PALETTE)],
            },
        )
    fig.update_layout(
        title="ROC curves per subgroup",
        xaxis={"title": "false-positive rate", "range": [0, 1]},
        yaxis={"title": "true-positive rate", "range": [0, 1.02]},
        height=460,
        legend={"orientation": "v", "x": 1.02, "y": 1},
        **_LAYOUT,
    )
    return fig


def bias_auc_table(frame: pd.DataFrame) -> go.Figure:
    """Colour-scaled table of subgroup, BPSN and BNSP AUCs (red = low = biased)."""
    cols = ["subgroup_auc", "bpsn_auc", "bnsp_auc"]
    z = frame[cols].to_numpy(dtype=float)
    text = [["n/a" if np.isnan(v) else f"{v:.3f}" for v in row] for row in z]
    # Hover: approximate 95 % interval (Hanley-McNeil) when the report has one.
    hover = []
    for _, row in frame.iterrows():
        cells = []
        for c in cols:
            ci = row.get(f"{c}_ci")
            v = row[c]
            if v is None or pd.isna(v):
                cells.append("n/a")
            elif isinstance(ci, list | tuple) and len(ci) == 2:
                cells.append(f"{v:.3f} (≈95 % CI {ci[0]:.2f}–{ci[1]:.2f}, Hanley-McNeil)")
            else:
                cells.append(f"{v:.3f}")
        hover.append(cells)
    labels = [
        f"{s} (n = {int(n):,}){'' if keep else ' · small'}"
        for s, n, keep in zip(frame["subgroup"], frame["n"], frame["in_summary"], strict=True)
    ]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=["Subgroup AUC", "BPSN AUC", "BNSP AUC"],
            y=labels,
            text=text,
            texttemplate="%{text}",
            colorscale="RdYlGn",
            zmin=0.5,
            zmax=1.0,
            colorbar={"title": "AUC"},
            customdata=hover,
            hovertemplate="%{y}<br>%{x}: %{customdata}<extra></extra>",
        )
    )
    fig.update_layout(
        title={"text": "Bias AUCs (lowest first; red = the model separates worse)", "y": 0.995},
        yaxis={"autorange": "reversed"},
        xaxis={"side": "top"},
        height=110 + 26 * max(4, len(frame)),
        **_LAYOUT,
    )
    fig.update_layout(margin={"l": 10, "r": 10, "t": 80, "b": 10})  # room for top labels
    return fig


def probe_gap_chart(frame: pd.DataFrame, *, label: str = "nontoxic") -> go.Figure:
    """Score gap per identity term versus all other terms, with 95 % whiskers."""
    gap, lo, hi = f"gap_{label}", f"ci_low_{label}", f"ci_high_{label}"
    data = frame.dropna(subset=[gap]).sort_values(gap)
    fig = go.Figure()
    categories = list(dict.fromkeys(data["category"]))
    for i, cat in enumerate(categories):
        sub = data[data["category"] == cat]
        plus = (sub[hi] - sub[gap]).clip(lower=0).fillna(0)
        minus = (sub[gap] - sub[lo]).clip(lower=0).fillna(0)
        fig.add_bar(
            name=cat,
            orientation="h",
            y=sub["term"],
            x=sub[gap],
            error_x={
                "type": "data",
                "array": plus.tolist(),
                "arrayminus": minus.tolist(),
                "thickness": 1,
            },
            marker={"color": _PALETTE[i % len(_PALETTE)]},
            customdata=np.stack([sub[f"mean_{label}"], sub[f"n_{label}"]], axis=-1),
            hovertemplate="%{y}: gap %{x:+.3f}<br>mean score %{customdata[0]:.3f}, "
            "n = %{customdata[1]}<extra></extra>",
        )
    kind = "non-toxic" if label == "nontoxic" else "toxic"
    fig.add_vline(x=0, line={"color": "#444", "width": 1})
    fig.update_layout(
        title=f"Score gap per identity term on {kind} templates (vs. all other terms)",
        xaxis={"title": "mean score of the term − mean of the others (95 % CI)"},
        yaxis={"categoryorder": "array", "categoryarray": data["term"].tolist()},
        height=140 + 20 * max(5, len(data)),
        legend={"orientation": "h", "y": -0.08},
        **_LAYOUT,
    )
    return fig


def pareto_chart(frame: pd.DataFrame, *, disparity_label: str) -> go.Figure:
    """Accuracy versus disparity for every fitted variant; the Pareto front is joined."""
    fig = go.Figure()
    symbols = {
        "Evaluated model": "star",
        "ThresholdOptimizer": "diamond",
        "Logistic regression": "square",
        "ExponentiatedGradient": "circle",
    }
    data = frame.dropna(subset=["accuracy", "disparity"])
    front = data[data["pareto"]].sort_values("disparity")
    if len(front) > 1:
        fig.add_scatter(
            x=front["disparity"],
            y=front["accuracy"],
            mode="lines",
            name="Pareto front",
            line={"color": "#999", "dash": "dot"},
            hoverinfo="skip",
        )
    # Variants that land on the same point share one label ("EG eps=0.05, 0.1"); only
    # points on the Pareto front and the evaluated model are labelled, the rest on hover.
    key = data["accuracy"].round(4).astype(str) + "|" + data["disparity"].round(4).astype(str)
    shared = data.groupby(key)["label"].agg(", ".join)
    first = ~key.duplicated()
    show = (data["pareto"].astype(bool) | (data["method"] == "Evaluated model")) & first
    data = data.assign(
        point_label=[shared[k] for k in key],
        text=[shared[k] if s else "" for k, s in zip(key, show, strict=True)],
    )
    # The evaluated model is drawn last so no variant at the same point hides it.
    order = sorted(data["method"].unique(), key=lambda m: m == "Evaluated model")
    for i, method in enumerate(order):
        sub = data[data["method"] == method]
        fig.add_scatter(
            x=sub["disparity"],
            y=sub["accuracy"],
            mode="markers+text",
            name=method,
            text=sub["text"],
            customdata=sub["point_label"],
            textposition="top center",
            textfont={"size": 10},
            marker={
                "symbol": symbols.get(method, "circle"),
                "size": 16 if method == "Evaluated model" else 13,
                "color": "#111" if method == "Evaluated model" else _PALETTE[i % len(_PALETTE)],
                "line": {"width": 2, "color": ["#000" if p else "#fff" for p in sub["pareto"]]},
            },
            hovertemplate="%{customdata}<br>accuracy %{y:.3f}<br>disparity %{x:.3f}<extra></extra>",
        )
    # Pad the axes so labels of the extreme points are not cut off.
    xs, ys = data["disparity"].astype(float), data["accuracy"].astype(float)
    xpad = max(0.01, 0.15 * float(xs.max() - xs.min())) if len(xs) else 0.05
    ypad = max(0.005, 0.15 * float(ys.max() - ys.min())) if len(ys) else 0.05
    fig.update_layout(
        title="Accuracy versus disparity on held-out rows (up and left is better)",
        xaxis={"title": disparity_label, "range": [xs.min() - xpad, xs.max() + xpad]}
        if len(xs)
        else {"title": disparity_label},
        yaxis={"title": "accuracy", "range": [ys.min() - ypad, ys.max() + ypad]}
        if len(ys)
        else {"title": "accuracy"},
        height=460,
        **_LAYOUT,
    )
    return fig


def before_after_bars(frame: pd.DataFrame, *, metric: str) -> go.Figure:
    """Per-group values of one metric for each model variant (before / after)."""
    fig = go.Figure()
    for i, (model, sub) in enumerate(frame.groupby("model", sort=False)):
        plus, minus = _err(sub)
        fig.add_bar(
            name=model,
            x=sub["group"],
            y=sub["value"],
            error_y={"type": "data", "array": plus, "arrayminus": minus, "thickness": 1},
            marker={"color": _PALETTE[i % len(_PALETTE)]},
        )
    fig.update_layout(
        title=f"{METRIC_SHORT.get(metric, metric)} per group, before and after (held-out rows)",
        barmode="group",
        yaxis={"title": METRIC_SHORT.get(metric, metric), "range": [0, 1.05]},
        legend={"orientation": "h", "y": -0.2},
        height=420,
        **_LAYOUT,
    )
    return fig
