"""StewardCallback with a real Hugging Face Trainer (users' own scripts)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.test_training_models import build_tiny_bert, demo_frame
from tests.trainer_script import TokenizedRows


@pytest.fixture
def trainer_parts(tmp_path):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    frame = demo_frame(96)
    path = build_tiny_bert(tmp_path / "bert", frame["text"].tolist())
    tok = AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(path, local_files_only=True)
    enc = tok(frame["text"].tolist(), truncation=True, max_length=24, padding="max_length")
    labels = frame["label"].to_numpy()
    train = TokenizedRows({k: v[:64] for k, v in enc.items()}, labels[:64])
    return model, train, TokenizedRows({k: v[64:] for k, v in enc.items()}, labels[64:])


def _args(tmp_path, **over):
    from transformers import TrainingArguments

    kw = dict(
        output_dir=str(tmp_path / "out"),
        max_steps=6,
        per_device_train_batch_size=8,
        logging_steps=1,
        eval_strategy="steps",
        eval_steps=3,
        save_strategy="no",
        report_to=[],
        use_cpu=True,
        learning_rate=1e-3,
        disable_tqdm=True,
    )
    kw.update(over)
    return TrainingArguments(**kw)


def _accuracy(pred):
    return {"accuracy": float((np.argmax(pred.predictions, axis=-1) == pred.label_ids).mean())}


def test_callback_makes_a_trainer_run_appear_as_an_external_job(
    store, trainer_parts, tmp_path, monkeypatch
):
    from transformers import Trainer

    from backend.training import StewardCallback

    monkeypatch.delenv("STEWARD_JOB_ID", raising=False)
    model, train, evald = trainer_parts
    cb = StewardCallback(run_name="my script", interval_s=0.2)
    trainer = Trainer(
        model=model,
        args=_args(tmp_path),
        train_dataset=train,
        eval_dataset=evald,
        compute_metrics=_accuracy,
        callbacks=[cb],
    )
    trainer.train()

    job = store.get_job(cb.job_id)
    assert job.kind == "train" and job.runner == "external" and job.name == "my script"
    assert job.status == "succeeded"
    res = job.result
    assert res["steps"] == 6 and res["train_loss"] is not None
    assert "accuracy" in res["eval"] and res["energy_source"] in (
        "codecarbon_cpu_estimate",
        "nvml_counter",
        "nvml_power_integration",
    )
    assert res["hyperparameters"]["learning_rate"] == 1e-3
    names = set(store.metric_names(job.id))
    assert {"loss", "learning_rate", "eval_loss", "eval_accuracy", "energy_kwh_cumulative"} <= names
    assert len(store.metrics(job.id, ["loss"])) == 6
    art = store.list_artifacts("run")[0]
    assert art.job_id == job.id and art.content["runner"].startswith("transformers.Trainer")


def test_cancel_from_the_dashboard_stops_the_trainer(store, trainer_parts, tmp_path, monkeypatch):
    from transformers import Trainer, TrainerCallback

    from backend.training import StewardCallback

    monkeypatch.delenv("STEWARD_JOB_ID", raising=False)
    model, train, evald = trainer_parts
    cb = StewardCallback(run_name="cancel me", telemetry=False)

    class PressCancel(TrainerCallback):  # what the page's Cancel button writes
        def on_step_begin(self, args, state, control, **kw):
            if state.global_step == 2:
                store.update_job(cb.job_id, cancel_requested=True)

    trainer = Trainer(
        model=model,
        # Cancellation is checked about once a second: enough steps to outlast that.
        args=_args(tmp_path, max_steps=20_000, eval_strategy="no", logging_steps=50),
        train_dataset=train,
        callbacks=[cb, PressCancel()],
    )
    trainer.train()
    job = store.get_job(cb.job_id)
    assert job.status == "cancelled"
    assert job.result["steps"] < 20_000
