"""Plotly figure builders for the dataset audit (pure: DataFrame in, Figure out).

Every function takes a tidy DataFrame built from an audit report by
:mod:`components.audit_tables` and returns a ``go.Figure``; nothing here touches
Streamlit, so the figures are testable and reusable (the data card can embed them).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

FLAG_COLOR = "#d1495b"
OK_COLOR = "#2e86ab"
REF_COLOR = "#3d3d3d"
_LAYOUT = {"margin": {"l": 10, "r": 10, "t": 40, "b": 10}, "template": "plotly_white"}


def representation_chart(df: pd.DataFrame, *, title: str = "") -> go.Figure:
    """Bars of each group's share, a marker at its reference share; flagged bars in red.

    Columns: ``group, share, reference_share, count, flagged``.
    """
    colors = [FLAG_COLOR if f else OK_COLOR for f in df["flagged"]]
    fig = go.Figure(
        go.Bar(
            x=df["group"],
            y=df["share"],
            marker_color=colors,
            name="share in data",
            customdata=df[["count"]],
            hovertemplate="%{x}<br>share %{y:.1%}<br>%{customdata[0]:,} rows<extra></extra>",
        )
    )
    if df["reference_share"].notna().any():
        fig.add_trace(
            go.Scatter(
                x=df["group"],
                y=df["reference_share"],
                mode="markers",
                marker={
                    "symbol": "line-ew-open",
                    "size": 28,
                    "line": {"width": 3},
                    "color": REF_COLOR,
                },
                name="reference share",
                hovertemplate="%{x}<br>reference %{y:.1%}<extra></extra>",
            )
        )
    fig.update_layout(
        title=title, yaxis_tickformat=".0%", yaxis_title="share of rows", legend_orientation="h",
        legend_y=-0.2, height=340, **_LAYOUT,
    )  # fmt: skip
    return fig


def intersection_heatmap(df: pd.DataFrame, *, x: str, y: str, title: str = "") -> go.Figure:
    """Row counts of each combination of two groups. Columns: ``a, b, count``."""
    pivot = df.pivot_table(index="a", columns="b", values="count", aggfunc="sum", fill_value=0)
    fig = go.Figure(
        go.Heatmap(
            z=pivot.values,
            x=[str(c) for c in pivot.columns],
            y=[str(i) for i in pivot.index],
            colorscale="Blues",
            text=pivot.values,
            texttemplate="%{text}",
            hovertemplate=f"{y}=%{{y}}<br>{x}=%{{x}}<br>%{{z:,}} rows<extra></extra>",
            colorbar={"title": "rows"},
        )
    )
    fig.update_layout(title=title, xaxis_title=x, yaxis_title=y, height=360, **_LAYOUT)
    return fig


def label_rate_chart(
    df: pd.DataFrame, *, overall: float | None = None, title: str = ""
) -> go.Figure:
    """P(label | group) with 95 % Wilson intervals as whiskers.

    Columns: ``group, rate, ci_low, ci_high, n``.
    """
    fig = go.Figure(
        go.Bar(
            x=df["group"],
            y=df["rate"],
            error_y={
                "type": "data",
                "symmetric": False,
                "array": df["ci_high"] - df["rate"],
                "arrayminus": df["rate"] - df["ci_low"],
                "color": REF_COLOR,
            },
            marker_color=OK_COLOR,
            customdata=df[["n", "ci_low", "ci_high"]],
            hovertemplate=(
                "%{x}<br>rate %{y:.1%} (95 % CI %{customdata[1]:.1%}–%{customdata[2]:.1%})"
                "<br>%{customdata[0]:,} rows<extra></extra>"
            ),
            name="label rate",
        )
    )
    if overall is not None:
        fig.add_hline(
            y=overall, line_dash="dash", line_color=REF_COLOR,
            annotation_text=f"overall {overall:.1%}", annotation_position="top left",
        )  # fmt: skip
    fig.update_layout(
        title=title, yaxis_tickformat=".0%", yaxis_title="label rate", height=340,
        showlegend=False, **_LAYOUT,
    )  # fmt: skip
    return fig


def pii_chart(df: pd.DataFrame) -> go.Figure:
    """Rows containing each PII type. Columns: ``type, rows, matches``."""
    df = df.sort_values("rows")
    fig = go.Figure(
        go.Bar(
            x=df["rows"],
            y=df["type"],
            orientation="h",
            marker_color=FLAG_COLOR,
            customdata=df[["matches"]],
            hovertemplate="%{y}<br>%{x:,} rows, %{customdata[0]:,} matches<extra></extra>",
        )
    )
    fig.update_layout(
        xaxis_title="rows containing it", height=max(220, 36 * len(df) + 80), **_LAYOUT
    )
    return fig


def toxicity_histogram(df: pd.DataFrame, *, threshold: float, title: str = "") -> go.Figure:
    """Score distribution per group, as a share of the group's rows (so sizes compare).

    Columns: ``group, bin_start, bin_end, share``.
    """
    fig = go.Figure()
    for group, part in df.groupby("group", sort=False):
        centers = (part["bin_start"] + part["bin_end"]) / 2
        fig.add_trace(
            go.Scatter(
                x=centers,
                y=part["share"],
                mode="lines+markers",
                name=str(group),
                line_shape="hvh",
                hovertemplate=f"{group}<br>score %{{x:.2f}}<br>%{{y:.1%}} of rows<extra></extra>",
            )
        )
    fig.add_vline(
        x=threshold, line_dash="dash", line_color=FLAG_COLOR,
        annotation_text=f"threshold {threshold:g}", annotation_position="top",
    )  # fmt: skip
    fig.update_layout(
        title=title, xaxis_title="toxicity score", yaxis_title="share of the group's rows",
        yaxis_tickformat=".0%", xaxis_range=[0, 1], height=360, legend_orientation="h",
        legend_y=-0.25, **_LAYOUT,
    )  # fmt: skip
    return fig


def group_share_above_chart(df: pd.DataFrame, *, overall: float | None) -> go.Figure:
    """Share of each group's rows at or above the toxicity threshold.

    Columns: ``group, share_above, n``.
    """
    fig = go.Figure(
        go.Bar(
            x=df["group"],
            y=df["share_above"],
            marker_color=OK_COLOR,
            customdata=df[["n"]],
            hovertemplate="%{x}<br>%{y:.1%} above threshold<br>%{customdata[0]:,} rows<extra></extra>",
        )
    )
    if overall is not None:
        fig.add_hline(
            y=overall, line_dash="dash", line_color=REF_COLOR,
            annotation_text=f"overall {overall:.1%}", annotation_position="top left",
        )  # fmt: skip
    fig.update_layout(yaxis_tickformat=".0%", yaxis_title="toxic share", height=300, **_LAYOUT)
    return fig


def cluster_size_chart(df: pd.DataFrame) -> go.Figure:
    """How many duplicate clusters have each size. Columns: ``size, clusters``."""
    fig = go.Figure(
        go.Bar(
            x=df["size"].astype(str),
            y=df["clusters"],
            marker_color=OK_COLOR,
            hovertemplate="%{y:,} clusters of %{x} rows<extra></extra>",
        )
    )
    fig.update_layout(
        xaxis_title="rows in cluster", yaxis_title="clusters", xaxis_type="category",
        height=300, **_LAYOUT,
    )  # fmt: skip
    return fig


def npmi_heatmap(rows: list[str], columns: list[str], values: list[list[float | None]], *,
                 title: str = "") -> go.Figure:  # fmt: skip
    """nPMI of words (columns) with groups or identity terms (rows), from -1 to 1."""
    fig = go.Figure(
        go.Heatmap(
            z=values,
            x=columns,
            y=rows,
            zmin=-1,
            zmax=1,
            zmid=0,
            colorscale="RdBu_r",
            hovertemplate="%{y} · %{x}<br>nPMI %{z:.2f}<extra></extra>",
            colorbar={"title": "nPMI"},
        )
    )
    fig.update_layout(
        title=title, height=max(260, 34 * len(rows) + 120), xaxis_tickangle=-40, **_LAYOUT
    )
    return fig


def length_histogram(df: pd.DataFrame) -> go.Figure:
    """Rows per text-length bin. Columns: ``bin, count``."""
    fig = go.Figure(
        go.Bar(
            x=df["bin"],
            y=df["count"],
            marker_color=OK_COLOR,
            hovertemplate="%{x} characters<br>%{y:,} rows<extra></extra>",
        )
    )
    fig.update_layout(
        xaxis_title="characters", yaxis_title="rows", xaxis_type="category", height=300, **_LAYOUT
    )
    return fig
