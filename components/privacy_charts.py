"""Plotly figures of a privacy audit (pure: audit content -> go.Figure)."""

from __future__ import annotations

import plotly.graph_objects as go

MEMBER_COLOR = "#d62728"
NON_MEMBER_COLOR = "#1f77b4"


def _layout(fig: go.Figure, title: str, xtitle: str, ytitle: str, height: int = 320) -> go.Figure:
    fig.update_layout(
        title={"text": title, "font": {"size": 15}},
        height=height,
        margin={"l": 10, "r": 10, "t": 40, "b": 60},
        xaxis_title=xtitle,
        yaxis_title=ytitle,
        legend={"orientation": "h", "yanchor": "top", "y": -0.25, "x": 0, "xanchor": "left"},
        template="plotly_white",
    )
    return fig


def loss_histogram_figure(membership: dict) -> go.Figure:
    """Training rows' vs held-out rows' losses under the fine-tuned model (overlaid)."""
    hist = membership["histogram"]
    edges = hist["edges"]
    mids = [(a + b) / 2 for a, b in zip(edges[:-1], edges[1:], strict=True)]
    width = edges[1] - edges[0] if len(edges) > 1 else 1.0
    fig = go.Figure()
    for key, name, color in (
        ("members", f"training rows (members, n={membership['n_members']})", MEMBER_COLOR),
        (
            "non_members",
            f"held-out rows (never trained on, n={membership['n_non_members']})",
            NON_MEMBER_COLOR,
        ),
    ):
        fig.add_bar(
            x=mids,
            y=hist[key],
            width=width,
            name=name,
            marker_color=color,
            opacity=0.55,
            hovertemplate="loss %{x:.3f}: %{y} rows<extra></extra>",
        )
    fig.update_layout(barmode="overlay")
    return _layout(
        fig, "Loss of training vs held-out rows", "loss under the fine-tuned model", "rows"
    )


def roc_figure(membership: dict) -> go.Figure:
    """The attacks' ROC curves against the chance diagonal."""
    fig = go.Figure()
    fig.add_scatter(
        x=[0, 1], y=[0, 1], mode="lines", name="chance", line={"dash": "dot", "color": "#999"}
    )
    for attack, color in zip(membership.get("attacks") or [], ("#ff7f0e", "#2ca02c"), strict=False):
        roc = attack.get("roc") or []
        fig.add_scatter(
            x=[p[0] for p in roc],
            y=[p[1] for p in roc],
            mode="lines",
            name=f"{attack['label']} (AUC {attack['auc']:.2f})",
            line={"color": color},
        )
    fig.update_xaxes(range=[0, 1])
    fig.update_yaxes(range=[0, 1])
    return _layout(fig, "Membership attack ROC", "false-positive rate", "true-positive rate")


def exposure_figure(groups: list[dict], *, max_exposure: float | None = None) -> go.Figure:
    """Canary exposure (bits) against how often the canary was in the training text."""
    fig = go.Figure()
    xs = [g["repetitions"] for g in groups]
    fig.add_scatter(
        x=xs,
        y=[g["mean_exposure"] for g in groups],
        mode="lines+markers",
        name="mean exposure",
        error_y={
            "type": "data",
            "array": [g.get("exposure_error", 0.0) for g in groups],
            "visible": True,
        },
    )
    if max_exposure:
        fig.add_hline(
            y=max_exposure, line_dash="dot", annotation_text="fully memorised", line_color="#999"
        )
    fig.update_xaxes(type="log")
    return _layout(fig, "Canary exposure vs repetitions", "times inserted (log)", "exposure (bits)")
