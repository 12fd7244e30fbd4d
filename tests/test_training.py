"""Fine-tune backend: config, reweighting, pre-flight checks, the training loop."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backend.errors import ConfigError, JobCancelled, StewardError
from backend.training.config import load_config, parse_config
from backend.training.reweighting import compute_group_weights, sample_weights_for
from tests.test_training_models import build_tiny_bert, build_tiny_gpt2, demo_frame, write_csv

ROOT = Path(__file__).resolve().parent.parent


# -- fixtures -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny-models")
    texts = demo_frame(300)["text"].tolist()
    return {
        "bert": build_tiny_bert(folder / "bert", texts),
        "gpt2": build_tiny_gpt2(folder / "gpt2", texts),
    }


@pytest.fixture
def csv_path(tmp_path):
    return write_csv(demo_frame(240), tmp_path / "comments.csv")


def _cfg(model: str, csv: str, **over) -> dict:
    base = {
        "model": model,
        "dataset_path": csv,
        "text_column": "text",
        "label_column": "label",
        "sensitive_columns": ["gender", "ethnicity"],
        "max_train_samples": 64,
        "max_eval_samples": 32,
        "batch_size": 16,
        "max_length": 24,
        "learning_rate": 1e-3,
        "telemetry": {"enabled": False},
    }
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return base


# -- config ---------------------------------------------------------------------------------
def test_shipped_configs_parse():
    demo = load_config(ROOT / "configs" / "demo.yaml")
    quick = load_config(ROOT / "configs" / "quick.yaml")
    # the demo story's run: LoRA at a LoRA learning rate, balanced label sampling
    assert demo.model == "default" and demo.lora.enabled and demo.learning_rate >= 1e-3
    assert demo.reweighting.mode == "balanced_sampling" and demo.reweighting.column == "label"
    assert quick.lora.enabled and quick.max_train_samples and quick.max_train_samples <= 1000


def test_unknown_option_is_an_error_naming_it(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("model: default\nlerning_rate: 0.1\n")
    with pytest.raises(ConfigError, match="lerning_rate: unknown option"):
        load_config(path)
    with pytest.raises(ConfigError, match="batch_size"):
        parse_config({"batch_size": 0})


# -- reweighting ----------------------------------------------------------------------------
def test_inverse_frequency_weights_balance_groups():
    frame = pd.DataFrame({"g": ["a"] * 80 + ["b"] * 15 + ["c"] * 5 + [None] * 0})
    w = compute_group_weights(frame, "g")
    per_row = frame["g"].map(w)
    assert per_row.mean() == pytest.approx(1.0)
    # every group carries the same total weight
    totals = per_row.groupby(frame["g"]).sum()
    assert np.allclose(totals, totals.iloc[0])
    assert w["c"] > w["b"] > w["a"]


def test_reweighing_by_label_makes_group_and_label_independent():
    frame = pd.DataFrame(
        {"g": ["x"] * 50 + ["y"] * 50, "y": [1] * 40 + [0] * 10 + [1] * 10 + [0] * 40}
    )
    w = compute_group_weights(frame, "g", label_col="y")
    weights = (frame["g"] + "|" + frame["y"].astype(str)).map(w)
    # weighted positive rate is the same in both groups after reweighing
    rate = (weights * frame["y"]).groupby(frame["g"]).sum() / weights.groupby(frame["g"]).sum()
    assert rate["x"] == pytest.approx(rate["y"])


def test_reweighting_errors_and_artifact_weights():
    frame = pd.DataFrame({"g": ["a", "a", "b", None]})
    with pytest.raises(ConfigError, match="not in the data"):
        compute_group_weights(frame, "nope")
    with pytest.raises(ConfigError, match="Unknown reweighting mode"):
        compute_group_weights(frame, "g", mode="magic")
    sw = sample_weights_for(
        frame,
        column=None,
        mode="artifact",
        artifact_content={"column": "g", "weights": {"a": 1.0, "b": 3.0}, "source": "fairness"},
        artifact_id=7,
    )
    assert sw.missing_groups == ["(missing)"]
    assert sw.weights.mean() == pytest.approx(1.0)
    assert sw.weights[2] == pytest.approx(3 * sw.weights[0])
    with pytest.raises(ConfigError, match="must contain 'column'"):
        sample_weights_for(frame, column=None, mode="artifact", artifact_content={"weights": {}})


# -- pre-flight: bad input gives a clear message before any run -------------------------------
def test_preflight_rejects_bad_input(store, tiny_models, csv_path, tmp_path):
    from backend.training.preflight import preflight

    def check(raw, match):
        with pytest.raises(StewardError, match=match):
            preflight(parse_config(raw), store)

    bert = tiny_models["bert"]
    check(_cfg("no-such-org/no-such-model-xyz", csv_path), "Unknown model 'no-such-org")
    check(_cfg(str(tmp_path / "missing-dir/"), csv_path), "not found|not a model folder")
    check(_cfg(bert, csv_path, label_column="toxicity"), "Label column 'toxicity' is not in")
    check(_cfg(bert, csv_path, text_column="body"), "Text column 'body' is not in")
    one_class = demo_frame(80).assign(label=0)
    check(_cfg(bert, write_csv(one_class, tmp_path / "one.csv")), "single class")
    check(
        _cfg(bert, csv_path, lora={"enabled": True, "target_modules": ["q_proj"]}),
        "LoRA target module.*q_proj.*Layers it has: .*query",
    )
    check(
        _cfg(
            bert,
            csv_path,
            dp={"enabled": True},
            reweighting={"mode": "balanced_sampling", "column": "gender"},
        ),
        "Balanced sampling cannot be combined with differential privacy",
    )
    check(
        _cfg(bert, csv_path, reweighting={"mode": "artifact", "artifact_id": 999}),
        "not a reweighting artifact",
    )


def test_preflight_rejects_dp_over_unsupported_layers(store, csv_path, tmp_path):
    """I-BERT's quantised embeddings keep buffers next to trainable weights: Opacus refuses."""
    from transformers import IBertConfig, IBertForSequenceClassification

    from backend.training.preflight import preflight

    folder = tmp_path / "ibert"
    IBertForSequenceClassification(
        IBertConfig(
            vocab_size=400,
            hidden_size=32,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=64,
            max_position_embeddings=64,
        )
    ).save_pretrained(folder)
    raw = _cfg(str(folder), csv_path, dp={"enabled": True})
    with pytest.raises(ConfigError, match="Differential privacy .*does not support"):
        preflight(parse_config(raw), store)


def test_preflight_plan_describes_the_run(store, tiny_models, csv_path):
    from backend.training.preflight import preflight

    plan = preflight(
        parse_config(_cfg(tiny_models["gpt2"], csv_path, task="causal_lm", lora={"enabled": True})),
        store,
    )
    d = plan.describe()
    assert d["lora_targets"] == ["c_attn"] and d["model_type"] == "gpt2"
    assert d["train_rows"] == 64 and 0 < d["eval_rows"] <= 32
    assert d["split"].startswith("column 'split'")


# -- the training loop ----------------------------------------------------------------------
def test_classification_run_writes_summary_predictions_checkpoint_and_metrics(
    store, tiny_models, csv_path
):
    from backend.training.runner import run_training

    raw = _cfg(
        tiny_models["bert"],
        csv_path,
        epochs=2,
        reweighting={"mode": "inverse_frequency", "column": "ethnicity"},
        telemetry={"enabled": True, "interval_s": 0.2, "grid_intensity_g_per_kwh": 100.0},
    )
    summary = run_training(parse_config(raw), store)
    job = store.get_job(summary["job_id"])
    assert job.status == "succeeded" and job.runner == "external"
    assert job.result["steps"] == summary["steps"] == 8  # 64 rows / 16 × 2 epochs
    # the contract read by the Fairness and Cards pages
    for key in [
        "status",
        "train_loss",
        "eval",
        "energy_kwh",
        "co2_g",
        "energy_source",
        "energy_source_label",
        "grid_intensity_g_per_kwh",
        "grid_intensity_source",
        "epsilon",
        "delta",
        "checkpoint",
        "predictions_path",
        "sensitive_columns",
        "text_column",
        "label_column",
        "model",
        "hyperparameters",
        "hardware",
        "duration_s",
        "dataset_id",
        "lora",
        "dp",
        "reweighting",
    ]:
        assert key in summary, key
    assert set(summary["eval"]) == {"loss", "accuracy", "f1", "roc_auc"}
    assert len(summary["eval_history"]) == 2
    assert summary["epsilon"] is None
    assert summary["energy_source"] == "codecarbon_cpu_estimate"
    assert summary["energy_kwh"] > 0
    assert summary["co2_g"] == pytest.approx(summary["energy_kwh"] * 100.0)
    assert summary["grid_intensity_source"] == "set by the user"
    assert summary["hardware"]["gpu"] is None and summary["hardware"]["torch_threads"] >= 1
    assert summary["reweighting"]["applied_as"] == "loss weights"

    preds = pd.read_csv(summary["predictions_path"])
    assert list(preds.columns) == ["text", "y_true", "y_pred", "y_score", "gender", "ethnicity"]
    assert len(preds) == summary["eval_rows"] and preds["y_score"].between(0, 1).all()
    assert (preds["y_pred"] == preds["y_true"]).mean() == pytest.approx(summary["eval"]["accuracy"])
    ckpt = Path(summary["checkpoint"])
    assert (ckpt / "model.safetensors").is_file() and not list(ckpt.glob("*.bin"))

    art = store.list_artifacts("run")[0]
    assert art.job_id == job.id and art.content["checkpoint"] == summary["checkpoint"]
    names = set(store.metric_names(job.id))
    assert {"loss", "learning_rate", "eval_accuracy", "eval_f1", "energy_kwh_cumulative"} <= names
    assert {"co2_g_cumulative", "cpu_percent", "ram_gb"} <= names
    losses = [m.value for m in store.metrics(job.id, ["loss"])]
    assert len(losses) == 8 and all(np.isfinite(losses))


def test_dp_full_finetune_tracks_epsilon_and_survives_empty_batches(store, tiny_models, tmp_path):
    """Batch size 1 over 12 rows: Poisson sampling (q = 1/12) draws empty batches."""
    from backend.training.runner import run_training

    csv = write_csv(demo_frame(120), tmp_path / "c.csv")
    raw = _cfg(
        tiny_models["bert"],
        csv,
        max_train_samples=12,
        batch_size=1,
        dp={"enabled": True, "noise_multiplier": 1.1, "max_grad_norm": 1.0, "delta": 1e-3},
    )
    summary = run_training(parse_config(raw), store)
    assert summary["steps"] == 12
    assert summary["dp"]["empty_batches"] > 0
    assert summary["delta"] == 1e-3 and summary["epsilon"] > 0
    eps = [m.value for m in store.metrics(summary["job_id"], ["epsilon"])]
    assert eps == sorted(eps) and eps[-1] <= summary["epsilon"] + 1e-9


def test_causal_lm_with_lora_and_dp(store, tiny_models, csv_path):
    from backend.training.runner import run_training

    raw = _cfg(
        tiny_models["gpt2"],
        csv_path,
        task="causal_lm",
        label_column=None,
        lora={"enabled": True, "r": 4},
        dp={"enabled": True},
    )
    summary = run_training(parse_config(raw), store)
    assert set(summary["eval"]) == {"loss", "perplexity"}
    assert summary["predictions_path"] is None and summary["epsilon"] > 0
    assert summary["lora"]["target_modules"] == ["c_attn"]
    assert (Path(summary["checkpoint"]) / "adapter_model.safetensors").is_file()


def test_balanced_sampling_and_max_steps(store, tiny_models, csv_path):
    from backend.training.runner import run_training

    raw = _cfg(
        tiny_models["bert"],
        csv_path,
        max_steps=3,
        reweighting={"mode": "balanced_sampling", "column": "gender", "by_label": True},
    )
    summary = run_training(parse_config(raw), store)
    assert summary["steps"] == 3
    assert summary["reweighting"]["applied_as"] == "sampling probabilities"


def test_cancel_request_stops_the_run_and_marks_it_cancelled(store, tiny_models, csv_path):
    from backend.training.runner import run_training

    job = store.create_job(kind="train", name="to cancel", runner="process")
    store.update_job(job.id, status="running", cancel_requested=True)
    with pytest.raises(JobCancelled):
        run_training(parse_config(_cfg(tiny_models["bert"], csv_path)), store, job_id=job.id)
    job = store.get_job(job.id)
    assert job.status == "cancelled"
    assert store.list_artifacts("run") == []


def test_reweighting_artifact_from_the_fairness_page(store, tiny_models, csv_path):
    from backend.training.runner import run_training

    art = store.save_artifact(
        kind="reweighting",
        name="weights",
        content={"column": "gender", "weights": {"female": 2.0}, "source": "test"},
    )
    raw = _cfg(
        tiny_models["bert"],
        csv_path,
        max_steps=2,
        reweighting={"mode": "artifact", "artifact_id": art.id},
    )
    summary = run_training(parse_config(raw), store)
    rw = summary["reweighting"]
    assert rw["source"].startswith(f"artifact #{art.id}")
    assert "male" in rw["groups_without_weight"]
    assert json.dumps(summary, default=str)  # JSON-able for jobs.result
