"""Plotly figure builders for the Fine-tune monitor (pure: DataFrame -> go.Figure).

Input frames are the long frames of :func:`backend.training.series.load_series`
(``step, name, value, vmin, vmax, n``), already downsampled by the database.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from backend.training.distributed import rank_of_tag, split_tag

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]
LABELS = {
    "loss": "training loss",
    "eval_loss": "eval loss",
    "eval_accuracy": "eval accuracy",
    "eval_f1": "eval F1",
    "eval_roc_auc": "eval ROC AUC",
    "eval_perplexity": "eval perplexity",
    "learning_rate": "learning rate",
    "examples_per_s": "examples/s",
    "tokens_per_s": "tokens/s",
    "examples_per_joule": "examples per joule",
    "power_w": "total (estimated)",
    "cpu_power_w": "CPU (codecarbon estimate)",
    "ram_power_w": "RAM (codecarbon estimate)",
    "gpu_power_w": "GPU (NVML)",
    "energy_kwh_cumulative": "energy",
    "co2_g_cumulative": "CO₂",
    "epsilon": "ε",
    "cpu_percent": "this run, % of all cores",
    "system_cpu_percent": "whole machine",
    "ram_gb": "RAM of this run (GB)",
}


def _layout(
    fig: go.Figure, title: str, ytitle: str, height: int = 300, tozero: bool = False
) -> go.Figure:
    fig.update_layout(
        title={"text": title, "font": {"size": 15}},
        height=height,
        # room under the x axis for the legend when there is one
        margin={"l": 10, "r": 10, "t": 40, "b": 60 if len(fig.data) > 1 else 10},
        xaxis_title="step",
        # From step 0, so every chart of a run lines up with the loss chart, and one eval
        # point sits at its step instead of alone on an axis from 37.5 to 38.5.
        xaxis={"rangemode": "tozero"},
        yaxis_title=ytitle,
        yaxis={"exponentformat": "SI", "rangemode": "tozero" if tozero else "normal"},
        showlegend=len(fig.data) > 1,
        legend={"orientation": "h", "yanchor": "top", "y": -0.32, "x": 0, "xanchor": "left"},
        hovermode="x unified",
        template="plotly_white",
    )
    return fig


def empty_figure(title: str, message: str, height: int = 280) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(
        text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False, font={"size": 13}
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(
        title={"text": title, "font": {"size": 15}},
        height=height,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        template="plotly_white",
    )
    return fig


def _series(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    return frame[frame["name"] == name].sort_values("step")


def lines_figure(
    frame: pd.DataFrame,
    names: list[str],
    *,
    title: str,
    ytitle: str,
    scale: float = 1.0,
    markers_for: tuple[str, ...] = (
        "eval_loss",
        "eval_accuracy",
        "eval_f1",
        "eval_roc_auc",
        "eval_perplexity",
    ),
    empty_message: str = "No data yet.",
    show_range: bool = False,
    tozero: bool = True,
) -> go.Figure:
    """One line per metric in ``names``; eval metrics as lines with markers.

    ``show_range`` shades the min–max of each downsampled bucket (visible on long runs).
    """
    fig = go.Figure()
    drawn = 0
    for i, name in enumerate(names):
        s = _series(frame, name)
        if s.empty:
            continue
        color = PALETTE[i % len(PALETTE)]
        if show_range and (s["n"] > 1).any():
            fig.add_trace(
                go.Scatter(
                    x=pd.concat([s["step"], s["step"][::-1]]),
                    y=pd.concat([s["vmax"], s["vmin"][::-1]]) * scale,
                    fill="toself",
                    mode="lines",
                    line={"width": 0},
                    fillcolor=color,
                    opacity=0.15,
                    hoverinfo="skip",
                    showlegend=False,
                )
            )
        fig.add_trace(
            go.Scatter(
                x=s["step"],
                y=s["value"] * scale,
                name=LABELS.get(name, name),
                mode="lines+markers" if name in markers_for or len(s) < 3 else "lines",
                line={"color": color},
            )
        )
        drawn += 1
    if not drawn:
        return empty_figure(title, empty_message)
    return _layout(fig, title, ytitle, tozero=tozero)


def loss_figure(frame: pd.DataFrame) -> go.Figure:
    return lines_figure(frame, ["loss", "eval_loss"], title="Loss", ytitle="loss", show_range=True)


def eval_figure(frame: pd.DataFrame) -> go.Figure:
    return lines_figure(
        frame,
        ["eval_accuracy", "eval_f1", "eval_roc_auc", "eval_perplexity"],
        title="Held-out evaluation (per epoch)",
        ytitle="score",
        empty_message="Evaluated after each epoch: nothing yet.",
    )


def forecast_figure(
    frame: pd.DataFrame, metric: str, *, title: str, ytitle: str, scale: float = 1.0
) -> go.Figure:
    """The forecast of a run total as it evolved, with its p10–p90 band."""
    mid = _series(frame, f"forecast_{metric}")
    lo = _series(frame, f"forecast_{metric}_low")
    hi = _series(frame, f"forecast_{metric}_high")
    if mid.empty:
        return empty_figure(title, "The forecast appears after the first 10 steps.")
    fig = go.Figure()
    if not lo.empty and not hi.empty:
        fig.add_trace(
            go.Scatter(
                x=pd.concat([hi["step"], lo["step"][::-1]]),
                y=pd.concat([hi["value"], lo["value"][::-1]]) * scale,
                fill="toself",
                mode="lines",
                fillcolor="rgba(31,119,180,0.18)",
                line={"width": 0},
                name="p10–p90 band",
                hoverinfo="skip",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=mid["step"], y=mid["value"] * scale, name="forecast of the total", mode="lines"
        )
    )
    return _layout(fig, title, ytitle, tozero=True)


def rank_label(tag: str) -> str:
    """'node0.rank1' -> 'node 0 · rank 1'."""
    node, _, rank = tag.partition(".")
    return f"{node.replace('node', 'node ')} · {rank.replace('rank', 'rank ')}"


def per_rank_figure(
    frame: pd.DataFrame, metric: str, *, title: str, ytitle: str, scale: float = 1.0
) -> go.Figure:
    """One line per rank of a multi-process run (metrics tagged ``metric@nodeN.rankR``)."""
    fig = go.Figure()
    tags = sorted(
        {split_tag(name)[1] for name in frame["name"].unique()} - {None},
        key=lambda t: rank_of_tag(t) or 0,
    )
    for i, tag in enumerate(tags):
        s = _series(frame, f"{metric}@{tag}")
        if s.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=s["step"],
                y=s["value"] * scale,
                name=rank_label(tag),
                mode="lines+markers" if len(s) < 3 else "lines",
                line={"color": PALETTE[i % len(PALETTE)]},
            )
        )
    if not fig.data:
        return empty_figure(title, "No per-rank readings yet.")
    return _layout(fig, title, ytitle, tozero=True)


def compare_figure(
    frames: dict[str, pd.DataFrame], name: str, *, title: str, ytitle: str, scale: float = 1.0
) -> go.Figure:
    """The same metric for several runs on one chart."""
    fig = go.Figure()
    for i, (label, frame) in enumerate(frames.items()):
        s = _series(frame, name)
        if s.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=s["step"],
                y=s["value"] * scale,
                name=label,
                mode="lines+markers" if len(s) < 3 else "lines",
                line={"color": PALETTE[i % len(PALETTE)]},
            )
        )
    if not fig.data:
        return empty_figure(title, "No data for these runs.")
    return _layout(fig, title, ytitle)
