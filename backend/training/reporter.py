"""RunReporter: everything a training run tells the store while it runs.

Shared by Steward's own training loop and by :class:`StewardCallback` (for users'
``Trainer`` scripts), so both produce the same metrics, progress, telemetry and final
``run`` artifact.

Cost on the training thread is a dict append per logged step: database writes are
batched and done at most once per second, by the telemetry sampler thread when
telemetry is on (or by the training thread when it is off).
"""

from __future__ import annotations

import atexit
import logging
import os
import platform
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from backend.errors import JobCancelled
from backend.jobs import JobContext
from backend.store import Metric, Store, utcnow
from backend.telemetry import (
    ENERGY_SOURCE_LABELS,
    TelemetrySampler,
    TelemetrySnapshot,
    forecast_run,
    resolve_grid_intensity,
)
from backend.telemetry.forecast import RunShape
from backend.telemetry.grid import GridIntensity
from backend.telemetry.sampler import no_gpu_message

log = logging.getLogger(__name__)

FLUSH_INTERVAL_S = 1.0


@dataclass
class _Point:
    step: int
    elapsed_s: float
    energy_kwh: float | None


class RunReporter:
    """Reports one run (a ``train`` job) to the store.

    Parameters
    ----------
    store
        Where metrics, progress and the final artifact go.
    job_id
        The job to report to. None creates a job with ``runner="external"``
        (a user's own script), unless ``STEWARD_JOB_ID`` is set.
    run_name, params
        Name and parameters of a job created here.
    telemetry
        Start the hardware sampler (NVML, psutil, codecarbon).
    """

    def __init__(
        self,
        store: Store,
        *,
        job_id: int | None = None,
        run_name: str = "",
        params: dict | None = None,
        telemetry: bool = True,
        interval_s: float = 1.0,
        country_iso_code: str | None = None,
        grid: GridIntensity | None = None,
        run_dir: Path | None = None,
    ) -> None:
        from backend.config import get_settings

        settings = get_settings()
        self.store = store
        self.external = False
        if job_id is None and os.environ.get("STEWARD_JOB_ID"):
            job_id = int(os.environ["STEWARD_JOB_ID"])
        if job_id is None:
            job = store.create_job(
                kind="train",
                name=run_name or "external run",
                params=params or {},
                runner="external",
                owner_pid=os.getpid(),
                worker_pid=os.getpid(),
            )
            job_id = job.id
            self.external = True
            store.update_job(job_id, status="running", started_at=utcnow(), message="Training")
        self.job_id = int(job_id)
        self.ctx = JobContext(store, self.job_id)
        self.run_dir = Path(run_dir) if run_dir else settings.runs_dir / str(self.job_id)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.country = country_iso_code or settings.country_iso_code
        self.grid = grid or resolve_grid_intensity(country_iso_code=self.country)
        self.total_steps = 0
        self.examples_per_step = 0
        self.step = 0
        self.examples_seen = 0
        self.tokens_seen = 0
        self.epoch = 0.0
        self.finished = False
        self.cancelled = False
        self._t0 = time.monotonic()
        self._lock = threading.Lock()
        self._buffer: list[tuple[int, dict[str, float | None]]] = []
        self._last_flush = 0.0
        self._last_progress = 0.0
        self._history: list[_Point] = []
        self._prev_tick: tuple[float, int, int, float | None] | None = None
        self.last_metrics: dict[str, float] = {}
        self.run_name = run_name
        self._watcher = None
        self.forecast = None
        self._before_s = 0.0
        self._eval_examples = 0
        self._eval_passes = 0
        self._eval_t0: float | None = None
        self._eval_times: list[float] = []
        self._eval_e0: float | None = None
        self._eval_kwh: list[float] = []
        self.sampler: TelemetrySampler | None = None
        if telemetry:
            self.sampler = TelemetrySampler(
                interval_s=interval_s,
                country_iso_code=self.country,
                output_dir=self.run_dir,
                on_sample=self._on_sample,
            )
        if self.external:
            atexit.register(self._atexit)

    # -- lifecycle -------------------------------------------------------------------
    def start(
        self,
        *,
        total_steps: int,
        examples_per_step: int,
        eval_examples: int = 0,
        eval_passes: int = 0,
    ) -> None:
        """The first step is next. ``eval_examples`` × ``eval_passes`` evaluation work
        follows the steps (one pass per epoch); the forecast counts it."""
        self.total_steps = int(total_steps)
        self.examples_per_step = int(examples_per_step)
        self._eval_examples = int(eval_examples)
        self._eval_passes = int(eval_passes)
        self._t0 = time.monotonic()
        # Worker start-up, model loading and tokenising already happened: the job's
        # duration includes them, so the forecast does too.
        job = self.store.get_job(self.job_id)
        if job is not None and job.started_at is not None:
            self._before_s = max(0.0, (utcnow() - job.started_at).total_seconds())
        if self.sampler is not None:
            self.sampler.start()
        # Until the final summary replaces it, the job result says where the live
        # energy and CO2 figures come from, so the page can label them while running.
        self.store.update_job(
            self.job_id,
            message=f"Training: 0/{self.total_steps} steps",
            result={"status": "running", **self.live_info()},
        )

    def live_info(self) -> dict[str, Any]:
        """Sources of the live figures (energy, grid intensity, hardware)."""
        if self.sampler is not None:
            source = self.sampler.energy_source
            label = self.sampler.energy_source_label
            note = self.sampler.describe_hardware()
        else:
            source, label, note = "unavailable", "Telemetry was switched off for this run", None
        return {
            "total_steps": self.total_steps,
            "energy_source": source,
            "energy_source_label": label,
            "grid_intensity_g_per_kwh": self.grid.g_per_kwh,
            "grid_intensity_source": self.grid.source,
            "hardware_note": note,
        }

    def message(self, text: str) -> None:
        self.store.update_job(self.job_id, message=text)

    def evaluation_started(self) -> None:
        self._eval_t0 = time.monotonic()
        self._eval_e0 = self._latest_energy()

    def evaluation_finished(self) -> None:
        """One evaluation pass ended: its measured time (and energy) feed the forecast."""
        if self._eval_t0 is not None:
            self._eval_times.append(time.monotonic() - self._eval_t0)
            self._eval_t0 = None
        e1 = self._latest_energy()
        if e1 is not None and self._eval_e0 is not None:
            self._eval_kwh.append(max(0.0, e1 - self._eval_e0))

    def _latest_energy(self) -> float | None:
        """The sampler's newest energy reading (at most one interval old)."""
        return self.sampler.latest.energy_kwh if self.sampler is not None else None

    def _shape(self) -> RunShape:
        done = len(self._eval_times)
        return RunShape(
            before_s=self._before_s,
            examples_per_step=self.examples_per_step,
            eval_examples=self._eval_examples,
            eval_passes_left=max(0, self._eval_passes - done),
            eval_s_per_pass=sum(self._eval_times) / done if done else None,
            eval_s_done=sum(self._eval_times),
            eval_kwh_done=sum(self._eval_kwh),
            saves_left=0 if self.finished else 1,
        )

    @property
    def elapsed_s(self) -> float:
        return time.monotonic() - self._t0

    # -- per step --------------------------------------------------------------------
    def log_step(
        self,
        step: int,
        metrics: dict[str, float | None],
        *,
        examples: int = 0,
        tokens: int = 0,
        epoch: float | None = None,
    ) -> None:
        """Record one optimisation step (called on the training thread; cheap)."""
        self.step = int(step)
        self.examples_seen += int(examples)
        self.tokens_seen += int(tokens)
        if epoch is not None:
            self.epoch = float(epoch)
            metrics = {**metrics, "epoch": self.epoch}
        self.log(step, metrics)
        now = time.monotonic()
        if self.sampler is None and now - self._last_flush >= FLUSH_INTERVAL_S:
            self._derive_without_telemetry(now)
            self.flush()
        if now - self._last_progress >= 1.0:
            self._last_progress = now
            frac = self.step / self.total_steps if self.total_steps else 0.0
            # Raises JobCancelled when someone pressed Cancel (checked at most every second).
            self.ctx.progress(frac, f"Training: step {self.step}/{self.total_steps}", force=True)

    def log(self, step: int, metrics: dict[str, float | None]) -> None:
        clean = {k: float(v) for k, v in metrics.items() if v is not None and _finite(v)}
        with self._lock:
            self._buffer.append((int(step), clean))
            self.last_metrics.update(clean)

    def check_cancelled(self) -> bool:
        try:
            self.ctx.check_cancelled()
        except JobCancelled:
            return True
        return False

    def flush(self) -> None:
        with self._lock:
            rows, self._buffer = self._buffer, []
            self._last_flush = time.monotonic()
        if not rows:
            return
        now = utcnow()
        objs = [
            Metric(run_id=self.job_id, step=step, name=k, value=v, time=now)
            for step, values in rows
            for k, v in values.items()
        ]
        try:
            with self.store.session() as s:
                s.add_all(objs)
        except Exception:  # noqa: BLE001 - a locked DB must not kill the run; retry next time
            log.warning("could not write %d metric rows; will retry", len(objs), exc_info=True)
            with self._lock:
                self._buffer[:0] = rows
            return
        self._check_budgets(rows)

    def _check_budgets(self, rows: list[tuple[int, dict[str, float]]]) -> None:
        """The metrics just landed: check the run's energy, CO2 and ε budgets."""
        latest: dict[str, float] = {}
        for _step, values in rows:
            latest.update(values)
        try:
            if self._watcher is None:
                from backend.alerts import RunWatcher  # noqa: PLC0415 - only when metrics land

                self._watcher = RunWatcher(self.store, self.job_id, run_name=self.run_name)
            self._watcher.observe(latest)
        except Exception:  # noqa: BLE001 - an alert problem must never stop training
            log.warning("could not check the run's alert thresholds", exc_info=True)

    # -- telemetry (sampler thread) ---------------------------------------------------------
    def _on_sample(self, snap: TelemetrySnapshot) -> None:
        now = time.monotonic()
        step, examples, tokens = self.step, self.examples_seen, self.tokens_seen
        values: dict[str, float | None] = dict(snap.as_metrics())
        values["elapsed_s"] = now - self._t0
        energy = snap.energy_kwh
        if energy is not None:
            values["co2_g_cumulative"] = energy * self.grid.g_per_kwh
            power = sum(v for v in (snap.cpu_power_w, snap.ram_power_w, snap.gpu_power_w) if v)
            values["power_w"] = power
        if self._prev_tick is not None:
            pt, pstep, pex, pen = self._prev_tick
            dt = now - pt
            if dt > 0:
                values["examples_per_s"] = (examples - pex) / dt
                if tokens:
                    values["tokens_per_s"] = (tokens - (self._prev_tokens or 0)) / dt
            if energy is not None and pen is not None:
                d_joule = (energy - pen) * 3.6e6
                if d_joule > 0 and examples > pex:
                    values["examples_per_joule"] = (examples - pex) / d_joule
                if step > pstep:
                    per_step_kwh = (energy - pen) / (step - pstep)
                    values["energy_per_step_wh"] = per_step_kwh * 1000
                    values["co2_per_step_g"] = per_step_kwh * self.grid.g_per_kwh
        self._prev_tick = (now, step, examples, energy)
        self._prev_tokens = tokens
        self._record_forecast(step, now - self._t0, energy, values)
        self.log(step, values)
        self.flush()

    _prev_tokens: int | None = None

    def _derive_without_telemetry(self, now: float) -> None:
        step, examples = self.step, self.examples_seen
        values: dict[str, float | None] = {"elapsed_s": now - self._t0}
        if self._prev_tick is not None:
            pt, _pstep, pex, _ = self._prev_tick
            if now > pt:
                values["examples_per_s"] = (examples - pex) / (now - pt)
        self._prev_tick = (now, step, examples, None)
        self._record_forecast(step, now - self._t0, None, values)
        self.log(step, values)

    def _record_forecast(self, step: int, elapsed: float, energy: float | None, values) -> None:
        if step <= 0 or self._eval_t0 is not None:
            return  # evaluating: no step moves, the pass is timed on its own
        # Step time only: evaluation passes are measured apart (see _shape).
        elapsed -= sum(self._eval_times)
        values["step_elapsed_s"] = elapsed
        if energy is not None:
            energy -= sum(self._eval_kwh)
            values["step_energy_kwh"] = energy
        if not self._history or step > self._history[-1].step:
            self._history.append(_Point(step, elapsed, energy))
        hist = self._history
        if len(hist) > 4000:  # keep memory bounded on very long runs
            self._history = hist = hist[::2]
        energies = None if any(p.energy_kwh is None for p in hist) else [p.energy_kwh for p in hist]
        fc = forecast_run(
            [p.step for p in hist],
            [p.elapsed_s for p in hist],
            energies,
            total_steps=self.total_steps,
            grid_g_per_kwh=self.grid.g_per_kwh,
            shape=self._shape(),
        )
        if fc is not None:
            self.forecast = fc
            values.update(fc.as_metrics())

    # -- end -------------------------------------------------------------------------
    def telemetry_summary(self) -> dict[str, Any]:
        """Energy, CO2, hardware and their sources, for the run summary."""
        snap = self.sampler.stop() if self.sampler is not None else None
        if snap is not None:
            self._on_sample_final(snap)
        self.flush()
        energy = snap.energy_kwh if snap is not None else None
        source = snap.energy_source if snap is not None else "unavailable"
        label = (
            self.sampler.energy_source_label
            if self.sampler is not None
            else "Telemetry was switched off for this run"
        )
        gpu = None
        nvml_reason = None
        if self.sampler is not None and self.sampler.nvml.available:
            gpu = ", ".join(d.name for d in self.sampler.nvml.devices)
        elif self.sampler is not None:
            nvml_reason = self.sampler.nvml.reason
        import torch

        return {
            "energy_kwh": energy,
            "energy_gpu_kwh": snap.energy_gpu_kwh if snap else None,
            "energy_cpu_ram_kwh": snap.energy_cpu_ram_kwh if snap else None,
            "co2_g": energy * self.grid.g_per_kwh if energy is not None else None,
            "energy_source": source,
            "energy_source_label": label,
            "energy_measured": source in ("nvml_counter", "nvml_power_integration"),
            "grid_intensity_g_per_kwh": self.grid.g_per_kwh,
            "grid_intensity_source": self.grid.source,
            "country_iso_code": self.country,
            "peak_ram_gb": snap.peak_ram_gb if snap else _rss_gb(),
            "hardware": {
                "cpu": platform.processor() or platform.machine(),
                "cpu_count": psutil.cpu_count(),
                "gpu": gpu,
                "nvml": "ok" if gpu else nvml_reason,
                "hardware_note": self.sampler.describe_hardware() if self.sampler else None,
                "torch_threads": torch.get_num_threads(),
            },
            "forecast_at_end": self.forecast.to_dict() if self.forecast else None,
            "timeline": {
                "before_training_s": round(self._before_s, 3),
                "evaluation_s": [round(x, 3) for x in self._eval_times],
                "evaluation_kwh": list(self._eval_kwh),
            },
        }

    def _on_sample_final(self, snap: TelemetrySnapshot) -> None:
        values = dict(snap.as_metrics())
        values["elapsed_s"] = self.elapsed_s
        if snap.energy_kwh is not None:
            values["co2_g_cumulative"] = snap.energy_kwh * self.grid.g_per_kwh
        self.log(self.step, values)

    def finish(self, summary: dict, *, status: str = "succeeded", error: str | None = None):
        """Save the ``run`` artifact and the job result; set the terminal status."""
        self.flush()
        content = dict(summary)
        content["status"] = status
        content.setdefault("job_id", self.job_id)
        art = None
        if status == "succeeded":
            art = self.store.save_artifact(
                kind="run",
                name=content.get("run_name") or f"run #{self.job_id}",
                content=content,
                job_id=self.job_id,
                dataset_id=content.get("dataset_id"),
            )
            content["artifact_id"] = art.id
        fields: dict[str, Any] = {
            "status": status,
            "finished_at": utcnow(),
            "result": content,
            "message": {"succeeded": "Done", "cancelled": "Cancelled by user"}.get(
                status, "Failed"
            ),
        }
        if status == "succeeded":
            fields["progress"] = 1.0
        if error:
            fields["error"] = error
        self.store.update_job(self.job_id, **fields)
        self.finished = True
        return art

    def _atexit(self) -> None:
        """A user's script that exits before on_train_end leaves no 'running' ghost."""
        if self.finished:
            return
        try:
            if self.sampler is not None:
                self.sampler.stop()
            self.flush()
            self.store.update_job(
                self.job_id,
                status="failed",
                finished_at=utcnow(),
                message="Failed",
                error="The training script exited before training ended.",
            )
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass


def _finite(v) -> bool:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return False
    return f == f and f not in (float("inf"), float("-inf"))


def _rss_gb() -> float:
    return psutil.Process().memory_info().rss / 1e9


__all__ = ["ENERGY_SOURCE_LABELS", "RunReporter", "no_gpu_message"]
