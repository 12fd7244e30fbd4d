"""Alert checks: what they cost where records land.

Run: ``.venv/bin/python -m benchmarks.alerts [--flushes 2000]``

Measures, in a throwaway workspace (SQLite, WAL):

* a fine-tune run's metric flush heard by the alert listener (the store's after-write
  hook checks the budgets) vs the same flush with nobody listening: it runs about once a
  second in the training worker;
* raising one new alert (store + incident-log event + log notifier) and refusing a
  duplicate (the unique dedupe key);
* checking a saved audit report's observations (what the listener does when one lands);
* delivering one alert to a webhook on loopback (HTTP server in this process).

Prints a Markdown table (median and p95 per operation) and saves
``benchmarks/results/alerts.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import statistics
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": statistics.median(ordered) * 1000,
        "p95_ms": ordered[int(0.95 * (len(ordered) - 1))] * 1000,
        "n": len(ordered),
    }


def _timed(fn, n: int) -> list[float]:
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        fn(i)
        out.append(time.perf_counter() - t0)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flushes", type=int, default=2000)
    parser.add_argument("--alerts", type=int, default=300)
    args = parser.parse_args(argv)

    logging.getLogger("steward.alerts").setLevel(logging.ERROR)  # one warning per alert
    home = Path(tempfile.mkdtemp(prefix="steward-bench-alerts-"))
    os.environ["STEWARD_HOME"] = str(home)
    os.environ["STEWARD_SECRETS"] = str(home / "none.toml")
    import backend.store as store_module
    from backend.alerts import (
        AlertListener,
        AlertService,
        Observation,
        WebhookNotifier,
        default_config,
    )
    from backend.alerts.notifiers import LogNotifier
    from backend.audit.runner import dataset_observations
    from backend.config import get_settings
    from backend.store import Landed, Store

    settings = get_settings()
    settings.ensure_dirs()
    store = Store(settings.database_url)
    config = default_config()
    run = store.create_job(kind="train", name="bench", status="running")
    values = {"loss": 0.5, "energy_kwh_cumulative": 0.01, "co2_g_cumulative": 1.0, "epsilon": 2.0}

    def flush(i: int) -> None:
        store.add_metrics(run.id, i, values)

    listening = list(store_module._after_write)
    store_module._after_write[:] = []  # nobody listens: the flush alone
    rows: dict[str, dict] = {}
    rows["metric flush (4 values), no listener"] = _stats(_timed(flush, args.flushes))
    store_module._after_write[:] = listening
    rows["metric flush + alert listener (under budget)"] = _stats(_timed(flush, args.flushes))
    listener = AlertListener()
    observations = tuple(Observation(k, v, f"run:{run.id}") for k, v in values.items())
    event = Landed(store, "metrics", run.id, observations=observations)
    check_only = _timed(lambda i: listener(event), args.flushes)
    rows["budget check alone (under budget)"] = _stats(check_only)

    log = LogNotifier(settings.logs_dir / "alerts.jsonl")
    service = AlertService(store, notifiers=[log], config=config, backoff_s=())
    rows["raise a new alert (store + event + log notifier)"] = _stats(
        _timed(
            lambda i: service.check([Observation("toxicity", 0.95)], record=f"text:{i}"),
            args.alerts,
        )
    )
    rows["refuse a duplicate (same condition, same record)"] = _stats(
        _timed(
            lambda i: service.check([Observation("toxicity", 0.95)], record="text:0"),
            args.alerts,
        )
    )
    ds = store.add_dataset(
        name="bench", source="path", location="/x", format="csv", expect_no_pii=True
    )
    content = {
        "toxicity": {"share_above_threshold": 0.05},
        "pii": {"rows_with_pii": 0},
        "representation": {
            f"col{c}": {f"g{g}": {"share": 0.1} for g in range(10)} for c in range(4)
        },
    }
    art = store.save_artifact(kind="audit", content=content, dataset_id=ds.id)
    quiet = AlertService(store, notifiers=[], config=config)
    audit_observations = dataset_observations(content, ds)
    rows["check an audit report (nothing breached)"] = _stats(
        _timed(
            lambda i: quiet.check(
                audit_observations, source_kind="audit", source_id=art.id, value_key=True
            ),
            args.alerts,
        )
    )

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *a):
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hook = WebhookNotifier(f"http://127.0.0.1:{server.server_port}/")
    alert = store.list_alerts(limit=1)[0]
    rows["webhook delivery on loopback (one POST)"] = _stats(
        _timed(lambda i: hook.send(alert), args.alerts)
    )
    server.shutdown()

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"Alert checks · {platform.processor() or platform.machine()} · "
        f"{os.cpu_count()} CPUs · load average {load:.2f} · SQLite WAL in {home}\n"
    )
    print("| operation | median (ms) | p95 (ms) | n |")
    print("| --- | ---: | ---: | ---: |")
    for name, r in rows.items():
        print(f"| {name} | {r['median_ms']:.3f} | {r['p95_ms']:.3f} | {r['n']} |")
    out = ROOT / "benchmarks" / "results" / "alerts.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"load_average": load, "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
