"""GPU energy: NVML's energy counter against power integrated over time.

``python -m benchmarks.gpu_energy [--steps 3000 --width 4096 --interval 1.0]``

On an NVIDIA machine, a fixed training job (an MLP on random data, the same on every
GPU) runs on each visible device while one thread reads every device through the same
code the run sampler uses (:func:`backend.telemetry.nvml.read_gpus`). For each GPU it
prints the energy from differences of the driver's cumulative counter
(``nvmlDeviceGetTotalEnergyConsumption``, Volta and newer) and the energy from
trapezoid-integrated power (``nvmlDeviceGetPowerUsage``) at the sampler's interval, and
their ratio. Without an NVIDIA GPU it says so ("no NVIDIA GPU") and exits 0.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from dataclasses import dataclass

from backend.telemetry.nvml import GpuDevice, probe_nvml, read_gpus


@dataclass
class _Device:
    device: GpuDevice
    first_mj: float | None = None
    last_mj: float | None = None
    integrated_j: float = 0.0
    last_t: float | None = None
    last_w: float | None = None
    samples: int = 0

    def add(self, t: float, power_w: float | None, energy_mj: float | None) -> None:
        self.samples += 1
        if energy_mj is not None:
            self.first_mj = energy_mj if self.first_mj is None else self.first_mj
            self.last_mj = energy_mj
        if power_w is not None and self.last_w is not None and self.last_t is not None:
            self.integrated_j += 0.5 * (self.last_w + power_w) * (t - self.last_t)
        if power_w is not None:
            self.last_t, self.last_w = t, power_w

    @property
    def counter_j(self) -> float | None:
        if self.first_mj is None or self.last_mj is None:
            return None
        return (self.last_mj - self.first_mj) / 1000.0


def _sample_loop(devices: list[_Device], interval: float, stop: threading.Event) -> None:
    while True:
        now = time.monotonic()
        for dev, reading in zip(devices, read_gpus([d.device for d in devices]), strict=True):
            dev.add(now, reading.power_w, reading.energy_mj)
        if stop.wait(interval):
            break
    now = time.monotonic()
    for dev, reading in zip(devices, read_gpus([d.device for d in devices]), strict=True):
        dev.add(now, reading.power_w, reading.energy_mj)


def _train_on(index: int, steps: int, width: int, errors: list[str]) -> None:
    """The fixed job: an MLP trained with AdamW on random data on cuda:index."""
    try:
        import torch

        device = torch.device("cuda", index)
        torch.manual_seed(0)
        model = torch.nn.Sequential(
            torch.nn.Linear(width, width), torch.nn.GELU(), torch.nn.Linear(width, width)
        ).to(device)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
        x = torch.randn(256, width, device=device)
        for _ in range(steps):
            loss = model(x).pow(2).mean()
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
        torch.cuda.synchronize(device)
    except Exception as exc:  # noqa: BLE001 - reported in the table
        errors.append(f"cuda:{index}: {type(exc).__name__}: {exc}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gpu_energy")
    parser.add_argument("--steps", type=int, default=3000, help="training steps per GPU")
    parser.add_argument("--width", type=int, default=4096, help="MLP width")
    parser.add_argument("--interval", type=float, default=1.0, help="sampling interval (s)")
    args = parser.parse_args(argv)
    status = probe_nvml()
    if not status.available:
        print(f"no NVIDIA GPU (NVML: {status.reason}): nothing to compare, skipping.")
        return 0
    import torch

    if not torch.cuda.is_available():
        print("NVML sees a GPU but torch has no CUDA: cannot run the training job.")
        return 0
    devices = [_Device(d) for d in status.devices[: torch.cuda.device_count()]]
    print(
        f"driver {status.driver}; {len(devices)} GPU(s); job: MLP width {args.width}, "
        f"{args.steps} AdamW steps per GPU; sampling every {args.interval:g} s"
    )
    stop = threading.Event()
    sampler = threading.Thread(target=_sample_loop, args=(devices, args.interval, stop))
    errors: list[str] = []
    t0 = time.monotonic()
    sampler.start()
    workers = [
        threading.Thread(target=_train_on, args=(i, args.steps, args.width, errors))
        for i in range(len(devices))
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    stop.set()
    sampler.join()
    elapsed = time.monotonic() - t0
    for e in errors:
        print(f"error: {e}")
    print(f"\njob time {elapsed:.1f} s\n")
    header = f"{'GPU':<28} {'samples':>7} {'counter (J)':>12} {'integrated (J)':>15} {'ratio':>7}"
    print(header)
    print("-" * len(header))
    for dev in devices:
        counter = dev.counter_j
        ratio = (
            f"{dev.integrated_j / counter:.3f}"
            if counter
            else "no counter on this GPU (power integration only)"
        )
        name = f"#{dev.device.index} {dev.device.name}"[:28]
        print(
            f"{name:<28} {dev.samples:>7} "
            f"{counter if counter is not None else float('nan'):>12.1f} "
            f"{dev.integrated_j:>15.1f} {ratio:>7}"
        )
    print(
        "\nratio = integrated / counter. The counter is what Steward uses when the GPU has "
        "it; power integration misses what happens between samples."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
