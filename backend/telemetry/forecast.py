"""Forecast the whole run's time, energy and CO2 from the steps done so far.

The point estimate extrapolates the average cost per step since the first (warm-up)
window. The band comes from how much that cost varied: the history is cut into
windows of equal step count and the 10th and 90th percentiles of their per-step
costs are applied to the remaining steps. A run whose speed is steady gets a narrow
band; a run sharing its CPU with other work gets a wide one, which is the honest answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

#: Steps needed before a forecast is made (fewer gives meaningless bands).
MIN_STEPS = 10


@dataclass(frozen=True)
class Forecast:
    steps_done: int
    total_steps: int
    total_s: float
    total_s_low: float
    total_s_high: float
    energy_kwh: float | None
    energy_kwh_low: float | None
    energy_kwh_high: float | None
    co2_g: float | None
    co2_g_low: float | None
    co2_g_high: float | None
    method: str = "per-step cost extrapolated; band = p10–p90 of window costs"

    def to_dict(self) -> dict:
        return asdict(self)

    def as_metrics(self) -> dict[str, float | None]:
        """Metric names written to the store (see docs/training.md)."""
        return {
            "forecast_total_s": self.total_s,
            "forecast_total_s_low": self.total_s_low,
            "forecast_total_s_high": self.total_s_high,
            "forecast_energy_kwh": self.energy_kwh,
            "forecast_energy_kwh_low": self.energy_kwh_low,
            "forecast_energy_kwh_high": self.energy_kwh_high,
            "forecast_co2_g": self.co2_g,
            "forecast_co2_g_low": self.co2_g_low,
            "forecast_co2_g_high": self.co2_g_high,
        }


def forecast_run(
    steps: Sequence[float],
    elapsed_s: Sequence[float],
    energy_kwh: Sequence[float] | None,
    *,
    total_steps: int,
    grid_g_per_kwh: float | None,
    n_windows: int = 10,
    min_steps: int = MIN_STEPS,
) -> Forecast | None:
    """Forecast from cumulative series sampled at increasing steps.

    Parameters
    ----------
    steps, elapsed_s, energy_kwh
        Cumulative step count, wall time and energy at each sample (same length;
        ``energy_kwh`` may be None when no energy source is available).
    total_steps
        Steps the run will do in total.
    grid_g_per_kwh
        Carbon intensity for the CO2 forecast (None: no CO2 forecast).

    Returns
    -------
    Forecast or None
        None until ``min_steps`` steps are done or when ``total_steps`` is unknown.
    """
    s = np.asarray(steps, dtype=float)
    t = np.asarray(elapsed_s, dtype=float)
    if total_steps <= 0 or len(s) < 3 or s[-1] < min_steps:
        return None
    e = None if energy_kwh is None else np.asarray(energy_kwh, dtype=float)
    done = int(s[-1])
    remaining = max(0, total_steps - done)

    # Window edges at equal step counts; the first window is warm-up (model load,
    # allocator growth) and is left out of the rates when there are enough windows.
    edges = np.linspace(s[0], s[-1], n_windows + 1)
    idx = np.unique(np.searchsorted(s, edges))
    idx = idx[idx < len(s)]
    start = idx[1] if len(idx) > 3 else idx[0]

    def rates(series: np.ndarray) -> tuple[float, float, float]:
        d_steps = s[-1] - s[start]
        if d_steps <= 0:
            d_steps, base = s[-1], 0.0
            mean = series[-1] / max(d_steps, 1)
        else:
            base = series[start]
            mean = (series[-1] - base) / d_steps
        per_window = []
        use = idx[idx >= start]
        for a, b in zip(use[:-1], use[1:], strict=False):
            ds = s[b] - s[a]
            if ds > 0:
                per_window.append((series[b] - series[a]) / ds)
        if len(per_window) >= 2:
            lo, hi = np.percentile(per_window, [10, 90])
        else:
            lo = hi = mean
        return mean, min(lo, mean), max(hi, mean)

    tm, tl, th = rates(t)
    total_s = float(t[-1] + remaining * tm)
    out_e = (None, None, None)
    out_c = (None, None, None)
    if e is not None and np.isfinite(e).all():
        em, el, eh = rates(e)
        out_e = (
            float(e[-1] + remaining * em),
            float(e[-1] + remaining * el),
            float(e[-1] + remaining * eh),
        )
        if grid_g_per_kwh is not None:
            out_c = tuple(v * grid_g_per_kwh for v in out_e)  # type: ignore[assignment]
    return Forecast(
        steps_done=done,
        total_steps=int(total_steps),
        total_s=total_s,
        total_s_low=float(t[-1] + remaining * tl),
        total_s_high=float(t[-1] + remaining * th),
        energy_kwh=out_e[0],
        energy_kwh_low=out_e[1],
        energy_kwh_high=out_e[2],
        co2_g=out_c[0],
        co2_g_low=out_c[1],
        co2_g_high=out_c[2],
    )
