"""Privacy audit: membership-inference scoring, and the runner's audit of a real tiny model."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from backend.column_roles import ColumnRoles
from backend.datasets import register_dataset
from backend.privacy.membership import evaluate_attack, verdict
from tests.test_training_models import build_tiny_bert, demo_frame, write_csv


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory):
    folder = tmp_path_factory.mktemp("privacy-models")
    return build_tiny_bert(folder / "bert", demo_frame(300)["text"].tolist())


def test_attack_scores_separate_members_and_report_low_fpr_rates():
    rng = np.random.default_rng(0)
    leaky = evaluate_attack("loss_threshold", rng.normal(2, 1, 400), rng.normal(0, 1, 400))
    assert 0.88 < leaky.auc < 0.96 and leaky.ci_low > 0.85 and leaky.ci_high < 0.98
    assert leaky.ci_low < leaky.auc < leaky.ci_high
    assert 0 < leaky.tpr_at_fpr["0.01"] < 1 and leaky.fpr_resolution == 1 / 400
    assert leaky.roc[0] == [0.0, 0.0] and leaky.roc[-1] == [1.0, 1.0]
    level, text = verdict([leaky])
    assert level == "high" and "far better than chance" in text and "95 % CI" in text

    scores = rng.normal(0, 1, 300)  # the same scores for members and non-members
    same = evaluate_attack("loss_threshold", scores, rng.permutation(scores))
    assert same.auc == 0.5 and same.ci_low < 0.5 < same.ci_high
    level, text = verdict([same])
    assert level == "chance" and "no better than chance" in text
    assert f"{same.ci_low:.2f}–{same.ci_high:.2f}" in text


def test_classification_run_audits_membership_and_saves_a_privacy_record(
    store, tiny_bert, tmp_path, capsys
):
    from backend.errors import StewardError
    from backend.privacy import privacy_audit_for_run, save_privacy_audit
    from backend.training.config import parse_config
    from backend.training.runner import run_training

    # Unique random-word rows with random labels: a model can only memorise them, so
    # training rows get low losses and held-out rows do not.
    rng = np.random.default_rng(0)
    words = sorted({w for t in demo_frame(300)["text"] for w in t.lower().split() if w.isalpha()})
    frame = pd.DataFrame(
        {
            "text": [" ".join(rng.choice(words, 8)) for _ in range(200)],
            "label": rng.integers(0, 2, 200),
        }
    )
    csv = write_csv(frame, tmp_path / "memorise.csv")
    ds = register_dataset(
        store,
        frame=frame,
        name="memorise",
        source="path",
        location=csv,
        fmt="csv",
        roles=ColumnRoles(text="text", label="label"),
    )
    config = parse_config(
        {
            "model": tiny_bert,
            "dataset_id": ds.id,
            "text_column": "text",
            "label_column": "label",
            "sensitive_columns": [],
            "split_column": None,
            "eval_fraction": 0.4,
            "max_train_samples": 32,
            "torch_threads": 1,
            "max_eval_samples": 48,
            "epochs": 20,
            "batch_size": 16,
            "max_length": 24,
            "learning_rate": 5e-3,
            "telemetry": {"enabled": False},
            "save_checkpoint": False,
            "privacy": {"membership": {"rows_per_side": 30, "bootstrap": 200}},
        }
    )
    summary = run_training(config, store)
    head = summary["privacy"]
    assert set(head) >= {"auc", "ci", "verdict", "artifact_id", "duration_s"}
    art = privacy_audit_for_run(store, summary["job_id"])
    assert art.id == head["artifact_id"] and store.display_name(art).startswith("Privacy audit #1")
    m = art.content["membership"]
    assert m["n_members"] == m["n_non_members"] == 30
    assert [a["attack"] for a in m["attacks"]] == ["loss_threshold", "calibrated"]
    assert m["mean_loss_members"] < m["mean_loss_non_members"]
    best = max(a["auc"] for a in m["attacks"])
    assert best > 0.7 and head["ci"][0] > 0.55, m["verdict"]
    assert m["level"] in ("moderate", "high") and "better than chance" in m["verdict"]
    assert sum(m["histogram"]["members"]) == 30 and len(m["losses"]["non_members"]) == 30
    assert m["reference_source"] == "pre-trained weights (reloaded)"

    # the model card cites the audit in its privacy field; the CLI shows it
    from backend.cards import create_card
    from backend.cards.repository import CardRepository
    from backend.cli import main

    saved = create_card(store, "model", from_run=1)
    doc = CardRepository(store).load(saved.card_id)
    privacy = doc.get_field("ethical_considerations", "privacy")
    assert privacy.source.kind == "privacy" and privacy.source.id == art.id
    assert "Membership inference" in privacy.value
    assert f"[{m['attacks'][0]['ci_low']:.3f}," in privacy.value
    cited = {(r.kind, r.id) for r in doc.cited_records()}
    pinned = summary["dataset_version"]
    assert pinned["version"] == 1 and pinned["n_rows"] == len(frame)
    assert {("privacy", art.id), ("dataset_version", pinned["version_id"])} <= cited
    assert (
        pinned["content_hash"] in doc.get_field("factors_and_training_data", "training_data").value
    )

    # another run's privacy audit is refused as this run's evidence
    other = store.create_job(kind="train", name="other run")
    stray = save_privacy_audit(store, job_id=other.id, run_name="other run", membership=m)
    with pytest.raises(StewardError, match="another run"):
        create_card(store, "model", from_run=1, evidence=[("privacy", f"artifact:{stray.id}")])

    assert main(["privacy", "--run", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["record"] == store.display_name(art) and out["membership"]["verdict"] == m["verdict"]
    assert main(["privacy", "--run", "1"]) == 0
    text = capsys.readouterr().out
    assert "Differential privacy: off" in text and "TPR" in text and m["verdict"] in text
    assert main(["privacy", "--compare", "1", "1"]) == 0
    assert "membership attack AUC" in capsys.readouterr().out
    for bad in (["privacy", "--run", "7"], ["privacy", "--run", "one"]):
        assert main(bad) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("error: ")


def test_sampled_exposure_has_an_error_and_a_censored_lower_bound():
    from backend.privacy.canaries import _exposures

    candidates = np.arange(1000, dtype=float)  # NLLs of 1,000 sampled secrets
    (mid, err, rank, censored), (top, _, _, top_censored) = _exposures(
        np.array([499.5, -1.0]), candidates, 10**6, exact=False
    )
    assert abs(mid - 1.0) < 0.01 and 0 < err < 0.1 and abs(rank - 500_000) < 1_000
    assert not censored and top_censored and abs(top - np.log2(1001)) < 1e-9
    ((exact, e0, r0, _),) = _exposures(np.array([2.0]), np.array([1.0, 3.0, 4.0]), 4, exact=True)
    assert (r0, e0) == (2.0, 0.0) and exact == 1.0


def test_canary_exposure_rises_with_repetitions_and_falls_with_dp(store, tmp_path):
    """A tiny GPT-2 trained here: canaries seen more often are ranked higher among all
    secrets of their format; DP-SGD at ε < 1 lowers their exposure."""
    from backend.privacy import privacy_audit_for_run
    from backend.training.config import parse_config
    from backend.training.runner import run_training
    from tests.tiny_models import canary_run_config

    def run(dp: bool) -> dict:
        config = canary_run_config(tmp_path, dp=dp, repetitions=[1, 4, 16])
        summary = run_training(parse_config(config), store)
        art = privacy_audit_for_run(store, summary["job_id"])
        assert art.id == summary["privacy"]["artifact_id"]
        report = art.content["canaries"]
        assert report["exact"] and report["space"] == 1000 and len(report["canaries"]) == 6
        assert art.content["epsilon"] == summary["epsilon"]
        return {g["repetitions"]: g["mean_exposure"] for g in report["by_repetition"]} | {
            "epsilon": summary["epsilon"]
        }

    plain, private = run(dp=False), run(dp=True)
    assert plain[1] < plain[4] < plain[16] and plain[16] - plain[1] > 4, plain
    assert private["epsilon"] < 1.5, private
    assert private[16] < plain[16] - 1.5 and private[4] < plain[4], (plain, private)
