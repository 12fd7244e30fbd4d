"""Overhead of Steward's reporting on a 2-process CPU fine-tune (torchrun, gloo, DDP).

``python -m benchmarks.distributed_overhead [--processes 2 --rounds 4 --block-steps 6]``

PyTorch's elastic launcher (what ``torchrun`` runs) starts N ranks on this machine. They
fine-tune the embedded all-MiniLM-L6-v2 (sequence classification, demo data, max length
64, batch 16 per rank) with DistributedDataParallel over gloo, in blocks of steps,
alternately **with** Steward (a :class:`RunReporter` per rank: rank 0 reports loss and
progress, every rank its 1 Hz telemetry sampler with codecarbon, per-rank metric writes,
rank 0's sums, and the agreed cancel check, one 16-byte all-reduce about once a second) and
**without** (the bare DDP loop), in the same processes so machine-load drifts hit both.
Prints examples/s per block and the ratio with / without (goal >= 0.99), plus the CPU
seconds the telemetry threads used on each rank.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from backend.config import apply_offline_env


def _rank_main(rounds: int, block_steps: int, train_rows: int, out: str) -> None:
    apply_offline_env()
    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    from backend.store import get_store
    from backend.training.distributed import ensure_process_group, primary_first, rank_info
    from backend.training.reporter import RunReporter
    from backend.training.runner import _batch_inputs, _per_example_loss
    from benchmarks._finetune import ReportingBlock, default_finetune, interleaved_modes

    info = rank_info()
    ensure_process_group(info)
    store = primary_first(info, get_store)  # rank 0 creates the workspace
    config, model, batches = default_finetune(store, train_rows, info)
    model = DistributedDataParallel(model)
    opt = torch.optim.AdamW(model.parameters(), lr=config.learning_rate)
    model.train()

    def block(reporter: RunReporter | None, start: int) -> tuple[int, float, float]:
        examples = 0
        reporting = 0.0  # seconds the training thread spends in Steward's calls
        dist.barrier()  # both modes start together
        t0 = time.perf_counter()
        for i in range(block_steps):
            batch = next(batches)
            inputs, _, n_tok = _batch_inputs(batch, config, torch.device("cpu"), {})
            loss = _per_example_loss(model, inputs, config)[0].mean()
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
            bsz = int(batch[0].shape[0]) * info.world_size
            examples += bsz
            if reporter is not None:
                r0 = time.perf_counter()
                reporter.log_step(
                    start + i + 1,
                    {"loss": float(loss.detach()), "learning_rate": config.learning_rate},
                    examples=bsz,
                    tokens=n_tok * info.world_size,
                )
                reporting += time.perf_counter() - r0
        dist.barrier()
        return examples, time.perf_counter() - t0, reporting

    block(None, 0)  # warm-up, not measured
    rows = []
    for r, mode in interleaved_modes(rounds):
        total = rounds * block_steps
        with ReportingBlock(
            store, mode, run_name="distributed overhead", total_steps=total, rank=info
        ) as blk:
            n, dt, in_loop = block(blk.reporter, r * block_steps)
        rows.append(
            {
                "round": r + 1,
                "mode": mode,
                "examples": n,
                "seconds": dt,
                "tel_cpu": blk.telemetry_cpu_s,
                "in_loop": in_loop,
            }
        )
    gathered: list = [None] * info.world_size
    dist.all_gather_object(gathered, rows)
    if info.primary:
        with open(out, "w", encoding="utf-8") as fh:
            json.dump({"ranks": gathered, "load": os.getloadavg()[0]}, fh)
    dist.destroy_process_group()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--block-steps", type=int, default=6)
    parser.add_argument("--train-rows", type=int, default=600)
    parser.add_argument("--rank-worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rank_worker:
        _rank_main(args.rounds, args.block_steps, args.train_rows, args.rank_worker)
        return 0
    with tempfile.TemporaryDirectory(prefix="steward-dist-bench-") as tmp:
        out = os.path.join(tmp, "result.json")
        env = dict(os.environ, STEWARD_HOME=os.path.join(tmp, "home"))
        env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // args.processes)))
        load0 = os.getloadavg()[0]
        t0 = time.monotonic()
        cmd = [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            f"--nproc-per-node={args.processes}",
            "-m",
            "benchmarks.distributed_overhead",
            "--rounds",
            str(args.rounds),
            "--block-steps",
            str(args.block_steps),
            "--train-rows",
            str(args.train_rows),
            "--rank-worker",
            out,
        ]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if proc.returncode != 0 or not os.path.exists(out):
            print(proc.stdout[-2000:], proc.stderr[-4000:], sep="\n")
            return 1
        with open(out, encoding="utf-8") as fh:
            result = json.load(fh)
    rows = result["ranks"][0]
    print(
        f"{args.processes} processes (gloo, {env['OMP_NUM_THREADS']} thread(s) each), "
        f"MiniLM full fine-tune, batch 16 per rank, {args.block_steps} steps per block; "
        f"{time.monotonic() - t0:.0f} s in all; load average {load0:.2f} before, "
        f"{result['load']:.2f} at the end on {os.cpu_count()} cores\n"
    )
    print(
        f"{'round':>5} {'mode':>12} {'seconds':>8} {'examples/s':>11} "
        f"{'telemetry threads CPU s':>23} {'in training loop s':>19}"
    )
    print(
        f"{'':>5} {'':>12} {'':>8} {'':>11} {'(rank 0 / rank 1…)':>23} {'(rank 0 / rank 1…)':>19}"
    )
    ranks = result["ranks"]
    for i, row in enumerate(rows):
        label = "with Steward" if row["mode"] == "on" else "without"
        on = row["mode"] == "on"
        cpu = " / ".join(f"{rr[i]['tel_cpu']:.2f}" for rr in ranks) if on else "–"
        loop = " / ".join(f"{rr[i]['in_loop']:.3f}" for rr in ranks) if on else "–"
        print(
            f"{row['round']:>5} {label:>12} {row['seconds']:>8.1f} "
            f"{row['examples'] / row['seconds']:>11.2f} {cpu:>23} {loop:>19}"
        )
    on = [r["examples"] / r["seconds"] for r in rows if r["mode"] == "on"]
    off = [r["examples"] / r["seconds"] for r in rows if r["mode"] == "off"]
    ratios = [
        a["examples"] / a["seconds"] / (b["examples"] / b["seconds"])
        for a, b in zip(rows[::2], rows[1::2], strict=True)
    ]
    ratios = [x if rows[2 * i]["mode"] == "on" else 1 / x for i, x in enumerate(ratios)]
    print(
        f"\nmedian examples/s: with Steward {statistics.median(on):.2f}, without "
        f"{statistics.median(off):.2f}; ratio with/without: median of rounds "
        f"{statistics.median(ratios):.3f} (per round: {', '.join(f'{x:.3f}' for x in ratios)}); "
        "goal >= 0.99"
    )
    # What Steward itself costs, independent of how busy the machine is: the CPU its
    # threads used plus the time the training thread spent in its calls, against each
    # rank's share of the block (one core per rank when the ranks fill the machine).
    threads = int(env["OMP_NUM_THREADS"])
    shares = []
    for rr in ranks:
        on_rows = [x for x in rr if x["mode"] == "on"]
        spent = sum(x["tel_cpu"] / threads + x["in_loop"] for x in on_rows)
        shares.append(spent / sum(x["seconds"] for x in on_rows))
    print(
        "accounted cost of Steward per rank (telemetry CPU / threads + time in its calls, "
        "over the block time): "
        + ", ".join(f"rank {i} {s:.2%}" for i, s in enumerate(shares))
        + f" -> ratio bound {1 - max(shares):.4f} when the cores are saturated"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
