"""NVIDIA GPUs through NVML (``pynvml`` from the nvidia-ml-py package).

Only the devices listed in ``CUDA_VISIBLE_DEVICES`` are measured (all when unset), so
a run pinned to GPU 1 does not report the power of a colleague's job on GPU 0.
Without a driver, :func:`probe_nvml` returns ``available=False`` with NVML's reason.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field

_init_lock = threading.Lock()
_initialised = False


@dataclass(frozen=True)
class GpuDevice:
    index: int
    name: str
    uuid: str
    energy_counter: bool  # nvmlDeviceGetTotalEnergyConsumption supported (Volta+)


@dataclass(frozen=True)
class NvmlStatus:
    """Whether NVML can measure GPUs here, and if not, why (shown to users verbatim)."""

    available: bool
    reason: str
    devices: list[GpuDevice] = field(default_factory=list)
    driver: str | None = None


@dataclass(frozen=True)
class GpuSample:
    """One reading of one GPU. ``energy_mj`` is the driver's cumulative counter or None."""

    index: int
    power_w: float | None
    energy_mj: float | None
    util_pct: float | None
    mem_used_gb: float | None
    mem_total_gb: float | None
    temp_c: float | None
    sm_clock_mhz: float | None


def _nvml():
    import pynvml  # nvidia-ml-py; cheap import

    return pynvml


def _ensure_init() -> None:
    global _initialised
    with _init_lock:
        if not _initialised:
            _nvml().nvmlInit()
            _initialised = True


def visible_device_filter(env: str | None) -> list[str] | None:
    """Parse ``CUDA_VISIBLE_DEVICES``: None = all devices, [] = none, else indices/UUIDs."""
    if env is None:
        return None
    items = [x.strip() for x in env.split(",") if x.strip()]
    out: list[str] = []
    for item in items:
        # CUDA stops at the first invalid entry, e.g. "-1" hides everything after it.
        if item.lstrip("-").isdigit() and int(item) < 0:
            break
        out.append(item)
    return out


def probe_nvml() -> NvmlStatus:
    """Initialise NVML and list the visible GPUs. Never raises."""
    try:
        pynvml = _nvml()
    except ImportError as exc:  # pragma: no cover - nvidia-ml-py is a requirement
        return NvmlStatus(False, f"pynvml not installed ({exc})")
    try:
        _ensure_init()
        count = pynvml.nvmlDeviceGetCount()
        driver = pynvml.nvmlSystemGetDriverVersion()
    except Exception as exc:  # noqa: BLE001 - NVMLError_LibraryNotFound, DriverNotLoaded...
        return NvmlStatus(False, _nvml_reason(exc))
    wanted = visible_device_filter(os.environ.get("CUDA_VISIBLE_DEVICES"))
    devices = []
    for i in range(count):
        try:
            handle = pynvml.nvmlDeviceGetHandleByIndex(i)
            uuid = _text(pynvml.nvmlDeviceGetUUID(handle))
            name = _text(pynvml.nvmlDeviceGetName(handle))
        except Exception:  # noqa: BLE001 - a broken device is skipped, not fatal
            continue
        if (
            wanted is not None
            and str(i) not in wanted
            and not any(uuid.startswith(w) for w in wanted if not w.isdigit())
        ):
            continue
        try:
            pynvml.nvmlDeviceGetTotalEnergyConsumption(handle)
            counter = True
        except Exception:  # noqa: BLE001 - pre-Volta or unsupported
            counter = False
        devices.append(GpuDevice(i, name, uuid, counter))
    if wanted:
        # CUDA numbers the visible devices in CUDA_VISIBLE_DEVICES order ("2,0": cuda:0 is
        # GPU 2), and a rank uses cuda:LOCAL_RANK: keep that order.
        devices.sort(key=lambda d: _visible_position(d, wanted))
    if not devices:
        reason = (
            "CUDA_VISIBLE_DEVICES hides every GPU"
            if wanted is not None and count
            else "no GPU device found"
        )
        return NvmlStatus(False, reason, [], _text(driver))
    return NvmlStatus(True, "ok", devices, _text(driver))


def _visible_position(device: GpuDevice, wanted: list[str]) -> int:
    for pos, item in enumerate(wanted):
        if item == str(device.index) or (not item.isdigit() and device.uuid.startswith(item)):
            return pos
    return len(wanted)


def read_gpus(devices: list[GpuDevice]) -> list[GpuSample]:
    """Read every device; a metric the device does not support is None."""
    pynvml = _nvml()
    out = []
    for dev in devices:
        handle = pynvml.nvmlDeviceGetHandleByIndex(dev.index)

        def attempt(fn, *args, _h=handle):
            try:
                return fn(_h, *args)
            except Exception:  # noqa: BLE001 - unsupported on this device
                return None

        power = attempt(pynvml.nvmlDeviceGetPowerUsage)
        energy = attempt(pynvml.nvmlDeviceGetTotalEnergyConsumption) if dev.energy_counter else None
        util = attempt(pynvml.nvmlDeviceGetUtilizationRates)
        mem = attempt(pynvml.nvmlDeviceGetMemoryInfo)
        temp = attempt(pynvml.nvmlDeviceGetTemperature, pynvml.NVML_TEMPERATURE_GPU)
        clock = attempt(pynvml.nvmlDeviceGetClockInfo, pynvml.NVML_CLOCK_SM)
        out.append(
            GpuSample(
                index=dev.index,
                power_w=power / 1000.0 if power is not None else None,
                energy_mj=float(energy) if energy is not None else None,
                util_pct=float(util.gpu) if util is not None else None,
                mem_used_gb=mem.used / 1e9 if mem is not None else None,
                mem_total_gb=mem.total / 1e9 if mem is not None else None,
                temp_c=float(temp) if temp is not None else None,
                sm_clock_mhz=float(clock) if clock is not None else None,
            )
        )
    return out


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _nvml_reason(exc: Exception) -> str:
    name = type(exc).__name__
    if "LibraryNotFound" in name:
        return "NVML library not found, no NVIDIA driver installed"
    if "DriverNotLoaded" in name:
        return "NVIDIA driver not loaded"
    if "NoPermission" in name:
        return "no permission to query the GPU"
    return f"{name}: {exc}"
