"""Plotly figures for the alerts page (pure functions: DataFrame -> Figure)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

SEVERITY_COLORS = {"high": "#d62728", "medium": "#ff7f0e"}


def alerts_by_metric(frame: pd.DataFrame) -> go.Figure:
    """Horizontal bars: how many alerts each metric raised, stacked by severity.

    ``frame`` has one row per alert with columns ``metric`` and ``severity``.
    """
    fig = go.Figure()
    if frame.empty:
        return fig
    counts = frame.groupby(["metric", "severity"]).size().unstack(fill_value=0)
    order = counts.sum(axis=1).sort_values().index
    for severity in ("medium", "high"):
        if severity not in counts:
            continue
        fig.add_bar(
            y=list(order),
            x=[int(counts.loc[m, severity]) for m in order],
            name=severity,
            orientation="h",
            marker_color=SEVERITY_COLORS[severity],
            hovertemplate="%{y}: %{x} " + severity + "<extra></extra>",
        )
    fig.update_layout(
        barmode="stack",
        height=max(200, 40 * len(order) + 120),
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={
            "orientation": "h",
            "y": -0.35,
            "yanchor": "top",
            "x": 0,
            "title": {"text": "severity "},
        },
        xaxis={"title": "alerts", "dtick": 1 if counts.values.max() < 10 else None},
    )
    return fig
