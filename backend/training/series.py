"""Read a run's metrics for charts, downsampled in the database.

A 100k-step run has hundreds of thousands of metric rows; sending them all to the
browser makes charts unusable. :func:`load_series` lets the database average them into
at most ``max_points`` buckets of consecutive steps per metric (plus min/max per
bucket), so the page transfers and draws a few thousand points whatever the run length.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd
from sqlalchemy import Integer, cast, func, select

from backend.store import Metric, Store

#: Metric names written by Steward runs (documented in docs/training.md).
TRAIN_METRICS = ("loss", "learning_rate", "grad_norm", "epoch", "epsilon")
EVAL_METRICS = ("eval_loss", "eval_accuracy", "eval_f1", "eval_roc_auc", "eval_perplexity")
TELEMETRY_METRICS = (
    "examples_per_s",
    "tokens_per_s",
    "examples_per_joule",
    "energy_per_step_wh",
    "co2_per_step_g",
    "power_w",
    "cpu_power_w",
    "ram_power_w",
    "gpu_power_w",
    "gpu_util_pct",
    "gpu_mem_gb",
    "gpu_temp_c",
    "gpu_sm_clock_mhz",
    "cpu_percent",
    "system_cpu_percent",
    "ram_gb",
    "energy_kwh_cumulative",
    "co2_g_cumulative",
    "elapsed_s",
)
#: Running totals: a bucket of them is drawn at its last (largest) value.
CUMULATIVE_METRICS = ("energy_kwh_cumulative", "co2_g_cumulative", "elapsed_s")
FORECAST_METRICS = tuple(
    f"forecast_{m}{s}" for m in ("total_s", "energy_kwh", "co2_g") for s in ("", "_low", "_high")
)


def load_series(
    store: Store, run_id: int, names: Iterable[str] | None = None, *, max_points: int = 1500
) -> pd.DataFrame:
    """Metrics of one run as a long frame ``step, name, value, vmin, vmax, n``.

    When the run has more than ``max_points`` distinct steps, consecutive steps are
    averaged into buckets (``step`` is then the mean step of the bucket).
    """
    names = list(names) if names is not None else None
    where = [Metric.run_id == run_id]
    if names is not None:
        where.append(Metric.name.in_(names))
    with store.session() as s:
        max_step = s.scalar(select(func.max(Metric.step)).where(*where))
        if max_step is None:
            return pd.DataFrame(columns=["step", "name", "value", "vmin", "vmax", "n"])
        bucket = max(1, math.ceil((int(max_step) + 1) / max_points))
        b = cast(Metric.step / bucket, Integer).label("b")
        stmt = (
            select(
                Metric.name,
                b,
                func.avg(Metric.step),
                func.avg(Metric.value),
                func.min(Metric.value),
                func.max(Metric.value),
                func.count(),
            )
            .where(*where)
            .group_by(Metric.name, b)
            .order_by(Metric.name, b)
        )
        rows = s.execute(stmt).all()
    frame = pd.DataFrame(rows, columns=["name", "b", "step", "value", "vmin", "vmax", "n"])
    # A running total (energy, CO2, elapsed time) is its last value in a bucket, not the
    # mean: averaged, the samples logged at the final step while the model is evaluated
    # ended the cumulative-energy line at 1.5 Wh on a run whose total is 1.85 Wh.
    total = frame["name"].isin(CUMULATIVE_METRICS) | frame["name"].str.contains(
        "_cumulative@", regex=False
    )
    frame.loc[total, "value"] = frame.loc[total, "vmax"]
    return frame.drop(columns="b")


def latest_values(store: Store, run_id: int) -> dict[str, float]:
    """The last recorded value of every metric of a run."""
    with store.session() as s:
        last_ids = (
            select(func.max(Metric.id)).where(Metric.run_id == run_id).group_by(Metric.name)
        ).scalar_subquery()
        rows = s.execute(select(Metric.name, Metric.value).where(Metric.id.in_(last_ids))).all()
    return {name: value for name, value in rows}


def wide(frame: pd.DataFrame, names: Iterable[str]) -> pd.DataFrame:
    """Pick ``names`` from a long frame into columns indexed by step (NaN where absent)."""
    sub = frame[frame["name"].isin(list(names))]
    if sub.empty:
        return pd.DataFrame()
    return sub.pivot_table(index="step", columns="name", values="value", aggfunc="mean")
