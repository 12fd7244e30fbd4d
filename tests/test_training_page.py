"""Fine-tune monitor page under AppTest (no browser: run_every polling is not exercised)."""

from __future__ import annotations

import pandas as pd
import pytest

from backend.datasets import ensure_demo_workspace
from backend.store import utcnow
from backend.training.config import parse_config
from backend.training.series import load_series
from components.training_charts import forecast_figure, lines_figure, loss_figure
from tests.test_training_models import build_tiny_bert, demo_frame, write_csv

PAGE = "pages/finetune_monitor.py"


def _submit(at):
    next(b for b in at.button if b.label == "Check and start").click()
    return at.run()


def test_empty_workspace_explains_how_to_start(app_test, store, settings):
    ensure_demo_workspace(store, settings)
    at = app_test(PAGE).run()
    assert not at.exception
    assert any("No fine-tune runs yet" in i.value for i in at.info)
    notes = [i.value for i in at.info] + [c.value for c in at.caption]
    assert any("No NVIDIA GPU (NVML:" in n or "measured through NVML" in n for n in notes)


def test_bad_lora_targets_are_refused_before_the_run_starts(app_test, store, settings):
    ensure_demo_workspace(store, settings)
    at = app_test(PAGE).run()
    at.checkbox(key="ft_lora").check()
    at.text_input(key="ft_lora_targets").input("q_proj, v_proj")
    at = _submit(at)
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("LoRA target module(s) not in this model: q_proj, v_proj" in e for e in errors)
    assert store.list_jobs(kind="train") == []  # nothing started


def test_unknown_model_and_one_class_label_are_refused(app_test, store, settings, tmp_path):
    from backend.column_roles import ColumnRoles
    from backend.datasets import register_dataset

    ensure_demo_workspace(store, settings)
    frame = demo_frame(60).assign(label=1)
    path = write_csv(frame, tmp_path / "one.csv")
    register_dataset(
        store,
        frame=frame,
        name="one class",
        source="path",
        location=path,
        fmt="csv",
        roles=ColumnRoles(text="text", label="label", sensitive=["gender"]),
    )
    at = app_test(PAGE).run()
    at.radio(key="ft_model_choice").set_value("Hugging Face id or local folder")
    at.text_input(key="ft_model_text").input("acme/does-not-exist")
    at = _submit(at)
    assert any("Unknown model 'acme/does-not-exist'" in e.value for e in at.error)

    at = app_test(PAGE).run()
    at.selectbox(key="ft_dataset").set_value(2).run()
    at = _submit(at)
    assert any("single class" in e.value for e in at.error)
    assert store.list_jobs(kind="train") == []


@pytest.fixture
def finished_run(store, settings, tmp_path):
    from backend.training.runner import run_training

    ensure_demo_workspace(store, settings)
    csv = write_csv(demo_frame(160), tmp_path / "c.csv")
    model = build_tiny_bert(tmp_path / "bert", pd.read_csv(csv)["text"].tolist())
    raw = {
        "model": model,
        "dataset_path": csv,
        "max_train_samples": 48,
        "max_eval_samples": 24,
        "max_length": 24,
        "text_column": "text",
        "label_column": "label",
        "sensitive_columns": ["gender"],
        "dp": {"enabled": True},
        "telemetry": {"enabled": True, "interval_s": 0.1},
    }
    return run_training(parse_config(raw), store)


def test_finished_and_failed_runs_render_with_details_and_comparison(app_test, store, finished_run):
    failed = store.create_job(kind="train", name="crashed run", runner="process")
    store.update_job(
        failed.id,
        status="failed",
        started_at=utcnow(),
        finished_at=utcnow(),
        exit_code=-9,
        error="Worker exited with code -9 (killed by SIGKILL). Last log lines:\n...",
    )
    at = app_test(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0].value
    row = table[table["run"] == finished_run["job_id"]].iloc[0]
    assert row["status"] == "succeeded" and row["ε"] > 0 and row["energy (Wh)"] > 0
    assert set(table["status"]) == {"succeeded", "failed"}
    # details of the newest run (the failed one) by default
    assert any("This run failed: Worker exited with code -9" in e.value for e in at.error)
    at.selectbox(key="ft_run_select").set_value(finished_run["job_id"]).run()
    assert not at.exception
    labels = {m.label: m.value for m in at.metric}
    assert labels["ε (privacy)"] != "no DP"
    assert labels["Energy, estimated"].endswith("Wh")
    assert any("Estimated by codecarbon" in c.value for c in at.caption)
    # its privacy audit: the membership attack's verdict with its CI, and both attacks
    boxes = [b.value for b in (*at.success, *at.info, *at.warning, *at.error)]
    assert any(v.startswith("An attacker guesses membership") and "95 % CI" in v for v in boxes)
    assert {"Loss threshold · attack AUC", "Calibrated (LiRA-lite) · attack AUC"} <= set(labels)
    # two runs side by side
    assert len(at.multiselect(key="ft_compare").value) == 2
    compare_tables = [m.value for m in at.markdown if m.value.startswith("| | |")]
    assert len(compare_tables) == 2 and "ε (privacy)" in compare_tables[0]
    privacy = at.dataframe[-1].value  # ε, attack AUC, exposure, accuracy, energy side by side
    assert privacy.iloc[0, 0] == "ε (differential privacy)"
    assert any(v[0].isdigit() for v in privacy.iloc[0, 1:])  # the DP run's ε
    assert "run failed" in set(privacy.iloc[1])  # no attack AUC for the crashed run

    # the figure builders on the real metrics of that run
    frame = load_series(store, finished_run["job_id"])
    fig = loss_figure(frame)
    assert {t.name for t in fig.data if t.name} == {"training loss", "eval loss"}
    eps = lines_figure(frame, ["epsilon"], title="ε", ytitle="ε")
    assert len(eps.data) == 1
    assert lines_figure(frame, ["gpu_power_w"], title="GPU", ytitle="W").layout.annotations
    # 3 steps: too few for a forecast, the chart says so instead of drawing nothing
    fc = forecast_figure(frame, "total_s", title="t", ytitle="s")
    assert "first 10 steps" in fc.layout.annotations[0].text


def test_long_runs_are_downsampled_in_the_database(store):
    job = store.create_job(kind="train", name="long")
    from sqlalchemy import insert

    from backend.store import Metric

    with store.session() as s:
        s.execute(
            insert(Metric),
            [
                {"run_id": job.id, "step": i, "name": "loss", "value": float(i % 10)}
                for i in range(20_000)
            ],
        )
    frame = load_series(store, job.id, ["loss"], max_points=500)
    assert 450 <= len(frame) <= 500
    assert frame["value"].mean() == pytest.approx(4.5, abs=0.05)
    assert (frame["vmin"] == 0).all() and (frame["vmax"] == 9).all()

    # A running total ends at the run's total, also when the final evaluation logs several
    # samples at the last step (they were averaged, drawing less energy than was used).
    energy = [
        {"run_id": job.id, "step": 38, "name": "energy_kwh_cumulative", "value": v}
        for v in (0.0012, 0.0015, 0.0018)
    ]
    with store.session() as s:
        s.execute(insert(Metric), energy)
    last = load_series(store, job.id, ["energy_kwh_cumulative"])
    assert last["value"].tolist() == [pytest.approx(0.0018)]


def test_external_run_whose_script_died_is_marked_interrupted(app_test, store):
    import subprocess
    import sys

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    job = store.create_job(
        kind="train", name="killed script", runner="external", worker_pid=int(dead.stdout)
    )
    store.update_job(job.id, status="running")
    at = app_test(PAGE).run()
    assert not at.exception
    assert store.get_job(job.id).status == "interrupted"
