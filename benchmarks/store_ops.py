"""Store operations per second, SQLite vs PostgreSQL, with 8 concurrent writer processes.

Run: ``.venv/bin/python -m benchmarks.store_ops [--writers 8] [--ops 150] [--postgres-url URL]``

For each database, ``--writers`` processes open one fresh workspace and, all released at
once, each perform ``--ops`` of one operation:

* **record insert**: ``Store.save_artifact`` (a small JSON record with its SHA-256);
* **job status update**: ``Store.update_job`` on the writer's own job (status, progress,
  message), as a running job's progress reports do;
* **alert dedupe**: ``Store.add_alert`` where every writer raises the same ``--ops``
  conditions (same dedupe keys): one raise wins each key, the others are refused.

ops/s is all writers' operations divided by the wall time from the first writer's start
to the last one's end. SQLite is a WAL-mode file in a temporary folder
(``synchronous=NORMAL``: a commit does not wait for the disk). PostgreSQL 16 is started
from the ``pgserver`` wheel in a temporary folder, unless ``--postgres-url`` names a
server; it runs twice: as shipped (every commit waits for its WAL flush) and with
``synchronous_commit=off`` for the session, the durability SQLite's WAL mode gives
(a power cut may lose the last commits, never corrupts). Prints a Markdown table and
saves ``benchmarks/results/store_ops.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OPERATIONS = {
    "insert": "record insert",
    "job_update": "job status update",
    "alert_dedupe": "alert dedupe",
}


def _worker(op: str, url: str, go: Path, out: Path, me: int, n: int) -> None:
    """One writer process: open the store, wait for the start file, run ``n`` operations."""
    from backend.store import Store

    store = Store(url)
    job = store.create_job(kind="bench", name=f"writer {me}")
    Path(f"{go}.{me}").touch()
    deadline = time.monotonic() + 300  # the benchmark died: do not wait forever
    while not go.exists():
        if time.monotonic() > deadline:
            raise SystemExit("no start signal")
        time.sleep(0.001)
    refused = 0
    start = time.time()
    for i in range(n):
        if op == "insert":
            store.save_artifact(kind="bench", name=f"w{me}-{i}", content={"w": me, "i": i})
        elif op == "job_update":
            store.update_job(job.id, status="running", progress=i / n, message=f"step {i}")
        else:
            if store.add_alert(kind="bench", message="m", dedupe_key=f"bench|{i}") is None:
                refused += 1
    end = time.time()
    out.write_text(json.dumps({"start": start, "end": end, "ops": n, "refused": refused}))
    store.engine.dispose()


def _run(op: str, url: str, writers: int, n: int, tmp: Path) -> dict:
    go = tmp / f"go-{op}"
    results = [tmp / f"{op}-{me}.json" for me in range(writers)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "benchmarks.store_ops", "--worker", op, url, str(go)]
            + [str(results[me]), str(me), str(n)],
            cwd=ROOT,
        )
        for me in range(writers)
    ]
    while not all(Path(f"{go}.{me}").exists() for me in range(writers)):
        if any(p.poll() not in (None, 0) for p in procs):
            raise SystemExit(f"a writer failed while starting ({op} on {url.split(':')[0]})")
        time.sleep(0.01)
    go.touch()
    codes = [p.wait() for p in procs]
    if any(codes):
        raise SystemExit(f"a writer failed ({op}): exit codes {codes}")
    got = [json.loads(r.read_text()) for r in results]
    wall = max(g["end"] for g in got) - min(g["start"] for g in got)
    ops = sum(g["ops"] for g in got)
    return {
        "ops": ops,
        "seconds": wall,
        "ops_per_s": ops / wall,
        "refused": sum(g["refused"] for g in got),
    }


def _postgres(tmp: Path):
    """A PostgreSQL 16 from the pgserver wheel: (url, server)."""
    import pgserver

    from backend.store import normalize_url

    server = pgserver.get_server(tmp / "pg", cleanup_mode="stop")
    return normalize_url(server.get_uri()), server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--ops", type=int, default=150, help="operations per writer")
    parser.add_argument("--postgres-url", help="an existing PostgreSQL (a fresh database)")
    parser.add_argument("--worker", nargs=6, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        op, url, go, out, me, n = args.worker
        _worker(op, url, Path(go), Path(out), int(me), int(n))
        return 0

    tmp = Path(tempfile.mkdtemp(prefix="steward-bench-store-"))
    server = None
    try:
        if args.postgres_url:
            from backend.store import normalize_url

            pg_url = normalize_url(args.postgres_url)
        else:
            pg_url, server = _postgres(tmp)
        rows = []
        for op, label in OPERATIONS.items():
            # a fresh workspace per operation and database: SQLite file / PostgreSQL schema
            urls = {
                "sqlite": f"sqlite:///{tmp / f'{op}.db'}",
                "postgres": _fresh_schema(pg_url, f"bench_{op}_{os.getpid()}"),
                "postgres_async": _fresh_schema(pg_url, f"bench_{op}_async_{os.getpid()}")
                + "%20-csynchronous_commit%3Doff",
            }
            row = {"operation": label}
            for name, url in urls.items():
                row[name] = _run(op, url, args.writers, args.ops, tmp)
            rows.append(row)
    finally:
        if server is not None:
            server.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)

    load = os.getloadavg()[0]
    print(
        f"\nStore operations · {args.writers} writer processes × {args.ops} ops each · "
        f"{os.cpu_count()} CPUs ({platform.machine()}) · load average {load:.1f} · measured\n"
    )
    print(
        "| operation | SQLite, WAL | PostgreSQL 16 | PostgreSQL 16, synchronous_commit=off "
        "| PostgreSQL / SQLite |"
    )
    print("| --- | ---: | ---: | ---: | ---: |")
    for row in rows:
        sq, pg, pga = (row[n]["ops_per_s"] for n in ("sqlite", "postgres", "postgres_async"))
        print(
            f"| {row['operation']} | {sq:,.0f} | {pg:,.0f} | {pga:,.0f} "
            f"| {pg / sq:.2f}× / {pga / sq:.2f}× |"
        )
    print("(operations per second, all writers together)")
    dedupe = next(r for r in rows if r["operation"] == "alert dedupe")
    for name in ("sqlite", "postgres", "postgres_async"):
        kept = dedupe[name]["ops"] - dedupe[name]["refused"]
        print(
            f"\nalert dedupe on {name}: {kept} alerts kept of {dedupe[name]['ops']} raises "
            f"({args.ops} distinct conditions)",
            end="",
        )
    print()
    out = ROOT / "benchmarks" / "results" / "store_ops.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "writers": args.writers,
                "ops_per_writer": args.ops,
                "load_average": load,
                "rows": rows,
            },
            indent=2,
        )
    )
    return 0


def _fresh_schema(url: str, schema: str) -> str:
    """``url`` with its tables in a new schema of that database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


if __name__ == "__main__":
    sys.exit(main())
