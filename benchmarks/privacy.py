"""Privacy audit figures: membership-attack AUC with and without DP, canary exposure vs
repetitions, the audit's extra time, and dataset hashing throughput.

    python -m benchmarks.privacy                    # everything (two demo fine-tunes: minutes)
    python -m benchmarks.privacy --only hashing     # hashing, canaries or demo
    python -m benchmarks.privacy --runs 1 2         # read two finished runs of $STEWARD_HOME

The demo runs use configs/demo.yaml; the DP variant turns on DP-SGD (σ = 1.0, clip 1.0)
and swaps balanced sampling (which DP cannot use) for inverse-frequency loss weights.
Figures are measured; the machine's load average is printed with them.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def _load() -> str:
    return "load average " + ", ".join(f"{x:.1f}" for x in os.getloadavg())


def hashing(rows: int) -> None:
    from backend.dataset_versions import fingerprint_file
    from backend.demo_data import generate_demo_dataset

    base = generate_demo_dataset(4000)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rows.csv"
        reps = max(1, rows // len(base))
        pd.concat([base] * reps, ignore_index=True).to_csv(path, index=False)
        size = path.stat().st_size
        print(f"\nHashing {reps * len(base):,} CSV rows, {size / 1e6:.0f} MB ({_load()})")
        print("| pass | wall s | MB/s (wall) | CPU s | MB per CPU-second |\n" + "| --- " * 5 + "|")
        best = None
        for i in range(3):
            t0, c0 = time.perf_counter(), time.process_time()
            fp = fingerprint_file(path, "csv")
            dt, cpu = time.perf_counter() - t0, time.process_time() - c0
            best = cpu if best is None else min(best, cpu)
            print(
                f"| {i + 1} | {dt:.2f} | {size / 1e6 / dt:.0f} | {cpu:.2f} | {size / 1e6 / cpu:.0f} |"
            )
        print(
            f"Best: {size / 1e6 / best:.0f} MB per CPU-second, one core (goal ≥ 200 MB/s); "
            f"{fp.n_rows:,} rows. Wall-clock MB/s falls with the machine's load."
        )


def canaries(repetitions: list[int]) -> None:
    from backend.privacy import privacy_audit_for_run
    from backend.store import get_store
    from backend.training.config import parse_config
    from backend.training.runner import run_training

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["STEWARD_HOME"] = tmp
        sys.path.insert(0, str(ROOT))
        from tests.tiny_models import canary_run_config

        store = get_store()
        rows = {}
        for dp in (False, True):
            config = canary_run_config(Path(tmp), dp=dp, repetitions=repetitions, per_repetition=3)
            summary = run_training(parse_config(config), store)
            report = privacy_audit_for_run(store, summary["job_id"]).content["canaries"]
            eps = summary["epsilon"]
            rows[f"DP-SGD, ε = {eps:.2f}" if dp else "no DP"] = report["by_repetition"]
    print(
        f"\nCanary exposure (bits, of {np.log2(1000):.1f}; 3 canaries per count, exact rank among "
        f"1,000 PINs) on a tiny GPT-2 trained here, 8 epochs ({_load()})"
    )
    print("| repetitions | " + " | ".join(rows) + " |\n| --- |" + " --- |" * len(rows))
    for i, reps in enumerate(repetitions):
        cells = [
            f"{g[i]['mean_exposure']:.2f} ± {g[i]['exposure_error']:.2f}" for g in rows.values()
        ]
        print(f"| {reps} | " + " | ".join(cells) + " |")


def _demo_runs() -> list[int]:
    import yaml

    from backend.store import get_store
    from backend.training.config import parse_config
    from backend.training.runner import run_training

    data = yaml.safe_load((ROOT / "configs" / "demo.yaml").read_text())
    dp = dict(data, run_name="demo story · MiniLM LoRA · DP")
    dp["dp"] = {"enabled": True, "noise_multiplier": 1.0, "max_grad_norm": 1.0}
    dp["reweighting"] = {"mode": "inverse_frequency", "column": "label"}
    store = get_store()
    return [run_training(parse_config(cfg), store)["job_id"] for cfg in (data, dp)]


def demo(job_ids: list[int] | None) -> None:
    from backend.privacy import privacy_audit_for_run, strongest_attack
    from backend.store import get_store

    if job_ids is None:
        tmp = tempfile.mkdtemp()
        os.environ["STEWARD_HOME"] = tmp
        print(f"\nTraining the demo run with and without DP in {tmp} ({_load()}) ...", flush=True)
        job_ids = _demo_runs()
    store = get_store()
    print(f"\nMembership inference on the demo classification runs ({_load()})")
    print(
        "| run | ε | attack | AUC [95 % CI] | TPR at 1 % FPR | eval accuracy | run time | "
        "audit time | audit share |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    )
    for job_id in job_ids:
        job = store.get_job(job_id)
        res = job.result or {}
        art = privacy_audit_for_run(store, job_id)
        if art is None:
            print(f"| {store.display_name(job)} | no privacy audit | | | | | | | |")
            continue
        m = art.content["membership"]
        eps = "no DP" if res.get("epsilon") is None else f"{res['epsilon']:.2f}"
        total, audit = res.get("duration_s") or 0.0, m["duration_s"]
        for a in m["attacks"]:
            print(
                f"| {store.display_name(job)} | {eps} | {a['label']} | {a['auc']:.3f} "
                f"[{a['ci_low']:.3f}, {a['ci_high']:.3f}] | {a['tpr_at_fpr']['0.01']:.1%} | "
                f"{(res.get('eval') or {}).get('accuracy', float('nan')):.3f} | {total:.0f} s | "
                f"{audit:.1f} s | {audit / max(total - audit, 1e-9):.1%} |"
            )
        best = strongest_attack(art.content)
        print(f"|  | verdict | {m['verdict']} | | | | | | |" if best else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["hashing", "canaries", "demo"])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows hashed (default 1M)")
    parser.add_argument("--runs", type=int, nargs=2, metavar=("ID", "ID"), help="finished job ids")
    parser.add_argument("--repetitions", type=int, nargs="+", default=[1, 2, 4, 8, 16, 32])
    args = parser.parse_args()
    from backend.config import apply_offline_env

    apply_offline_env()
    if args.only in (None, "hashing"):
        hashing(args.rows)
    if args.only in (None, "canaries"):
        canaries(args.repetitions)
    if args.only in (None, "demo"):
        demo(list(args.runs) if args.runs else None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
