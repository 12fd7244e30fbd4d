"""Forecast the whole run's time, energy and CO2 from the steps done so far.

What is forecast is what the run will finally report: the job's wall time from its
start (worker start-up, model loading and tokenising included) to its end (evaluation
passes and saving included), and the energy measured over the run.

* **Steps still to come**: the average cost per step since the first (warm-up) window.
  The band comes from how much that cost varied: the history is cut into windows of
  equal step count and their lowest and highest per-step costs, widened by
  :data:`BAND_MARGIN`, are applied to the remaining steps. A run sharing its CPU with
  other work slows down and speeds up for minutes at a time, so a window's spread
  understates what the rest of the run can do.
* **Work after the steps** (:class:`RunShape`): each evaluation pass still to come costs
  what a measured pass cost, or, before any pass ran, the training cost of as many
  examples times :data:`EVAL_COST` (forward only, larger batches); then saving.
* **Before the first step**: measured, added as it is.
* Energy: the energy per step of the same windows for the steps still to come, and the
  run's mean power so far for the work after them.

The test ``tests/test_training_forecast.py`` replays recorded runs through this function
and checks that the band contains their final time and energy; when it did not, the
margins above were widened (see docs/training.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

#: Steps needed before a forecast is made (fewer gives meaningless bands).
MIN_STEPS = 10
#: Relative widening of the per-step cost band (applied below and above).
BAND_MARGIN = 0.2
#: Cost of evaluating one example relative to training on one (low, expected, high).
#: Measured on the demo LoRA run on a shared 2-core CPU: 0.13 (forward only, batches
#: of 64 trimmed to their longest row, against forward and backward on batches of 16).
EVAL_COST = (0.06, 0.15, 0.5)
#: Seconds to save the checkpoint and predictions at the end (low, expected, high).
SAVE_S = (0.2, 1.5, 8.0)


@dataclass(frozen=True)
class RunShape:
    """What the run does besides its optimisation steps."""

    #: Measured wall time from the job's start to the first step.
    before_s: float = 0.0
    examples_per_step: int = 0
    #: Examples of one evaluation pass, and passes not run yet (one per epoch).
    eval_examples: int = 0
    eval_passes_left: int = 0
    #: Mean measured seconds of the passes already run (None before the first).
    eval_s_per_pass: float | None = None
    #: Seconds and energy of the passes already run (not part of the steps' series).
    eval_s_done: float = 0.0
    eval_kwh_done: float = 0.0
    #: Checkpoint and predictions still to save (the Steward runner saves once at the end).
    saves_left: int = 0


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
    method: str = (
        "start-up measured + per-step cost extrapolated + evaluation and saving estimated; "
        f"band = lowest–highest window cost ±{BAND_MARGIN:.0%}"
    )

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

    def contains(self, total_s: float, energy_kwh: float | None = None) -> bool:
        """Whether a final time (and energy) falls inside the band."""
        ok = self.total_s_low <= total_s <= self.total_s_high
        if energy_kwh is not None and self.energy_kwh_low is not None:
            ok = ok and self.energy_kwh_low <= energy_kwh <= (self.energy_kwh_high or 0)
        return ok


def _window_rates(s: np.ndarray, series: np.ndarray, n_windows: int) -> tuple[float, float, float]:
    """(mean, low, high) of ``d series / d s`` over equal windows of ``s`` after warm-up."""
    edges = np.linspace(s[0], s[-1], n_windows + 1)
    idx = np.unique(np.searchsorted(s, edges))
    idx = idx[idx < len(s)]
    # The first window is warm-up (allocator growth, caches) when there are enough windows.
    start = idx[1] if len(idx) > 3 else idx[0]
    d_steps = s[-1] - s[start]
    if d_steps <= 0:
        mean = float(series[-1] / max(s[-1], 1))
    else:
        mean = float((series[-1] - series[start]) / d_steps)
    per_window = []
    use = idx[idx >= start]
    for a, b in zip(use[:-1], use[1:], strict=False):
        ds = s[b] - s[a]
        if ds > 0:
            per_window.append((series[b] - series[a]) / ds)
    lo = min([mean, *per_window])
    hi = max([mean, *per_window])
    return mean, float(lo), float(hi)


def forecast_run(
    steps: Sequence[float],
    elapsed_s: Sequence[float],
    energy_kwh: Sequence[float] | None,
    *,
    total_steps: int,
    grid_g_per_kwh: float | None,
    shape: RunShape | None = None,
    n_windows: int = 10,
    min_steps: int = MIN_STEPS,
) -> Forecast | None:
    """Forecast from cumulative series sampled at increasing steps.

    Parameters
    ----------
    steps, elapsed_s, energy_kwh
        Cumulative step count, wall time and energy of the steps (from the first step,
        evaluation passes left out) at each sample (same length; ``energy_kwh`` may be
        None when no energy source is available).
    total_steps
        Steps the run will do in total.
    grid_g_per_kwh
        Carbon intensity for the CO2 forecast (None: no CO2 forecast).
    shape
        Start-up, evaluation and saving around the steps (default: none of them).

    Returns
    -------
    Forecast or None
        None until ``min_steps`` steps are done or when ``total_steps`` is unknown.
    """
    shape = shape or RunShape()
    s = np.asarray(steps, dtype=float)
    t = np.asarray(elapsed_s, dtype=float)
    if total_steps <= 0 or len(s) < 3 or s[-1] < min_steps:
        return None
    done = int(s[-1])
    remaining = max(0, total_steps - done)

    tm, tl, th = _window_rates(s, t, n_windows)
    tl, th = tl * (1 - BAND_MARGIN), th * (1 + BAND_MARGIN)
    # Work after the steps: evaluation passes (measured once one ran) and saving.
    if shape.eval_s_per_pass is not None:
        per_pass = (
            shape.eval_s_per_pass * (1 - BAND_MARGIN),
            shape.eval_s_per_pass,
            shape.eval_s_per_pass * (1 + 2 * BAND_MARGIN),
        )
    else:
        per_example = tm / max(1, shape.examples_per_step)
        per_pass = tuple(shape.eval_examples * per_example * c for c in EVAL_COST)
    after = tuple(
        shape.eval_passes_left * p + shape.saves_left * sv
        for p, sv in zip(per_pass, SAVE_S, strict=True)
    )
    fixed = shape.before_s + t[-1] + shape.eval_s_done
    left_mid = remaining * tm + after[1]
    left_low = remaining * tl + after[0]
    left_high = remaining * th + after[2]

    out_e = (None, None, None)
    out_c = (None, None, None)
    e = None if energy_kwh is None else np.asarray(energy_kwh, dtype=float)
    if e is not None and np.isfinite(e).all() and t[-1] > 0:
        # Steps still to come: energy per step of the same windows as time. Evaluation
        # and saving draw about the run's mean power so far.
        em, el, eh = _window_rates(s, e, n_windows)
        el, eh = el * (1 - BAND_MARGIN), eh * (1 + BAND_MARGIN)
        power = float(e[-1] / t[-1])
        e_now = float(e[-1]) + shape.eval_kwh_done
        out_e = (
            e_now + remaining * em + after[1] * power,
            e_now + remaining * el + after[0] * power * (1 - BAND_MARGIN),
            e_now + remaining * eh + after[2] * power * (1 + BAND_MARGIN),
        )
        if grid_g_per_kwh is not None:
            out_c = tuple(v * grid_g_per_kwh for v in out_e)  # type: ignore[assignment]
    return Forecast(
        steps_done=done,
        total_steps=int(total_steps),
        total_s=float(fixed + left_mid),
        total_s_low=float(fixed + left_low),
        total_s_high=float(fixed + left_high),
        energy_kwh=out_e[0],
        energy_kwh_low=out_e[1],
        energy_kwh_high=out_e[2],
        co2_g=out_c[0],
        co2_g_low=out_c[1],
        co2_g_high=out_c[2],
    )
