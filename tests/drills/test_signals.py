"""SIGTERM to `train` stops the worker as Ctrl-C does (issue 15, item 11).

`timeout`, a CI cancel or a process manager sends SIGTERM to the CLI. The worker runs in
its own session (so a Ctrl-C on the dashboard does not kill training), so before the fix
the CLI died and the worker trained on, unsupervised.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from backend.jobs import pid_alive
from backend.store import get_store
from tests.drills.support import ROOT
from tests.test_training_models import build_tiny_bert, demo_frame, write_csv


def _wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


def test_sigterm_to_train_cancels_the_worker(tmp_path, steward_home):
    csv = write_csv(demo_frame(200), tmp_path / "data.csv")
    model = build_tiny_bert(tmp_path / "bert", demo_frame(100)["text"].tolist())
    config = tmp_path / "long.json"
    config.write_text(
        json.dumps(
            {
                "model": model,
                "dataset_path": csv,
                "text_column": "text",
                "label_column": "label",
                "max_length": 24,
                "batch_size": 2,
                "epochs": 200,  # far longer than the test waits
                "telemetry": {"enabled": False},
                "save_checkpoint": False,
            }
        ),
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")}
    env.update({"STEWARD_HOME": str(steward_home), "PYTHONPATH": str(ROOT)})
    env["STEWARD_SECRETS"] = str(tmp_path / "no-secrets.toml")
    proc = subprocess.Popen(
        [sys.executable, "-m", "backend", "train", "--config", str(config)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    store = get_store()
    try:
        training = _wait_for(
            lambda: any(store.metrics(j.id, ["loss"]) for j in store.list_jobs(kind="train")),
            timeout=300,
        )
        assert training, proc.stderr.read() if proc.poll() is not None else "no loss yet"
        job = store.list_jobs(kind="train")[0]
        worker = job.worker_pid
        assert worker and pid_alive(worker)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "Traceback" not in err, err[-3000:]
    assert "Cancelling" in err
    assert proc.returncode == 1, (proc.returncode, err[-2000:])
    assert _wait_for(lambda: not pid_alive(worker), timeout=30), "the worker outlived the CLI"
    assert store.get_job(job.id).status == "cancelled"
    assert "cancelled" in out
