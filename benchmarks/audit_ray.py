"""Local vs Ray audit engine: rows/s, Ray start-up cost, and whether the reports agree.

    .venv/bin/python -m benchmarks.audit_ray                 # 200,000 rows
    .venv/bin/python -m benchmarks.audit_ray --rows 1000000
    RAY_ADDRESS=head:6379 .venv/bin/python -m benchmarks.audit_ray   # on a cluster

Each engine audits the same CSV (``benchmarks.audit_scale``'s unique rows with planted
duplicates, PII and splits, cached under the temp dir) with the non-neural checks, in a
fresh process, so the Ray run pays its own start-up
(``ray.init`` with this machine's cores, or joining ``RAY_ADDRESS``). Printed: wall time,
rows/s over the whole audit, rows/s after Ray is up, the Ray start-up seconds, the blocks,
the CPU seconds the report measured in reading and in the checks (on Ray: the workers'
tasks plus the driver's merge and report), the load average, and whether the two reports
have the same counts, groups and duplicate clusters.

Numbers are wall-clock on this machine and depend on load: say so when you quote them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHECKS = ("representation", "label_skew", "pii", "duplicates", "association", "text_stats")


def _worker(path: str, engine: str, out: str) -> None:
    """One audit in this (fresh) process; writes the report and timings as JSON."""
    from backend.audit import AuditConfig, AuditSource, run_audit  # noqa: PLC0415
    from backend.config import apply_offline_env  # noqa: PLC0415

    apply_offline_env()
    config = AuditConfig(
        text_col="text",
        label_col="label",
        sensitive=["gender", "region"],
        split_col="split",
        checks=CHECKS,
    )
    started = time.perf_counter()
    report = run_audit(AuditSource(path=Path(path)), config, engine=engine)
    report["bench_wall_s"] = time.perf_counter() - started
    Path(out).write_text(json.dumps(report, default=str))


def _run(path: Path, engine: str) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        out = fh.name
    load_before = os.getloadavg()[0]
    subprocess.run(
        [sys.executable, "-m", "benchmarks.audit_ray", "--worker", str(path), engine, out],
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    report = json.loads(Path(out).read_text())
    Path(out).unlink()
    report["bench_load"] = (load_before, os.getloadavg()[0])
    return report


def _row(name: str, report: dict, rows: int, startup: float | None, blocks) -> str:
    wall = report["bench_wall_s"]
    after = f"{rows / (wall - startup):,.0f}" if startup is not None else "–"
    cpu = sum(v for k, v in report["cpu_timings"].items() if k != "ray_start")
    load = report["bench_load"]
    return (
        f"| {name} | {wall:.1f} | {rows / wall:,.0f} | {after} | "
        f"{'–' if startup is None else f'{startup:.1f}'} | {blocks} | {cpu:.1f} | "
        f"{load[0]:.1f} → {load[1]:.1f} |"
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        _worker(*argv[1:4])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    from benchmarks.audit_scale import dataset  # noqa: PLC0415

    path = dataset(args.rows, args.seed)
    local = _run(path, "local")
    on_ray = _run(path, "ray")
    engine = on_ray["engine"]
    startup = engine["ray_startup_s"]
    print(f"measured on this machine: {args.rows:,} rows, checks {', '.join(CHECKS)}")
    print(f"Ray: {engine['description']}\n")
    print(
        "| engine | wall s | rows/s | rows/s after start-up | Ray start-up s | blocks "
        "| CPU s in reading and checks (all processes) | load average (before → after) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    print(_row("local", local, args.rows, None, "–"))
    print(_row("ray", on_ray, args.rows, startup, engine["blocks"]))
    from backend.audit.ray_engine import report_differences  # noqa: PLC0415

    bench_keys = ("bench_wall_s", "bench_load")
    differences = report_differences(
        {k: v for k, v in local.items() if k not in bench_keys},
        {k: v for k, v in on_ray.items() if k not in bench_keys},
    )
    print(f"\nreports identical (counts, groups, clusters, findings): {not differences}")
    for line in differences[:10]:
        print(f"  differs: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
