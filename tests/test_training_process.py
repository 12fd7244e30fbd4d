"""Fine-tunes in real worker processes: CLI end to end, kill, cancel, restart (slow)."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from backend.jobs import JobManager
from backend.training.config import parse_config
from backend.training.launch import submit_training
from tests.test_training_models import build_tiny_bert, demo_frame, write_csv

ROOT = Path(__file__).resolve().parent.parent


def _wait_for(predicate, timeout=120.0, job=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        if job is not None and not job():  # the job ended: no point waiting
            return False
        time.sleep(0.2)
    return False


def _describe(store, job_id):
    from backend.jobs import tail

    job = store.get_job(job_id)
    return f"status={job.status} exit={job.exit_code} error={job.error} log:\n{tail(job.log_path)}"


@pytest.mark.slow
def test_cli_quick_config_end_to_end(store, capsys):
    """`python -m backend train --config configs/quick.yaml --json` (the train subcommand)."""
    from backend.cli import _Parser
    from backend.training import cli

    parser = _Parser(prog="python -m backend")
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["train", "--config", str(ROOT / "configs/quick.yaml"), "--json"])
    code = args.func(args)
    out = json.loads(capsys.readouterr().out)
    assert code == 0, out
    assert out["status"] == "succeeded"
    for key in ("steps", "train_loss", "eval", "energy_kwh", "co2_g", "energy_source"):
        assert out[key] is not None, key
    assert out["epsilon"] is None
    assert Path(out["checkpoint"], "adapter_model.safetensors").is_file()
    assert set(out["eval"]) == {"loss", "accuracy", "f1", "roc_auc"}
    job = store.get_job(out["job_id"])
    assert job.runner == "process" and job.exit_code == 0, _describe(store, job.id)


def test_cli_refuses_bad_config_before_starting(store, tmp_path):
    from backend.cli import _Parser
    from backend.errors import ConfigError
    from backend.training import cli

    bad = tmp_path / "bad.yaml"
    bad.write_text("model: default\nlabel_column: nope\n")
    parser = _Parser(prog="python -m backend")
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["train", "--config", str(bad)])
    with pytest.raises(ConfigError, match="Label column 'nope'"):
        args.func(args)
    assert store.list_jobs(kind="train") == []


@pytest.mark.slow
def test_killed_worker_fails_with_exit_code_and_runs_survive_a_restart(store, settings, tmp_path):
    csv = write_csv(demo_frame(400), tmp_path / "c.csv")
    model = build_tiny_bert(tmp_path / "bert", demo_frame(100)["text"].tolist())
    config = parse_config(
        {
            "model": model,
            "dataset_path": csv,
            "text_column": "text",
            "label_column": "label",
            "max_length": 24,
            "batch_size": 2,
            "epochs": 50,
            "telemetry": {"enabled": False},
        }
    )
    manager = JobManager(store, logs_dir=settings.logs_dir)
    to_kill = submit_training(manager, config, settings)
    to_cancel = submit_training(manager, config, settings)
    assert _wait_for(
        lambda: len(store.metrics(to_kill, ["loss"])) > 0,
        timeout=300,
        job=lambda: store.get_job(to_kill).is_active,
    ), _describe(store, to_kill)
    os.kill(store.get_job(to_kill).worker_pid, signal.SIGKILL)
    assert manager.wait(to_kill, timeout=60) == "failed"
    job = store.get_job(to_kill)
    assert job.exit_code == -9 and "killed by SIGKILL" in job.error

    assert _wait_for(
        lambda: len(store.metrics(to_cancel, ["loss"])) > 0,
        timeout=300,
        job=lambda: store.get_job(to_cancel).is_active,
    ), _describe(store, to_cancel)
    manager.cancel(to_cancel)
    assert manager.wait(to_cancel, timeout=60) == "cancelled"
    assert store.get_job(to_cancel).exit_code == 0  # the worker unwound cleanly

    # "restart the dashboard": a new manager over the same database sees every run intact
    restarted = JobManager(store, logs_dir=settings.logs_dir)
    assert restarted.recover() == []
    runs = {j.id: j for j in store.list_jobs(kind="train")}
    assert runs[to_kill].status == "failed" and runs[to_cancel].status == "cancelled"
    assert len(store.metrics(to_kill, ["loss"])) > 0
