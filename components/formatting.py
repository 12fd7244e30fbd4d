"""Small formatting helpers shared by pages."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

import pandas as pd
import streamlit as st

#: What an empty cell shows (never the text "None").
EMPTY_CELL = "–"

_BADGES = {
    "succeeded": ":green-badge[succeeded]",
    "running": ":blue-badge[running]",
    "queued": ":gray-badge[queued]",
    "failed": ":red-badge[failed]",
    "cancelled": ":orange-badge[cancelled]",
    "interrupted": ":orange-badge[interrupted]",
    "critical": ":red-badge[critical]",
    "warning": ":orange-badge[warning]",
    "info": ":blue-badge[info]",
    "high": ":red-badge[high]",
    "medium": ":orange-badge[medium]",
    "open": ":red-badge[open]",
    "acknowledged": ":blue-badge[acknowledged]",
    "resolved": ":green-badge[resolved]",
}


def status_badge(status: str) -> str:
    """A coloured Markdown badge for a job status or alert severity."""
    return _BADGES.get(status, f":gray-badge[{status}]")


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds // 60:.0f} min {seconds % 60:02.0f} s"
    return f"{seconds // 3600:.0f} h {(seconds % 3600) // 60:02.0f} min"


def format_time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "–"


def plain_md(text: str) -> str:
    """User-controlled text (file names, notes) shown as text, not as Markdown or HTML."""
    escaped = html.escape(str(text), quote=False)
    for ch in "\\`*_[]#|~$":
        escaped = escaped.replace(ch, "\\" + ch)
    return escaped


def tidy_frame(data: Any) -> pd.DataFrame:
    """A table ready to show: empty text cells read "–" instead of "None".

    Numeric columns keep NaN, so they stay sortable as numbers; :func:`show_table` passes
    the same "–" as the grid's placeholder for them (Streamlit otherwise draws "None").
    Every other column has its missing values replaced here.
    """
    if isinstance(data, pd.Series):
        frame = data.to_frame()
    elif isinstance(data, pd.DataFrame):
        frame = data.copy()
    else:
        frame = pd.DataFrame(data)
    for col in frame.columns:
        values = frame[col]
        if isinstance(values, pd.DataFrame):  # duplicate column names: leave them alone
            continue
        kind = values.dtype.kind
        if kind in "biufcmM":  # numbers, booleans, times: NaN/NaT draw as empty cells
            continue
        if values.isna().any():
            frame[col] = values.astype(object).where(values.notna(), EMPTY_CELL)
    return frame


def show_table(data: Any, **kwargs: Any):
    """``st.dataframe`` for every table in the app, through :func:`tidy_frame`."""
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("placeholder", EMPTY_CELL)
    return st.dataframe(tidy_frame(data), **kwargs)
