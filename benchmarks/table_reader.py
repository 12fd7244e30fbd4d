"""The tabular reader on a ~200 MB CSV: wall time and peak RSS of each way Steward reads it.

    .venv/bin/python -m benchmarks.table_reader                 # 1.55M rows (~200 MB)
    .venv/bin/python -m benchmarks.table_reader --rows 200000   # a quick look

Rows come from ``benchmarks.audit_scale``'s generator (unique short comments, a label, two
sensitive columns and a split; ~130 bytes a row), cached as CSV under the temp dir. Each
measurement runs in a *fresh subprocess*, so the peak RSS printed is that reader's own:

* ``load_table``: the whole file into a DataFrame (what the upload form and fairness do);
* ``training data``: ``training.data.prepare_data`` with named columns and
  ``max_train_samples=2000`` (what a fine-tune reads before it tokenises anything);
* ``audit stream``: every chunk of ``audit.source.iter_frames`` (text, label, groups).

Numbers are wall-clock on a shared machine: the load average is printed with them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

MODES = ("load_table", "training data", "audit stream")


def _measure(mode: str, path: str) -> None:
    """Read ``path`` the way ``mode`` says and print rows, seconds and peak RSS as JSON."""
    os.environ.setdefault("STEWARD_HOME", str(Path(path).parent / "steward-table-reader-home"))
    started = time.perf_counter()
    if mode == "load_table":
        from backend.datasets import load_table  # noqa: PLC0415

        rows = len(load_table(path, strict=False).frame)
    elif mode == "training data":
        from backend.store import get_store  # noqa: PLC0415
        from backend.training.config import parse_config  # noqa: PLC0415
        from backend.training.data import prepare_data  # noqa: PLC0415

        config = parse_config({
            "dataset_path": path, "text_column": "text", "label_column": "label",
            "sensitive_columns": ["gender"], "split_column": "split",
            "max_train_samples": 2000, "max_eval_samples": 500,
        })  # fmt: skip
        data = prepare_data(config, get_store())
        rows = len(data.train) + len(data.eval)
    else:
        from backend.audit.source import AuditSource, iter_frames  # noqa: PLC0415
        from backend.tabular import Malformed  # noqa: PLC0415

        rows = 0
        columns = ["text", "label", "gender", "region"]
        for frame, _ in iter_frames(AuditSource(path=Path(path)), columns, 50_000, Malformed()):
            rows += len(frame)
    elapsed = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime
    print(
        json.dumps(
            {
                "rows": rows,
                "elapsed_s": elapsed,
                "cpu_s": cpu,
                "peak_rss_mb": usage.ru_maxrss / 1024,
            }
        )
    )


def run(mode: str, path: Path) -> dict:
    load = os.getloadavg()[0]
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.table_reader", "--measure", mode, str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["load"] = load
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_550_000)
    parser.add_argument("--measure", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        _measure(*args.measure)
        return
    from benchmarks.audit_scale import dataset  # noqa: PLC0415

    path = dataset(args.rows)
    size_mb = path.stat().st_size / 1e6
    print(f"{path.name}: {size_mb:,.0f} MB, {args.rows:,} rows (measured, fresh process each)")
    print(
        "| reader | rows | seconds | peak RSS (MB) | load avg |\n| --- | ---: | ---: | ---: | ---: |"
    )
    for mode in MODES:
        r = run(mode, path)
        print(f"| {mode} | {r['rows']:,} | {r['elapsed_s']:.1f} | {r['cpu_s']:.1f} | {r['peak_rss_mb']:,.0f} "
              f"| {r['load']:.1f} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
