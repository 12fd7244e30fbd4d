"""Hardware telemetry for training runs: GPU (NVML), CPU/RAM (psutil), energy and CO2.

Public surface:

* :func:`probe_nvml` -- is there an NVIDIA GPU we may measure, and if not, why.
* :class:`TelemetrySampler` -- one daemon thread sampling at 1 Hz by default.
* :func:`resolve_grid_intensity` -- grams CO2e per kWh with its source named.
* :func:`forecast_run` -- time/energy/CO2 for the whole run, with an uncertainty band.

Nothing here imports torch or streamlit; codecarbon is imported only when a sampler
starts its CPU estimate (it costs ~1.5 s).
"""

from backend.telemetry.forecast import Forecast, forecast_run
from backend.telemetry.grid import GridIntensity, resolve_grid_intensity
from backend.telemetry.nvml import GpuSample, NvmlStatus, probe_nvml
from backend.telemetry.sampler import (
    ENERGY_SOURCE_LABELS,
    TelemetrySampler,
    TelemetrySnapshot,
)

__all__ = [
    "ENERGY_SOURCE_LABELS",
    "Forecast",
    "GpuSample",
    "GridIntensity",
    "NvmlStatus",
    "TelemetrySampler",
    "TelemetrySnapshot",
    "forecast_run",
    "probe_nvml",
    "resolve_grid_intensity",
]
