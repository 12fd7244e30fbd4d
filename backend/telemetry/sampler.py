"""One sampler thread (1 Hz by default) for GPU, CPU, RAM and energy.

* GPU: NVML for the devices in ``CUDA_VISIBLE_DEVICES``. Energy comes from differences
  of the driver's cumulative energy counter (``nvml_counter``); on devices without
  that counter, power is integrated over time (``nvml_power_integration``), and the
  label says so.
* CPU and RAM: psutil for this process (and its children) and for the machine.
* CPU/RAM energy: codecarbon's ``OfflineEmissionsTracker`` (no network). Without RAPL
  it is a TDP-style estimate scaled by this process's CPU load
  (``codecarbon_cpu_estimate``). codecarbon keeps its own measurement scheduler; this
  module reads its running totals once per tick.

The sampler never touches Streamlit; it hands each :class:`TelemetrySnapshot` to an
optional ``on_sample`` callback (the run reporter writes it to the store).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

from backend.telemetry.nvml import NvmlStatus, probe_nvml, read_gpus

log = logging.getLogger(__name__)

ENERGY_SOURCE_LABELS = {
    "nvml_counter": "GPU measured by the NVIDIA driver's energy counter (NVML) "
    "+ CPU/RAM estimated by codecarbon",
    "nvml_power_integration": "GPU power measured by NVML and integrated over time "
    "(no energy counter on this GPU) + CPU/RAM estimated by codecarbon",
    "codecarbon_cpu_estimate": "Estimated by codecarbon from CPU load × TDP and RAM size "
    "(no GPU, no RAPL): an estimate, not a measurement",
    "unavailable": "No energy source available",
}
#: From measured to estimated: a run whose ranks differ is labelled by its weakest source.
_SOURCE_ORDER = ("nvml_counter", "nvml_power_integration", "codecarbon_cpu_estimate", "unavailable")


def weakest_source(sources: list[str]) -> str:
    """The least measured of several ranks' energy sources."""
    known = [s for s in sources if s in _SOURCE_ORDER] or ["unavailable"]
    return max(known, key=_SOURCE_ORDER.index)


@dataclass
class TelemetrySnapshot:
    """Latest readings plus cumulative energy since the sampler started."""

    elapsed_s: float = 0.0
    cpu_percent: float | None = None  # this process tree, % of all cores
    system_cpu_percent: float | None = None  # whole machine (shows contention)
    ram_gb: float | None = None  # this process tree, resident
    peak_ram_gb: float = 0.0
    system_ram_used_gb: float | None = None
    cpu_power_w: float | None = None  # codecarbon estimate
    ram_power_w: float | None = None  # codecarbon estimate
    gpu_power_w: float | None = None  # NVML, sum over visible devices
    gpu_util_pct: float | None = None
    gpu_mem_gb: float | None = None
    gpu_temp_c: float | None = None
    gpu_sm_clock_mhz: float | None = None
    energy_gpu_kwh: float = 0.0
    energy_cpu_ram_kwh: float = 0.0
    energy_kwh: float | None = None
    energy_source: str = "unavailable"
    samples: int = 0

    def to_dict(self) -> dict:
        return asdict(self)

    def as_metrics(self) -> dict[str, float | None]:
        """Metric names written to the store (documented in docs/training.md)."""
        return {
            "cpu_percent": self.cpu_percent,
            "system_cpu_percent": self.system_cpu_percent,
            "ram_gb": self.ram_gb,
            "cpu_power_w": self.cpu_power_w,
            "ram_power_w": self.ram_power_w,
            "gpu_power_w": self.gpu_power_w,
            "gpu_util_pct": self.gpu_util_pct,
            "gpu_mem_gb": self.gpu_mem_gb,
            "gpu_temp_c": self.gpu_temp_c,
            "gpu_sm_clock_mhz": self.gpu_sm_clock_mhz,
            "energy_kwh_cumulative": self.energy_kwh,
        }


@dataclass
class _GpuEnergy:
    first_mj: float | None = None
    last_mj: float | None = None
    integrated_j: float = 0.0
    last_t: float | None = None
    last_power_w: float | None = None

    @property
    def kwh(self) -> float:
        counter_j = (
            (self.last_mj - self.first_mj) / 1000.0
            if self.first_mj is not None and self.last_mj is not None
            else 0.0
        )
        return (counter_j + self.integrated_j) / 3.6e6


@dataclass
class SamplerOptions:
    interval_s: float = 1.0
    country_iso_code: str = "FRA"
    use_codecarbon: bool = True
    output_dir: Path | None = None  # codecarbon writes emissions.csv there when set
    extra: dict = field(default_factory=dict)


class TelemetrySampler:
    """Samples hardware at a fixed interval in one daemon thread.

    Use as a context manager or call :meth:`start` / :meth:`stop`. :attr:`latest`
    is always safe to read from another thread (a new object per tick).
    """

    def __init__(
        self,
        *,
        interval_s: float = 1.0,
        country_iso_code: str = "FRA",
        use_codecarbon: bool = True,
        output_dir: str | Path | None = None,
        on_sample: Callable[[TelemetrySnapshot], None] | None = None,
        local_rank: int | None = None,
    ) -> None:
        if interval_s <= 0:
            raise ValueError("interval_s must be > 0")
        self.interval_s = float(interval_s)
        self.country_iso_code = country_iso_code
        self.use_codecarbon = use_codecarbon
        self.output_dir = Path(output_dir) if output_dir else None
        self.on_sample = on_sample
        #: One rank of a multi-process run measures only its own GPU (its local rank
        #: among the visible devices); None measures every visible device.
        self.local_rank = local_rank
        self.started = False
        self.stopped = False
        self.nvml: NvmlStatus = NvmlStatus(False, "not probed")
        self.codecarbon_error: str | None = None
        self.latest = TelemetrySnapshot()
        self._tracker = None
        self._gpu_energy: dict[int, _GpuEnergy] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._t0 = 0.0
        self._proc = psutil.Process()
        self._children: dict[int, psutil.Process] = {}
        self._ncpu = psutil.cpu_count() or 1
        self._peak_rss = 0.0
        self.cpu_time_s = 0.0  # CPU seconds spent by the sampler thread

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> TelemetrySampler:
        self.nvml = probe_nvml()
        if self.local_rank is not None:
            self.nvml = rank_device(self.nvml, self.local_rank)
        self.started = True
        if self.use_codecarbon:
            self._start_codecarbon()
        self._proc.cpu_percent(None)  # prime: the first call always returns 0
        psutil.cpu_percent(None)
        self._t0 = time.monotonic()
        self._sample()  # a first snapshot at t=0 so readers never see an empty one
        self._thread = threading.Thread(target=self._loop, name="steward-telemetry", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> TelemetrySnapshot:
        """Stop sampling, take a final reading and stop codecarbon; return the last snapshot."""
        self.stopped = True
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval_s + 5)
        if self._tracker is not None:
            with contextlib.suppress(Exception):  # best effort
                self._tracker.flush()  # a last measurement so the tail is counted
        self._sample(notify=False)
        if self._tracker is not None:
            try:
                self._tracker.stop()
            except Exception:  # noqa: BLE001
                log.debug("codecarbon stop failed", exc_info=True)
            self._tracker = None
        return self.latest

    def __enter__(self) -> TelemetrySampler:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def energy_source(self) -> str:
        if self.nvml.available:
            if all(d.energy_counter for d in self.nvml.devices):
                return "nvml_counter"
            return "nvml_power_integration"
        if self._tracker is not None or (self.use_codecarbon and self.codecarbon_error is None):
            return "codecarbon_cpu_estimate"
        return "unavailable"

    @property
    def energy_source_label(self) -> str:
        label = ENERGY_SOURCE_LABELS[self.energy_source]
        if self.codecarbon_error:
            label += f" (codecarbon unavailable: {self.codecarbon_error})"
        return label

    def describe_hardware(self) -> str:
        """One sentence for the page: which GPU is measured, or why none."""
        if self.nvml.available:
            names = ", ".join(f"#{d.index} {d.name}" for d in self.nvml.devices)
            return f"NVIDIA GPU measured through NVML: {names}."
        return no_gpu_message(self.nvml.reason)

    # -- internals ---------------------------------------------------------------------
    def _start_codecarbon(self) -> None:
        os.environ.setdefault("CODECARBON_LOG_LEVEL", "error")
        logging.getLogger("codecarbon").setLevel(logging.ERROR)
        try:
            from codecarbon import OfflineEmissionsTracker

            kwargs: dict = {
                "country_iso_code": self.country_iso_code,
                "measure_power_secs": max(1.0, self.interval_s),
                "log_level": "error",
                # This process only: the machine may be shared with other work.
                "tracking_mode": "process",
                "allow_multiple_runs": True,
            }
            if self.output_dir is not None:
                self.output_dir.mkdir(parents=True, exist_ok=True)
                kwargs.update(output_dir=str(self.output_dir), output_file="emissions.csv")
            else:
                kwargs["output_methods"] = []
            tracker = OfflineEmissionsTracker(**kwargs)
            tracker.start()
            self._tracker = tracker
        except Exception as exc:  # noqa: BLE001 - telemetry must never stop training
            self.codecarbon_error = f"{type(exc).__name__}: {exc}"
            self._tracker = None
            log.warning("codecarbon could not start: %s", self.codecarbon_error)

    def _loop(self) -> None:
        next_t = time.monotonic() + self.interval_s
        while not self._stop.wait(max(0.0, next_t - time.monotonic())):
            next_t += self.interval_s
            t0 = time.thread_time()
            try:
                self._sample()
            except Exception:  # noqa: BLE001 - a failed tick is skipped, not fatal
                log.debug("telemetry sample failed", exc_info=True)
            # Exact CPU cost of this thread (the on_sample writes included): the overhead
            # benchmark reports it, independent of how busy the machine is.
            self.cpu_time_s += time.thread_time() - t0

    def _process_tree(self) -> tuple[float, float]:
        """CPU % (of one core) and RSS bytes of this process and its children."""
        cpu = self._proc.cpu_percent(None)
        rss = self._proc.memory_info().rss
        try:
            kids = self._proc.children(recursive=True)
        except psutil.Error:
            kids = []
        for kid in kids:
            known = self._children.setdefault(kid.pid, kid)
            try:
                cpu += known.cpu_percent(None)
                rss += known.memory_info().rss
            except psutil.Error:
                self._children.pop(kid.pid, None)
        return cpu, float(rss)

    def _sample(self, notify: bool = True) -> None:
        now = time.monotonic()
        snap = TelemetrySnapshot(elapsed_s=now - self._t0, samples=self.latest.samples + 1)
        cpu, rss = self._process_tree()
        self._peak_rss = max(self._peak_rss, rss)
        snap.cpu_percent = cpu / self._ncpu
        snap.system_cpu_percent = psutil.cpu_percent(None)
        snap.ram_gb = rss / 1e9
        snap.peak_ram_gb = self._peak_rss / 1e9
        snap.system_ram_used_gb = psutil.virtual_memory().used / 1e9

        if self.nvml.available:
            self._sample_gpus(snap, now)
        if self._tracker is not None:
            tr = self._tracker
            try:
                snap.energy_cpu_ram_kwh = float(tr._total_cpu_energy.kWh) + float(
                    tr._total_ram_energy.kWh
                )
                snap.cpu_power_w = float(tr._cpu_power.W)
                snap.ram_power_w = float(tr._ram_power.W)
            except AttributeError:  # codecarbon internals changed: keep the last totals
                snap.energy_cpu_ram_kwh = self.latest.energy_cpu_ram_kwh
        snap.energy_gpu_kwh = sum(g.kwh for g in self._gpu_energy.values())
        snap.energy_source = self.energy_source
        if snap.energy_source != "unavailable":
            snap.energy_kwh = snap.energy_gpu_kwh + snap.energy_cpu_ram_kwh
        self.latest = snap
        if notify and self.on_sample is not None:
            try:
                self.on_sample(snap)
            except Exception:  # noqa: BLE001 - a reporting failure must not kill sampling
                log.debug("on_sample failed", exc_info=True)

    def _sample_gpus(self, snap: TelemetrySnapshot, now: float) -> None:
        samples = read_gpus(self.nvml.devices)
        powers, utils, mems, temps, clocks = [], [], [], [], []
        for g in samples:
            acc = self._gpu_energy.setdefault(g.index, _GpuEnergy())
            if g.energy_mj is not None:
                if acc.first_mj is None:
                    acc.first_mj = g.energy_mj
                acc.last_mj = g.energy_mj
            elif g.power_w is not None and acc.last_t is not None and acc.last_power_w is not None:
                # Trapezoid between ticks; the counter is preferred when it exists.
                acc.integrated_j += 0.5 * (acc.last_power_w + g.power_w) * (now - acc.last_t)
            acc.last_t, acc.last_power_w = now, g.power_w
            for lst, v in (
                (powers, g.power_w),
                (utils, g.util_pct),
                (mems, g.mem_used_gb),
                (temps, g.temp_c),
                (clocks, g.sm_clock_mhz),
            ):
                if v is not None:
                    lst.append(v)
        snap.gpu_power_w = sum(powers) if powers else None
        snap.gpu_util_pct = sum(utils) / len(utils) if utils else None
        snap.gpu_mem_gb = sum(mems) if mems else None
        snap.gpu_temp_c = max(temps) if temps else None
        snap.gpu_sm_clock_mhz = sum(clocks) / len(clocks) if clocks else None


def rank_device(status: NvmlStatus, local_rank: int) -> NvmlStatus:
    """The GPU a rank uses (``cuda:LOCAL_RANK`` among the visible devices), or why none."""
    if not status.available:
        return status
    if local_rank >= len(status.devices):
        return NvmlStatus(
            False,
            f"local rank {local_rank} has no GPU of its own ({len(status.devices)} visible)",
            [],
            status.driver,
        )
    return NvmlStatus(True, "ok", [status.devices[local_rank]], status.driver)


def no_gpu_message(reason: str) -> str:
    """The sentence shown when there is no GPU to measure."""
    return f"No NVIDIA GPU (NVML: {reason}). CPU estimate from codecarbon, TDP-based, no RAPL."
