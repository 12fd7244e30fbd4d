"""``python -m backend fairness``: JSON keys, saved artifact and alerts, bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from backend.cli import main


@pytest.fixture
def preds_file(tmp_path):
    rng = np.random.default_rng(0)
    n = 500
    g = rng.choice(["f", "m"], n)
    y = rng.integers(0, 2, n)
    p = y.copy()
    bad = (g == "f") & (y == 0) & (rng.random(n) < 0.35)  # false positives for f
    p[bad] = 1
    score = np.clip(0.15 + 0.7 * p + rng.normal(0, 0.1, n), 0, 1)
    text = np.where(g == "f", "As a woman, I liked it.", "As a man, I liked it.")
    path = tmp_path / "preds.csv"
    pd.DataFrame(
        {
            "text": text,
            "label": y,
            "pred": p,
            "score": score,
            "gender": g,
            "age": rng.choice(["young", "old"], n),
        }
    ).to_csv(path, index=False)
    return path


def test_cli_json_has_contract_keys_and_saves(preds_file, capsys, store):
    code = main(
        [
            "fairness",
            "--data",
            str(preds_file),
            "--y-true",
            "label",
            "--y-pred",
            "pred",
            "--y-score",
            "score",
            "--sensitive",
            "gender,age",
            "--text-col",
            "text",
            "--n-boot",
            "200",
            "--json",
        ]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("overall", "by_group", "disparities", "bias_auc", "final_bias_score", "warnings"):
        assert key in out
    assert set(out["overall"]) >= {
        "accuracy",
        "precision",
        "recall",
        "fpr",
        "fnr",
        "selection_rate",
    }
    cell = out["by_group"]["gender"]["f"]["fpr"]
    assert set(cell) >= {"value", "ci_low", "ci_high", "n"}
    assert cell["value"] > out["by_group"]["gender"]["m"]["fpr"]["value"]
    assert set(out["disparities"]["fpr"]) >= {"difference", "ratio"}
    assert set(out["bias_auc"]["gender = f"]) >= {"subgroup_auc", "bpsn_auc", "bnsp_auc"}
    assert "mentions 'woman'" in out["bias_auc"]
    art = store.get_artifact(out["artifact_id"])
    assert art.kind == "evaluation" and art.content["by_group"] == out["by_group"]
    alerts = store.list_alerts()
    assert alerts and all(a.source_kind == "evaluation" and a.source_id == art.id for a in alerts)
    assert any(
        a.metric == "bias_disparity" and a.value > 0.15 and "Equalized-odds" in a.message
        for a in alerts
    )


def test_cli_missing_column_is_one_clear_line(preds_file, capsys):
    code = main(
        [
            "fairness",
            "--data",
            str(preds_file),
            "--y-true",
            "label",
            "--y-pred",
            "nope",
            "--sensitive",
            "gender",
        ]
    )
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: Column(s) not found: nope") and "\n" not in err


def test_cli_requires_columns_with_data(preds_file, capsys):
    assert main(["fairness", "--data", str(preds_file)]) == 2
    assert "--y-true" in capsys.readouterr().err


def test_cli_text_output_and_no_save(preds_file, capsys, store):
    code = main(
        [
            "fairness",
            "--data",
            str(preds_file),
            "--y-true",
            "label",
            "--y-pred",
            "pred",
            "--sensitive",
            "gender",
            "--n-boot",
            "100",
            "--no-save",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "Findings:" in out and "FPR for gender = f" in out
    assert store.list_artifacts("evaluation") == []


def test_cli_demo_baseline(capsys, store):
    assert main(["fairness", "--demo", "--n-boot", "200", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (
        "Baseline classifier trained by Steward on the synthetic demo data"
        in out["source"]["description"]
    )
    # The planted annotation bias (benign comments by 'black' authors labelled toxic) shows
    # up as missed positives for that group.
    fnr = out["by_group"]["ethnicity"]
    assert fnr["black"]["fnr"]["value"] == max(
        v["fnr"]["value"] for v in fnr.values() if v["fnr"]["value"] is not None
    )
    assert out["final_bias_score"] is not None


def test_run_source_from_a_finished_fine_tune(preds_file, tmp_path, capsys, store):
    """A succeeded train job with predictions (as the training runner records it)."""
    frame = pd.read_csv(preds_file).rename(
        columns={"label": "y_true", "pred": "y_pred", "score": "y_score"}
    )
    frame["y_true"] = np.where(frame["y_true"] == 1, "toxic", "ok")
    frame["y_pred"] = np.where(frame["y_pred"] == 1, "toxic", "ok")
    path = tmp_path / "predictions.csv"
    frame.to_csv(path, index=False)
    job = store.create_job(kind="train", name="tiny run")
    store.update_job(
        job.id,
        status="succeeded",
        result={
            "predictions_path": str(path),
            "sensitive_columns": ["gender"],
            "label_values": ["ok", "toxic"],
        },
    )
    from backend.fairness.evaluation import list_run_sources

    assert [s.job_id for s in list_run_sources(store)] == [job.id]
    assert main(["fairness", "--run", "1", "--n-boot", "100", "--json"]) == 0  # Run #1
    out = json.loads(capsys.readouterr().out)
    assert out["source"]["kind"] == "run" and out["positive_label"] == "toxic"
    assert (
        out["by_group"]["gender"]["f"]["fpr"]["value"]
        > out["by_group"]["gender"]["m"]["fpr"]["value"]
    )
    assert store.get_artifact(out["artifact_id"]).job_id == job.id
    assert out["display_name"] == "Evaluation #1 · Fairness: Run #1 · tiny run"
    assert main(["fairness", "--run", "999"]) == 2
    assert "There is no Run #999" in capsys.readouterr().err
    store.create_job(kind="train", name="still running", status="running")
    assert main(["fairness", "--run", "2"]) == 2
    assert "Run #2 · still running is not a succeeded fine-tune" in capsys.readouterr().err


def test_same_evaluation_twice_does_not_duplicate_alerts(preds_file, capsys, store):
    argv = [
        "fairness",
        "--data",
        str(preds_file),
        "--y-true",
        "label",
        "--y-pred",
        "pred",
        "--sensitive",
        "gender",
        "--n-boot",
        "100",
        "--json",
    ]
    assert main(argv) == 0
    first = len(store.list_alerts())
    assert first >= 1
    assert main(argv) == 0
    assert len(store.list_alerts()) == first
    assert len(store.list_artifacts("evaluation")) == 2
    capsys.readouterr()


def test_cli_probes_with_a_template_file(tmp_path, capsys):
    path = tmp_path / "tpl.csv"
    pd.DataFrame(
        {
            "template": ["I am {identity}.", "I hate {identity} people."],
            "label": ["nontoxic", "toxic"],
        }
    ).to_csv(path, index=False)
    assert main(["fairness", "--probes", "baseline", "--templates", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "trained by Steward" in out["scorer"]
    assert {r["term"] for r in out["terms"]} >= {"muslim", "gay"}
    assert main(["fairness", "--probes", "nope"]) == 2
    assert "Unknown scorer" in capsys.readouterr().err


def test_demo_evaluation_links_the_demo_dataset(store, settings):
    from backend.datasets import ensure_demo_workspace
    from backend.fairness.evaluation import demo_request, evaluate, save_evaluation

    ds = ensure_demo_workspace(store, settings)
    req = demo_request(settings, n_boot=100)
    art, _ = save_evaluation(store, evaluate(req), dataset_id=req.dataset_id)
    assert art.dataset_id == ds.id
