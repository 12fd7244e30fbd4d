"""``python -m backend train --config FILE.yaml [--json]``: a fine-tune, headless.

Runs the same supervised worker as the dashboard (so the run appears on the page too)
and waits for it. ``--json`` prints the run summary (status, steps, train_loss, eval,
energy_kwh, co2_g, energy_source, epsilon, checkpoint, ...). Exit code 0 when the run
succeeded, 1 when it failed or was cancelled, 2 for bad input (caught before starting).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from contextlib import contextmanager

from backend.cli import add_json_flag, print_json

SUMMARY_KEYS = (
    "status",
    "steps",
    "train_loss",
    "eval",
    "energy_kwh",
    "co2_g",
    "energy_source",
    "energy_source_label",
    "grid_intensity_g_per_kwh",
    "grid_intensity_source",
    "epsilon",
    "delta",
    "checkpoint",
    "predictions_path",
    "duration_s",
    "examples_per_s",
    "world_size",
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="fine-tune a model from a YAML config (LoRA, DP-SGD, reweighting), with telemetry",
        description="Fine-tune from a YAML/JSON config in a supervised worker process. "
        "See configs/demo.yaml and docs/training.md.",
    )
    p.add_argument("--config", required=True, help="YAML or JSON training config")
    p.add_argument("--timeout", type=float, default=None, help="give up waiting after N seconds")
    add_json_flag(p)
    p.set_defaults(func=cmd_train)


def cmd_train(args: argparse.Namespace) -> int:
    from backend.config import get_settings
    from backend.jobs import JobManager
    from backend.store import get_store
    from backend.training.config import load_config
    from backend.training.preflight import preflight

    settings = get_settings()
    store = get_store()
    config = load_config(args.config)
    plan = preflight(config, store)  # bad input -> StewardError -> exit 2, nothing started
    if not args.json:
        d = plan.describe()
        print(
            f"Fine-tune '{config.display_name()}': {d['model']} on {d['dataset']} "
            f"({d['train_rows']:,} train / {d['eval_rows']:,} eval rows, split: {d['split']})",
            file=sys.stderr,
        )
        for w in plan.warnings:
            print(f"note: {w}", file=sys.stderr)
    manager = JobManager(store, logs_dir=settings.logs_dir)
    # SIGTERM (sent by `timeout`, a CI cancel or a process manager) stops the run as
    # Ctrl-C does: the worker runs in its own session, so it would otherwise live on.
    with _sigterm_as_interrupt():
        return _run(args, manager, store, config, settings)


def _run(args, manager, store, config, settings) -> int:
    from backend.training.launch import cancel_grace_s, submit_training

    job_id = submit_training(manager, config, settings)
    if not args.json:
        job = store.get_job(job_id)
        print(f"Started {store.display_name(job)} (log: {job.log_path})", file=sys.stderr)
    deadline = None if args.timeout is None else time.monotonic() + args.timeout
    last, last_print = "", 0.0
    try:
        while True:
            status = manager.wait(job_id, timeout=2.0)
            job = store.get_job(job_id)
            if status not in ("queued", "running"):
                break
            # A line when the phase changes, or every 10 s while training.
            phase = (job.message or "").split(":")[0]
            now = time.monotonic()
            if not args.json and (phase != last or now - last_print >= 10):
                last, last_print = phase, now
                print(f"  [{job.progress:4.0%}] {job.message}", file=sys.stderr)
            if deadline is not None and time.monotonic() > deadline:
                manager.cancel(job_id, grace_s=cancel_grace_s(job))
                manager.wait(job_id, timeout=30)
                break
    except KeyboardInterrupt:
        # A second Ctrl-C or SIGTERM while cancelling must not leave the worker behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("Cancelling…", file=sys.stderr)
        manager.cancel(job_id, grace_s=cancel_grace_s(store.get_job(job_id)))
        manager.wait(job_id, timeout=30)
    # The worker sets its terminal status just before it exits; wait for the supervisor
    # to record the exit code too (a timed-out wait() can return in between).
    manager.wait(job_id, timeout=60)
    job = store.get_job(job_id)
    result = dict(job.result or {})
    out = {
        "job_id": job_id,
        "run_number": store.record_number("run", job_id),
        "display_name": store.display_name(job),
        **{k: result.get(k) for k in SUMMARY_KEYS},
    }
    out["status"] = job.status
    if job.status != "succeeded":
        out["error"] = job.error
        out["exit_code"] = job.exit_code
    if args.json:
        print_json(out | {k: v for k, v in result.items() if k not in out and k != "config"})
    else:
        _print_human(out)
    return 0 if job.status == "succeeded" else 1


@contextmanager
def _sigterm_as_interrupt():
    """Within: SIGTERM raises KeyboardInterrupt (main thread only; restored after)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _print_human(out: dict) -> None:
    print(f"{out['display_name']}: {out['status']}")
    if out.get("error"):
        print(f"  error: {out['error']}")
        return
    print(f"  steps: {out['steps']}, train loss: {_fmt(out['train_loss'])}")
    for k, v in (out.get("eval") or {}).items():
        print(f"  eval {k}: {_fmt(v)}")
    if out.get("energy_kwh") is not None:
        print(
            f"  energy: {out['energy_kwh'] * 1000:.3f} Wh ({out['energy_source']}), "
            f"CO2: {_fmt(out['co2_g'])} g at {_fmt(out['grid_intensity_g_per_kwh'])} g/kWh "
            f"({out['grid_intensity_source']})"
        )
    if out.get("world_size"):
        print(f"  processes: {out['world_size']} (rank 0 reported loss; energy summed over ranks)")
    if out.get("epsilon") is not None:
        print(f"  privacy: ε = {out['epsilon']:.2f} at δ = {out['delta']:.2g}")
    print(f"  checkpoint: {out['checkpoint']}")
    if out.get("predictions_path"):
        print(f"  predictions: {out['predictions_path']}")


def _fmt(v) -> str:
    if v is None:
        return "–"
    return f"{v:.4g}" if isinstance(v, float) else str(v)
