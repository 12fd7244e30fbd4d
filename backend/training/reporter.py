"""RunReporter: everything a training run tells the store while it runs.

Shared by Steward's own training loop and by :class:`StewardCallback` (for users'
``Trainer`` scripts), so both produce the same metrics, progress, telemetry and final
``run`` artifact.

Cost on the training thread is a dict append per logged step: database writes are
batched and done at most once per second, by the telemetry sampler thread when
telemetry is on (or by the training thread when it is off).

Launched on several processes (``torchrun``, ``accelerate launch``), every rank builds
its reporter for the same job (see :mod:`backend.training.distributed`): rank 0 reports
loss, evaluation, progress and the summary; every rank its own telemetry under its
node/rank tag; rank 0 sums the ranks' energy into the run's. A distributed run adds one
16-byte all-reduce about once a second on the training thread (the agreed cancel check).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import platform
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import select

from backend.errors import JobCancelled
from backend.jobs import JobContext, pid_alive
from backend.observations import finite_number
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
from backend.telemetry.sampler import no_gpu_message, weakest_source
from backend.training.distributed import (
    PER_RANK_METRICS,
    RANK_DONE,
    RANK_DONE_CODES,
    RANK_TAG_SEP,
    STOP_REQUESTED,
    SUMMED_METRICS,
    Coordinator,
    RankInfo,
    rank_info,
    split_tag,
    tagged,
)

log = logging.getLogger(__name__)

FLUSH_INTERVAL_S = 1.0
#: How long rank 0 waits, at the end, for the other ranks' final energy readings.
PEER_WAIT_S = 20.0
#: The same wait when a user's script dies on a lost peer (it delays the script's exit).
PEER_EXIT_WAIT_S = 10.0


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
    rank
        This process's place in a multi-process launch (default: from the launcher's
        environment). Every rank of a launch reports to the same job.
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
        rank: RankInfo | None = None,
    ) -> None:
        from backend.config import get_settings

        settings = get_settings()
        self.store = store
        self.external = False
        self.rank: RankInfo = rank or rank_info()
        self.coord = Coordinator(self.rank) if self.rank.distributed else None
        if job_id is None and os.environ.get("STEWARD_JOB_ID"):
            job_id = int(os.environ["STEWARD_JOB_ID"])
        created = job_id is None
        if job_id is None and self.rank.primary:
            job = store.create_job(
                kind="train",
                name=run_name or "external run",
                params={**(params or {}), "world_size": self.rank.world_size},
                runner="external",
                owner_pid=os.getpid(),
                worker_pid=os.getpid(),
            )
            job_id = job.id
            self.external = True
            store.update_job(job_id, status="running", started_at=utcnow(), message="Training")
        if created and self.coord is not None:
            # A launch outside the dashboard: rank 0 just created the job; tell the others.
            job_id = self.coord.broadcast(job_id)
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
        self.forecast = None
        self._before_s = 0.0
        self._eval_examples = 0
        self._eval_passes = 0
        self._eval_t0: float | None = None
        self._eval_times: list[float] = []
        self._eval_e0: float | None = None
        self._eval_kwh: list[float] = []
        self.sampler: TelemetrySampler | None = None
        self.ranks: list[dict] = [self._rank_entry()] if self.rank.distributed else []
        self._peers: dict[str, dict[str, float]] = {}  # tag -> latest per-rank values
        self._peer_last_id = 0
        self._local_cancel = False
        self._next_agreement = 0  # the step of the next cancel agreement (several ranks)
        self._last_agreement = (0, time.monotonic())
        self.final_telemetry: dict[str, Any] | None = None
        self.missing_peers: list[dict] = []
        self.sampler: TelemetrySampler | None = None
        if telemetry:
            self.sampler = TelemetrySampler(
                interval_s=interval_s,
                country_iso_code=self.country,
                output_dir=self.run_dir / self.rank.tag if self.rank.distributed else self.run_dir,
                on_sample=self._on_sample,
                # One GPU per rank (its local rank), so the sum over ranks counts each once.
                local_rank=self.rank.local_rank if self.rank.distributed else None,
            )
        if self.external or not self.rank.primary:
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
        if self.coord is not None:
            self.ranks = self.coord.gather(self._rank_entry())
        if not self.rank.primary:
            return
        # Until the final summary replaces it, the job result says where the live
        # energy and CO2 figures come from, so the page can label them while running.
        self.store.update_job(
            self.job_id,
            message=f"Training: 0/{self.total_steps} steps",
            result={"status": "running", **self.live_info()},
        )

    def _rank_entry(self) -> dict[str, Any]:
        """This rank, its host and what measures its energy (gathered by rank 0)."""
        entry = self.rank.to_dict()
        if self.sampler is not None and self.sampler.started:
            entry["energy_source"] = self.sampler.energy_source
            entry["hardware_note"] = self.sampler.describe_hardware()
        else:
            entry["energy_source"] = "unavailable"
        return entry

    def live_info(self) -> dict[str, Any]:
        """Sources of the live figures (energy, grid intensity, hardware)."""
        if self.sampler is not None:
            source = self.sampler.energy_source
            label = self.sampler.energy_source_label
            note = self.sampler.describe_hardware()
        else:
            source, label, note = "unavailable", "Telemetry was switched off for this run", None
        info: dict[str, Any] = {
            "total_steps": self.total_steps,
            "energy_source": source,
            "energy_source_label": label,
            "grid_intensity_g_per_kwh": self.grid.g_per_kwh,
            "grid_intensity_source": self.grid.source,
            "hardware_note": note,
        }
        if self.rank.distributed:
            info.update(self._distributed_info())
        return info

    def _distributed_info(self) -> dict[str, Any]:
        sources = [r.get("energy_source", "unavailable") for r in self.ranks]
        source = weakest_source(sources)
        label = ENERGY_SOURCE_LABELS[source]
        if len(set(sources)) > 1:
            label += (
                " (ranks differ: "
                + ", ".join(f"rank {r['rank']} {r.get('energy_source')}" for r in self.ranks)
                + ")"
            )
        hosts = sorted({r["hostname"] for r in self.ranks})
        return {
            "world_size": self.rank.world_size,
            "nodes": len({r["node_rank"] for r in self.ranks}),
            "ranks": self.ranks,
            "energy_source": source,
            "energy_source_label": f"Sum over {self.rank.world_size} ranks. {label}",
            "hardware_note": f"{self.rank.world_size} processes on {', '.join(hosts)}. "
            + (self.sampler.describe_hardware() if self.sampler is not None else ""),
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
        if self.sampler is None:
            # No sampler thread: the training thread writes and checks (at most 1/s).
            now = time.monotonic()
            if now - self._last_flush >= FLUSH_INTERVAL_S:
                if self.rank.primary:
                    self._derive_without_telemetry(now)
                self.flush()
            if now - self._last_progress >= 1.0:
                self._last_progress = now
                self._progress_and_cancel_flag()
        if STOP_REQUESTED.is_set():  # SIGTERM from the launcher (see distributed.py)
            self._local_cancel = True
        if self.coord is not None:
            if self.step >= self._next_agreement:
                self._agree_on_cancel()
        elif self._local_cancel:
            self.cancelled = True
            raise JobCancelled()

    def _progress_and_cancel_flag(self) -> None:
        """Rank 0 writes the progress bar; every rank reads the cancel flag (a database
        read at most every second). On the sampler thread when telemetry is on."""
        if self.rank.primary:
            frac = self.step / self.total_steps if self.total_steps else 0.0
            self.store.update_job(
                self.job_id,
                progress=max(0.0, min(1.0, frac)),
                message=f"Training: step {self.step}/{self.total_steps}",
            )
        if not self._local_cancel and self.ctx.cancelled:
            self._local_cancel = True

    def _agree_on_cancel(self) -> None:
        """Every rank stops at the same step, or the others would block in their next
        gradient all-reduce. The ranks agree about once a second: each proposes how many
        steps make a second at its pace, and the slowest pace sets the next check."""
        now = time.monotonic()
        steps = self.step - self._last_agreement[0]
        per_step = (now - self._last_agreement[1]) / steps if steps > 0 else 1.0
        proposal = max(1, min(1000, int(1.0 / max(per_step, 1e-3))))
        stop, every = self.coord.agree(self._local_cancel, proposal)
        self._last_agreement = (self.step, now)
        self._next_agreement = self.step + every
        if stop:
            self.cancelled = True
            raise JobCancelled()

    def user_cancelled(self) -> bool:
        """True when someone asked to cancel this run (not a launcher stopping a rank)."""
        job = self.store.get_job(self.job_id)
        return bool(job is not None and job.cancel_requested)

    def log(self, step: int, metrics: dict[str, float | None]) -> None:
        """Buffer run-level metrics (rank 0 only: the other ranks report telemetry only)."""
        if self.rank.primary:
            self._append(step, metrics)

    def _append(self, step: int, metrics: dict[str, float | None]) -> None:
        clean = {k: f for k, v in metrics.items() if (f := finite_number(v)) is not None}
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
        # The store hands the values to its after-write hook: the alert service checks the
        # run's energy, CO2 and epsilon budgets there.
        try:
            self.store.add_metric_steps(self.job_id, rows)
        except Exception:  # noqa: BLE001 - a locked DB must not kill the run; retry next time
            log.warning("could not write %d metric steps; will retry", len(rows), exc_info=True)
            with self._lock:
                self._buffer[:0] = rows

    # -- telemetry (sampler thread) ---------------------------------------------------------
    def _rank_values(self, snap: TelemetrySnapshot) -> dict[str, float | None]:
        """This process's own readings (power summed over GPU, CPU and RAM)."""
        values: dict[str, float | None] = dict(snap.as_metrics())
        if snap.energy_kwh is not None:
            values["power_w"] = sum(
                v for v in (snap.cpu_power_w, snap.ram_power_w, snap.gpu_power_w) if v
            )
            values["energy_gpu_kwh"] = snap.energy_gpu_kwh
            values["energy_cpu_ram_kwh"] = snap.energy_cpu_ram_kwh
        return values

    def _on_sample(self, snap: TelemetrySnapshot) -> None:
        try:
            self._progress_and_cancel_flag()
        except Exception:  # noqa: BLE001 - a busy database: next tick
            log.debug("could not write progress or read the cancel flag", exc_info=True)
        now = time.monotonic()
        step, examples, tokens = self.step, self.examples_seen, self.tokens_seen
        values = self._rank_values(snap)
        if self.rank.distributed:
            self._append(step, {tagged(k, self.rank): values.get(k) for k in PER_RANK_METRICS})
            if not self.rank.primary:
                self.flush()
                return
            self._add_peers(values)
        values.pop("energy_gpu_kwh", None)
        values.pop("energy_cpu_ram_kwh", None)
        values["elapsed_s"] = now - self._t0
        energy = values.get("energy_kwh_cumulative")
        if energy is not None:
            values["co2_g_cumulative"] = energy * self.grid.g_per_kwh
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

    # -- other ranks (rank 0 only) -------------------------------------------------------
    def _read_peers(self) -> None:
        """Fetch the other ranks' per-rank rows written since the last read."""
        mine = self.rank.tag
        names = [
            f"{k}{RANK_TAG_SEP}{r['tag']}"
            for r in self.ranks
            if r["tag"] != mine
            for k in (*SUMMED_METRICS, RANK_DONE)
        ]
        if not names:
            return
        with self.store.session() as s:
            rows = s.execute(
                select(Metric.id, Metric.name, Metric.value)
                .where(
                    Metric.run_id == self.job_id,
                    Metric.id > self._peer_last_id,
                    Metric.name.in_(names),
                )
                .order_by(Metric.id)
            ).all()
        for row_id, name, value in rows:
            base, tag = split_tag(name)
            self._peers.setdefault(tag, {})[base] = value
            self._peer_last_id = max(self._peer_last_id, row_id)

    def _add_peers(self, values: dict[str, float | None]) -> None:
        """Run-level figures = this rank's + the other ranks' latest readings."""
        try:
            self._read_peers()
        except Exception:  # noqa: BLE001 - a busy database: sum again next tick
            log.debug("could not read the other ranks' telemetry", exc_info=True)
        for key in SUMMED_METRICS:
            parts = [values.get(key)] + [p.get(key) for p in self._peers.values()]
            parts = [v for v in parts if v is not None]
            values[key] = sum(parts) if parts else None

    def wait_for_peers(self, timeout_s: float = PEER_WAIT_S) -> list[dict]:
        """Wait (at most ``timeout_s``) for every other rank's final reading; return the
        ranks that never sent one (killed, or on a node that lost the database)."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                self._read_peers()
            except Exception:  # noqa: BLE001
                log.debug("could not read the other ranks' telemetry", exc_info=True)
            missing = [
                r
                for r in self.ranks
                if r["tag"] != self.rank.tag and RANK_DONE not in self._peers.get(r["tag"], {})
            ]
            # A rank on this machine whose process is gone will never report: no wait.
            waiting = [
                r for r in missing if r["hostname"] != self.rank.hostname or pid_alive(r["pid"])
            ]
            if not waiting or time.monotonic() >= deadline:
                return missing
            time.sleep(0.2)

    def rank_summary(self, missing: list[dict]) -> list[dict]:
        """Per-rank final figures for the run summary (rank 0's own included)."""
        gone = {r["tag"] for r in missing}
        codes = {v: k for k, v in RANK_DONE_CODES.items()}
        out = []
        for r in self.ranks:
            if r["tag"] == self.rank.tag:
                latest = self.sampler.latest if self.sampler is not None else None
                energy = latest.energy_kwh if latest is not None else None
                status = "cancelled" if self.cancelled else "finished"
            else:
                peer = self._peers.get(r["tag"], {})
                energy = peer.get("energy_kwh_cumulative")
                status = (
                    "no final report (killed?)"
                    if r["tag"] in gone
                    else codes.get(peer.get(RANK_DONE), "finished")
                )
            out.append({**r, "energy_kwh": energy, "status": status})
        return out

    def describe_stopped_peers(
        self, missing: list[dict], *, then: str = "the launcher stopped the other ranks"
    ) -> str:
        """Which rank stopped the run, in a sentence (rank 0, stopped by its launcher)."""
        failed = [
            r
            for r in self.ranks
            if self._peers.get(r["tag"], {}).get(RANK_DONE) == RANK_DONE_CODES["failed"]
        ]
        culprits = missing or failed
        if not culprits:
            return "The launcher stopped rank 0 without a cancel from the dashboard."
        what = "died without a final report (killed or out of memory)" if missing else "failed"
        return " and ".join(_describe_rank(r) for r in culprits) + f" {what}; {then}."

    def mark_rank_done(self, status: str) -> None:
        """This rank's final telemetry, then its ``rank_done`` marker (never raises)."""
        if not self.rank.distributed or self.finished:
            return
        try:
            snap = self.sampler.stop() if self.sampler is not None else None
            if snap is not None:
                vals = self._rank_values(snap)
                self._append(
                    self.step, {tagged(k, self.rank): vals.get(k) for k in PER_RANK_METRICS}
                )
            self._append(self.step, {tagged(RANK_DONE, self.rank): RANK_DONE_CODES[status]})
            self.flush()
        except Exception:  # noqa: BLE001 - the rank is ending anyway
            log.warning("rank %s could not write its final report", self.rank.rank, exc_info=True)
        self.finished = True

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
    def telemetry_summary(self, *, peer_wait_s: float = PEER_WAIT_S) -> dict[str, Any]:
        """Energy, CO2, hardware and their sources, for the run summary.

        On rank 0 of a multi-process run: the sum over ranks, after waiting for the
        other ranks' final readings (see :meth:`wait_for_peers`). Other ranks call
        :meth:`mark_rank_done` instead. Computed once; later calls return the same.
        """
        if self.final_telemetry is not None:
            return self.final_telemetry
        if self.sampler is not None and self.sampler.started and not self.sampler.stopped:
            snap = self.sampler.stop()
        else:
            snap = self.sampler.latest if self.sampler is not None else None
        if snap is not None and snap.samples:
            self._on_sample_final(snap)
        self.flush()
        energy = snap.energy_kwh if snap is not None else None
        source = snap.energy_source if snap is not None else "unavailable"
        label = (
            self.sampler.energy_source_label
            if self.sampler is not None
            else "Telemetry was switched off for this run"
        )
        extra: dict[str, Any] = {}
        if self.rank.distributed and self.rank.primary:
            missing = self.missing_peers = self.wait_for_peers(peer_wait_s)
            ranks = self.rank_summary(missing)
            energies = [r["energy_kwh"] for r in ranks if r["energy_kwh"] is not None]
            energy = sum(energies) if energies else None
            info = self._distributed_info()
            source, label = info["energy_source"], info["energy_source_label"]
            if missing:
                which = ", ".join(str(r["rank"]) for r in missing)
                label += f"; rank {which} sent no final reading, so its last reading is counted"
            extra = {
                "world_size": self.rank.world_size,
                "nodes": info["nodes"],
                "ranks": ranks,
                "energy_gpu_kwh": self._summed_final("energy_gpu_kwh", snap),
                "energy_cpu_ram_kwh": self._summed_final("energy_cpu_ram_kwh", snap),
            }
            if energy is not None:
                self._append(
                    self.step,
                    {
                        "energy_kwh_cumulative": energy,
                        "co2_g_cumulative": energy * self.grid.g_per_kwh,
                    },
                )
                self.flush()
        gpu = None
        nvml_reason = None
        if self.sampler is not None and self.sampler.nvml.available:
            gpu = ", ".join(d.name for d in self.sampler.nvml.devices)
        elif self.sampler is not None:
            nvml_reason = self.sampler.nvml.reason
        import torch

        self.final_telemetry = {
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
            **extra,
        }
        return self.final_telemetry

    def _summed_final(self, key: str, snap: TelemetrySnapshot | None) -> float | None:
        own = getattr(snap, key, None) if snap is not None else None
        parts = [own] + [p.get(key) for p in self._peers.values()]
        parts = [v for v in parts if v is not None]
        return sum(parts) if parts else None

    def _on_sample_final(self, snap: TelemetrySnapshot) -> None:
        values = self._rank_values(snap)
        if self.rank.distributed:
            self._append(self.step, {tagged(k, self.rank): values.get(k) for k in PER_RANK_METRICS})
            self._add_peers(values)
        values.pop("energy_gpu_kwh", None)
        values.pop("energy_cpu_ram_kwh", None)
        values["elapsed_s"] = self.elapsed_s
        if values.get("energy_kwh_cumulative") is not None:
            values["co2_g_cumulative"] = values["energy_kwh_cumulative"] * self.grid.g_per_kwh
        self.log(self.step, values)

    def finish(self, summary: dict, *, status: str = "succeeded", error: str | None = None):
        """Save the ``run`` artifact and the job result; set the terminal status.

        On a rank other than 0: only this rank's final report (and, when it failed, the
        run fails with this rank named). A run another rank or the launcher already
        failed stays failed, with its error.
        """
        if not self.rank.primary:
            self.mark_rank_done(
                "failed"
                if status == "failed"
                else "cancelled"
                if status == "cancelled"
                else "finished"
            )
            if status == "failed":
                self._fail_job(f"{_describe_rank(self.rank.to_dict())} failed: {error}")
            return None
        self.flush()
        job = self.store.get_job(self.job_id)
        if job is not None and job.status == "failed" and self.rank.distributed:
            status, error = "failed", job.error
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

    def _fail_job(self, error: str) -> None:
        job = self.store.get_job(self.job_id)
        if job is not None and job.status in ("queued", "running"):
            self.store.update_job(
                self.job_id, status="failed", finished_at=utcnow(), message="Failed", error=error
            )

    def _atexit(self) -> None:
        """A user's script that exits before on_train_end leaves no 'running' ghost."""
        if self.finished:
            return
        if not self.rank.primary:
            self.mark_rank_done("failed")
            # Rank 0 killed (so it cannot fail the run itself) on this machine: say so.
            first = next((r for r in self.ranks if r["rank"] == 0), None)
            if first and first["hostname"] == self.rank.hostname and not pid_alive(first["pid"]):
                with contextlib.suppress(Exception):  # interpreter shutdown
                    self._fail_job(
                        f"{_describe_rank(first)} died without finishing the run; "
                        f"rank {self.rank.rank} stopped after it."
                    )
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
                error=self._script_exit_error(getattr(sys, "last_value", None)),
            )
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    def _script_exit_error(self, exc: BaseException | None) -> str:
        """Why a user's script ended before its training did: its uncaught exception (the
        interpreter keeps it in ``sys.last_value`` for the exit hooks) and, when that came
        from a collective, the rank that died first (e.g. a Trainer under torchrun whose
        rank 1 was killed: rank 0 sees gloo's "Connection reset by peer")."""
        text = "The training script exited before training ended"
        if exc is not None:
            first = (str(exc).strip().splitlines() or [""])[0][:300]
            text += f" ({type(exc).__name__}: {first})" if first else f" ({type(exc).__name__})"
        text += "."
        if not (self.rank.distributed and exc is not None and _lost_a_peer(exc)):
            return text
        missing = self.wait_for_peers(PEER_EXIT_WAIT_S)
        failed = [
            r
            for r in self.ranks
            if self._peers.get(r["tag"], {}).get(RANK_DONE) == RANK_DONE_CODES["failed"]
        ]
        if not (missing or failed):
            return text
        return (
            self.describe_stopped_peers(missing, then="rank 0 then failed talking to it")
            + " "
            + text
        )


def _lost_a_peer(exc: BaseException) -> bool:
    """An error from a collective, as when a peer process died (gloo: "Connection reset
    by peer" / "Connection closed by peer"; NCCL; torch's ``DistError``)."""
    dist = sys.modules.get("torch.distributed")
    if dist is not None and isinstance(exc, getattr(dist, "DistError", ())):
        return True
    text = str(exc)
    return isinstance(exc, RuntimeError) and any(k in text for k in ("gloo", "NCCL", "by peer"))


def _describe_rank(entry: dict) -> str:
    """'Rank 1 (node 0, host gpu-3, local rank 1, pid 4242)'."""
    return (
        f"Rank {entry['rank']} (node {entry['node_rank']}, host {entry['hostname']}, "
        f"local rank {entry['local_rank']}, pid {entry['pid']})"
    )


def _rss_gb() -> float:
    return psutil.Process().memory_info().rss / 1e9


__all__ = ["ENERGY_SOURCE_LABELS", "RunReporter", "no_gpu_message"]
