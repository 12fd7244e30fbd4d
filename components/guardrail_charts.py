"""Plotly figures for the guardrail playground: pure functions DataFrame -> go.Figure."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

SCANNER_COLORS = {
    "injection": "#d62728",
    "topics": "#9467bd",
    "toxicity": "#ff7f0e",
    "pii": "#1f77b4",
    "classifier": "#2ca02c",
}


def _color(name: str) -> str:
    return SCANNER_COLORS.get(name, "#7f7f7f")


def roc_figure(curves: pd.DataFrame, points: pd.DataFrame) -> go.Figure:
    """ROC curves per scanner with each scanner's current operating point.

    Parameters
    ----------
    curves
        Columns ``scanner``, ``false_positive_rate``, ``true_positive_rate``, ``auc``.
    points
        Columns ``scanner``, ``false_positive_rate``, ``catch_rate``, ``threshold``: where
        each scanner sits at the slider's threshold.
    """
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot", "color": "#bbbbbb"},
            name="chance", hoverinfo="skip",
        )
    )  # fmt: skip
    for name, df in curves.groupby("scanner", sort=False):
        auc = df["auc"].iloc[0]
        label = f"{name} (AUC {auc:.2f})" if pd.notna(auc) else name
        fig.add_trace(
            go.Scatter(
                x=df["false_positive_rate"],
                y=df["true_positive_rate"],
                mode="lines",
                line={"shape": "hv", "color": _color(name), "width": 2},
                name=label,
                legendgroup=name,
            )
        )
    for row in points.itertuples():
        if pd.isna(row.false_positive_rate) or pd.isna(row.catch_rate):
            continue
        fig.add_trace(
            go.Scatter(
                x=[row.false_positive_rate],
                y=[row.catch_rate],
                mode="markers",
                marker={
                    "size": 12,
                    "color": _color(row.scanner),
                    "line": {"color": "black", "width": 1},
                },
                name=f"{row.scanner} @ {row.threshold:.2f}",
                legendgroup=row.scanner,
                showlegend=False,
                hovertemplate=(
                    f"{row.scanner} at threshold {row.threshold:.2f}<br>"
                    "false-positive rate %{x:.0%}<br>catch rate %{y:.0%}<extra></extra>"
                ),
            )
        )
    fig.update_layout(
        height=420,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis={
            "title": "false-positive rate (benign prompts flagged)",
            "range": [-0.02, 1.02],
            "tickformat": ".0%",
        },
        yaxis={
            "title": "catch rate (attacks flagged)",
            "range": [-0.02, 1.02],
            "tickformat": ".0%",
        },
        legend={"orientation": "h", "y": -0.2},
        title={"text": "ROC per scanner (dots: current thresholds)", "font": {"size": 14}},
    )
    return fig


def latency_figure(latency: pd.DataFrame) -> go.Figure:
    """Horizontal bars: columns ``scanner``, ``latency_ms``."""
    fig = go.Figure(
        go.Bar(
            x=latency["latency_ms"],
            y=latency["scanner"],
            orientation="h",
            marker_color=[_color(s) for s in latency["scanner"]],
            text=[f"{v:.1f} ms" for v in latency["latency_ms"]],
            textposition="auto",
        )
    )
    fig.update_layout(
        height=60 + 32 * len(latency),
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"title": "latency (ms, measured on this request)"},
        yaxis={"autorange": "reversed"},
    )
    return fig


def category_figure(per_category: pd.DataFrame) -> go.Figure:
    """Share blocked per prompt category: columns ``category``, ``label``, ``n``, ``blocked_rate``.

    Attack categories should be high (caught), benign ones low (false alarms).
    """
    df = per_category.copy()
    df["kind"] = df["label"].map({1: "attack (should be blocked)", 0: "benign (should pass)"})
    fig = go.Figure()
    for kind, color in (
        ("attack (should be blocked)", "#d62728"),
        ("benign (should pass)", "#2ca02c"),
    ):
        part = df[df["kind"] == kind]
        if part.empty:
            continue
        fig.add_trace(
            go.Bar(
                x=part["blocked_rate"],
                y=part["category"],
                orientation="h",
                name=kind,
                marker_color=color,
                text=[
                    f"{r:.0%} of {n}" for r, n in zip(part["blocked_rate"], part["n"], strict=True)
                ],
                # Short bars (a 0 % benign category included) keep their label outside.
                textposition=["outside" if r < 0.3 else "inside" for r in part["blocked_rate"]],
                insidetextanchor="end",
                cliponaxis=False,
            )
        )
    fig.update_layout(
        uniformtext={"minsize": 11, "mode": "show"},
        height=80 + 30 * len(df),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis={"title": "share blocked by the policy", "range": [0, 1], "tickformat": ".0%"},
        legend={"orientation": "h", "y": -0.3},
        title={"text": "Blocked per category", "font": {"size": 14}},
    )
    return fig
