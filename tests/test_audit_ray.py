"""The audit on Ray Data gives the same report as the local engine, with a real Ray instance.

One local Ray instance (2 CPUs, a small object store, no dashboard) serves this module's
tests; the audit joins it instead of starting its own. It is shut down when the module ends,
so its processes do not keep running (and using CPU) through the rest of the test session.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from backend.audit import AuditConfig, AuditSource, run_audit
from backend.audit.config import CHECKS
from backend.audit.ray_engine import report_differences
from backend.demo_data import generate_demo_dataset
from backend.errors import DatasetError, JobCancelled

ray = pytest.importorskip("ray", reason="ray is pinned in requirements.txt")

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def ray_instance():
    """One local Ray instance for this module (the audit reuses a running instance)."""
    from backend.audit import ray_engine

    pythonpath = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    ray.init(
        num_cpus=2,
        object_store_memory=100 * 1024**2,
        include_dashboard=False,
        log_to_driver=False,
        logging_level="ERROR",
        runtime_env={"env_vars": {"PYTHONPATH": pythonpath}},
    )
    yield
    ray.shutdown()
    ray_engine._info = None


def _both(source: AuditSource, config: AuditConfig) -> tuple[dict, dict]:
    return run_audit(source, config, engine="local"), run_audit(source, config, engine="ray")


def test_demo_workspace_reports_are_identical(ray_instance):
    """Every check, toxicity included, on the demo workspace's comments."""
    frame = generate_demo_dataset()
    config = AuditConfig(
        text_col="text",
        label_col="label",
        sensitive=["gender", "age_group", "ethnicity", "religion"],
        split_col="split",
        checks=CHECKS,
        chunk_rows=1_500,
    )
    local, on_ray = _both(AuditSource(frame=frame, name="comments"), config)
    assert on_ray["engine"]["name"] == "ray" and on_ray["engine"]["blocks"] >= 3
    assert local["engine"] == {"name": "local"}
    assert report_differences(local, on_ray) == []
    # Not identical by being empty: the demo's planted problems are in both.
    assert local["pii"]["rows_with_pii"] > 0
    assert local["duplicates"]["exact_rows"] > 0 and local["duplicates"]["near_rows"] > 0


def test_100k_row_file_reports_are_identical(ray_instance, tmp_path):
    """Unique rows with planted exact and near duplicates, PII and splits (leakage)."""
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    from benchmarks.audit_scale import generate_chunk, vocabulary

    path = tmp_path / "comments_100k.csv"
    table = generate_chunk(100_000, 0, 5, vocabulary(seed=5))
    pcsv.write_csv(table, str(path))
    # Two malformed lines: the workers' reader skips and counts them like the local one.
    lines = path.read_text().splitlines(keepends=True)
    lines[700:700] = ["only,two\n"]
    lines[60_000:60_000] = ["1,2,3,4,5,6,7,8,9\n"]
    path.write_text("".join(lines))
    config = AuditConfig(
        text_col="text",
        label_col="label",
        sensitive=["gender", "region"],
        split_col="split",
        checks=tuple(c for c in CHECKS if c != "toxicity"),
    )
    local, on_ray = _both(AuditSource(path=path), config)
    assert local["rows"] == on_ray["rows"] == 100_000
    assert on_ray["engine"]["blocks"] >= 4
    assert on_ray["engine"]["read_by"] == "workers (Ray Data read_csv)"
    assert on_ray["malformed_rows"] == local["malformed_rows"] == 2
    assert on_ray["malformed_lines"] == local["malformed_lines"] == [701, 60_001]
    assert report_differences(local, on_ray) == []
    # Parquet is read by the workers too (a smaller file: the same code path after reading).
    parquet = tmp_path / "comments_20k.parquet"
    pq.write_table(table.slice(0, 20_000), str(parquet), row_group_size=5_000)
    local_pq, ray_pq = _both(AuditSource(path=parquet), config)
    assert ray_pq["engine"]["read_by"] == "workers (Ray Data read_parquet)"
    assert ray_pq["rows"] == 20_000 and report_differences(local_pq, ray_pq) == []
    # The clusters compared above are not empty.
    duplicates = local["duplicates"]
    assert duplicates["exact_rows"] > 0 and duplicates["near_rows"] > 0
    assert duplicates["top_clusters"] and duplicates["leakage"]


def test_progress_counts_blocks_and_cancel_stops_the_run(ray_instance):
    frame = generate_demo_dataset(6_000, seed=2)
    config = AuditConfig(text_col="text", checks=("pii", "text_stats"), chunk_rows=1_000)
    source = AuditSource(frame=frame, name="comments")
    seen: list[tuple[float, str]] = []
    report = run_audit(source, config, engine="ray", progress=lambda f, m: seen.append((f, m)))
    blocks = [m for _f, m in seen if m.startswith("Ray: ")]
    n = report["engine"]["blocks"]
    assert blocks[-1] == f"Ray: {n} of {n} blocks done" and len(blocks) == n
    fractions = [f for f, _m in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0

    def cancel_on_first_block(_fraction: float, message: str) -> None:
        if message.startswith("Ray: "):
            raise JobCancelled()

    with pytest.raises(JobCancelled):
        run_audit(source, config, engine="ray", progress=cancel_on_first_block)
    # The Ray instance is still usable after a cancelled run.
    again = run_audit(source, config, engine="ray")
    assert again["rows"] == 6_000


def test_unknown_engine_is_one_clear_error():
    frame = generate_demo_dataset(200, seed=1)
    with pytest.raises(DatasetError, match="Unknown audit engine 'spark': choose local or ray"):
        run_audit(AuditSource(frame=frame), AuditConfig(text_col="text"), engine="spark")


def test_audit_page_runs_on_ray(ray_instance, app_test, store, settings):
    """Choosing Ray on the page runs the job on it; the report says so."""
    from backend.datasets import ensure_demo_workspace
    from tests.test_audit_page import PAGE, _wait_for_jobs

    ensure_demo_workspace(store, settings)
    at = app_test(PAGE).run()
    assert at.radio(key="audit-1-engine").value == "local"
    at.radio(key="audit-1-engine").set_value("ray")
    at.pills(key="audit-1-checks").set_value(["representation", "pii"])
    next(b for b in at.button if b.label == "Run audit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    _wait_for_jobs(store, timeout=300)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    (job,) = store.list_jobs(kind="audit")
    assert job.status == "succeeded", job.message
    assert job.params["engine"] == "ray"
    (artifact,) = store.list_artifacts(kind="audit")
    assert artifact.content["engine"]["name"] == "ray"
    assert "contain personal data" in " ".join(m.value for m in at.markdown)


def test_unreachable_cluster_is_one_line_in_seconds():
    """RAY_ADDRESS pointing at a closed port: a ConfigError naming it (ray.init would retry)."""
    import socket

    from backend.audit.ray_engine import _check_reachable
    from backend.errors import ConfigError

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ConfigError, match=f"RAY_ADDRESS=127.0.0.1:{port}"):
        _check_reachable(f"127.0.0.1:{port}")
    with pytest.raises(ConfigError, match="is not host:port"):
        _check_reachable("nonsense")
