"""Telemetry: NVML probing, the sampler thread, grid intensity, forecasts."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from backend.errors import ConfigError
from backend.telemetry import forecast_run, probe_nvml, resolve_grid_intensity
from backend.telemetry.grid import WORLD_AVERAGE_G_PER_KWH
from backend.telemetry.nvml import visible_device_filter
from backend.telemetry.sampler import TelemetrySampler, _GpuEnergy, no_gpu_message


def test_nvml_probe_never_raises_and_gives_a_reason():
    status = probe_nvml()
    if status.available:  # a machine with a GPU: devices listed
        assert status.devices
    else:
        assert status.reason and not status.devices
        msg = no_gpu_message(status.reason)
        assert msg.startswith("No NVIDIA GPU (NVML: ") and "codecarbon, TDP-based, no RAPL" in msg


def test_cuda_visible_devices_parsing():
    assert visible_device_filter(None) is None
    assert visible_device_filter("") == []
    assert visible_device_filter("1,0") == ["1", "0"]
    assert visible_device_filter("0,-1,1") == ["0"]  # CUDA stops at the first invalid id
    assert visible_device_filter("GPU-abc") == ["GPU-abc"]


def test_gpu_energy_from_counter_differences_and_power_integration():
    counter = _GpuEnergy(first_mj=1_000_000.0, last_mj=4_600_000.0)
    assert counter.kwh == pytest.approx(0.001)  # 3.6e6 mJ = 3600 J = 1 Wh
    integrated = _GpuEnergy(integrated_j=7200.0)
    assert integrated.kwh == pytest.approx(0.002)


def test_grid_intensity_sources():
    user = resolve_grid_intensity(120.0, "electricityMaps 2025")
    assert user.g_per_kwh == 120.0 and user.source == "electricityMaps 2025"
    fra = resolve_grid_intensity(country_iso_code="FRA")
    assert 10 < fra.g_per_kwh < 200 and "codecarbon" in fra.source and "FRA" in fra.source
    unknown = resolve_grid_intensity(country_iso_code="XXX")
    assert unknown.g_per_kwh == WORLD_AVERAGE_G_PER_KWH and "fallback" in unknown.source
    with pytest.raises(ConfigError):
        resolve_grid_intensity(-1.0)


def test_forecast_steady_run_is_exact_with_a_narrow_band():
    steps = np.arange(1, 51)
    t = steps * 0.5
    e = steps * 1e-5
    fc = forecast_run(steps, t, e, total_steps=200, grid_g_per_kwh=50.0)
    assert fc.total_s == pytest.approx(100.0)
    # steady speed: the band is only the margin kept for a shared CPU's slow spells
    assert 75.0 < fc.total_s_low < 100.0 < fc.total_s_high < 125.0
    assert fc.energy_kwh == pytest.approx(200e-5)
    assert fc.co2_g == pytest.approx(200e-5 * 50.0)


def test_forecast_band_widens_with_variable_speed_and_waits_for_min_steps():
    rng = np.random.default_rng(0)
    steps = np.arange(1, 101)
    t = np.cumsum(rng.uniform(0.2, 1.0, size=100))
    fc = forecast_run(steps, t, None, total_steps=1000, grid_g_per_kwh=None)
    assert fc.total_s_low < fc.total_s < fc.total_s_high
    assert fc.energy_kwh is None and fc.co2_g is None
    assert forecast_run([1, 2, 3], [1, 2, 3], None, total_steps=10, grid_g_per_kwh=1) is None


def test_sampler_thread_samples_cpu_and_ram_and_stops():
    seen = []
    sampler = TelemetrySampler(interval_s=0.05, use_codecarbon=False, on_sample=seen.append)
    with sampler:
        time.sleep(0.4)
    assert len(seen) >= 3
    assert all(s.ram_gb and s.ram_gb > 0 for s in seen)
    assert seen[-1].elapsed_s > seen[0].elapsed_s
    assert sampler.latest.peak_ram_gb >= seen[0].ram_gb
    assert not any(t.name == "steward-telemetry" and t.is_alive() for t in threading.enumerate())
    if not sampler.nvml.available:
        assert sampler.energy_source == "unavailable"  # codecarbon off, no GPU
        assert sampler.latest.energy_kwh is None


def test_sampler_with_codecarbon_estimates_cpu_energy(tmp_path):
    sampler = TelemetrySampler(interval_s=0.5, output_dir=tmp_path)
    with sampler:
        deadline = time.monotonic() + 1.6
        x = 0
        while time.monotonic() < deadline:  # keep a core busy so the estimate moves
            x += 1
    snap = sampler.latest
    if sampler.codecarbon_error:
        pytest.skip(f"codecarbon unavailable here: {sampler.codecarbon_error}")
    assert snap.energy_kwh is not None and snap.energy_kwh > 0
    assert snap.energy_cpu_ram_kwh > 0 and snap.cpu_power_w is not None
    if not sampler.nvml.available:
        assert sampler.energy_source == "codecarbon_cpu_estimate"
        assert "estimate" in sampler.energy_source_label
    assert (tmp_path / "emissions.csv").is_file()
