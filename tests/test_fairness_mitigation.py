"""Mitigation: ThresholdOptimizer and ExponentiatedGradient on held-out rows; reweighting."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from backend.errors import StewardError
from backend.fairness.mitigation import (
    MitigationRequest,
    group_weights,
    run_mitigation,
    save_reweighting,
)
from backend.fairness.scorers import LinearTextScorer, models_dir


def _biased(n=500, seed=0):
    """Group b is selected far more often by the model than group a."""
    rng = np.random.default_rng(seed)
    g = rng.choice(["a", "b"], n)
    y = (rng.random(n) < 0.4).astype(int)
    score = np.clip(0.25 + 0.45 * y + 0.25 * (g == "b") + rng.normal(0, 0.12, n), 0, 1)
    words = np.where(y == 1, "awful rude comment", "kind helpful comment")
    text = [
        f"{w} from {grp} number {i % 7}" for i, (w, grp) in enumerate(zip(words, g, strict=True))
    ]
    return pd.DataFrame({"text": text, "y": y, "p": (score >= 0.5).astype(int), "s": score, "g": g})


@pytest.mark.slow
def test_mitigation_reduces_disparity_on_held_out_rows(settings, tmp_path):
    df = _biased()
    out = run_mitigation(
        MitigationRequest(
            frame=df,
            y_true="y",
            y_pred="p",
            y_score="s",
            text_col="text",
            column="g",
            constraint="demographic_parity",
            eps=0.02,
            eps_grid=(0.02, 0.2),
            n_boot=100,
            source={"title": "synthetic"},
        ),
        settings=settings,
    )
    rep = out.report
    before = rep["variants"]["Evaluated model"]
    after_to = rep["variants"]["ThresholdOptimizer"]
    assert before["disparity"] > 0.15
    assert after_to["disparity"] < before["disparity"] / 2
    assert rep["n_fit"] + rep["n_holdout"] == len(df)
    methods = {p["method"] for p in rep["pareto"]}
    assert {
        "Evaluated model",
        "ThresholdOptimizer",
        "ExponentiatedGradient",
        "Logistic regression",
    } <= methods
    assert any(p["pareto"] for p in rep["pareto"])
    # The EG mixture is a text scorer that survives a save/load round trip (no pickle).
    assert out.model is not None and rep["model_saveable"]
    path = out.model.save(models_dir(settings), "mitigated")
    loaded = LinearTextScorer.load(path)
    texts = df["text"].head(20).tolist()
    np.testing.assert_allclose(loaded.score(texts), out.model.score(texts))
    assert ((loaded.score(texts) >= 0) & (loaded.score(texts) <= 1)).all()


def test_mitigation_without_text_or_scores_still_runs(settings):
    df = _biased(n=300).drop(columns=["text", "s"])
    out = run_mitigation(
        MitigationRequest(
            frame=df,
            y_true="y",
            y_pred="p",
            column="g",
            constraint="equalized_odds",
            eps=0.05,
            eps_grid=(0.05,),
            n_boot=50,
        ),
        settings=settings,
    )
    assert out.model is None and not out.report["model_saveable"]
    assert any("No score column" in w for w in out.report["warnings"])
    assert "ThresholdOptimizer" in out.report["variants"]


def test_mitigation_bad_input():
    df = _biased(n=100)
    with pytest.raises(StewardError, match="not found"):
        run_mitigation(MitigationRequest(frame=df, y_true="y", y_pred="p", column="zzz"))
    df["g"] = "same"
    with pytest.raises(StewardError, match="two groups"):
        run_mitigation(MitigationRequest(frame=df, y_true="y", y_pred="p", column="g"))


def test_group_weights_balance_groups_and_artifact_contract(store):
    groups = ["a"] * 80 + ["b"] * 15 + ["c"] * 5
    w = group_weights(groups)
    totals = {g: w[g] * groups.count(g) for g in w}
    assert totals["a"] == pytest.approx(totals["b"]) == pytest.approx(totals["c"])
    assert np.mean([w[g] for g in groups]) == pytest.approx(1.0)
    rare = ["a"] * 999 + ["b"]
    clipped = group_weights(rare, clip=(0.1, 10))
    assert clipped["b"] == pytest.approx(10.0)
    assert np.mean([clipped[g] for g in rare]) == pytest.approx(1.0, rel=0.01)
    art = save_reweighting(store, column="g", weights=w, source="demo dataset, train split")
    content = store.get_artifact(art.id).content
    assert art.kind == "reweighting"
    assert set(content) == {"column", "weights", "source"}
    assert content["weights"] == w
    with pytest.raises(StewardError):
        group_weights(["x", "x"])


def test_threshold_optimizer_keeps_degenerate_groups(settings):
    df = _biased(n=400)
    # Group c: only negatives, so no threshold can be fitted for it.
    extra = df.head(40).assign(g="c", y=0)
    df = pd.concat([df, extra], ignore_index=True)
    out = run_mitigation(
        MitigationRequest(
            frame=df.drop(columns=["text"]),
            y_true="y",
            y_pred="p",
            y_score="s",
            column="g",
            eps=0.05,
            eps_grid=(0.05,),
            n_boot=50,
        ),
        settings=settings,
    )
    assert "ThresholdOptimizer" in out.report["variants"]
    assert any("c has only one label" in w for w in out.report["warnings"])


def test_reweighting_artifact_is_accepted_by_the_fine_tune(store):
    """Contract with backend.training: the artifact content validates there unchanged."""
    from backend.training.reweighting import weights_from_artifact

    w = group_weights(["a"] * 30 + ["b"] * 10)
    art = save_reweighting(store, column="g", weights=w, source="test")
    column, weights, source = weights_from_artifact(store.get_artifact(art.id).content)
    assert (column, weights, source) == ("g", w, "test")


def test_mitigation_job_on_a_text_only_evaluation(store, settings, tmp_path):
    """Evaluate a file without sensitive columns, then mitigate on the derived column."""
    from backend.fairness.evaluation import (
        IDENTITY_COLUMN,
        EvaluationRequest,
        evaluate,
        save_evaluation,
    )
    from backend.fairness.scorer_choices import available_scorers
    from backend.fairness.tasks import mitigation_task
    from backend.jobs import JobManager

    df = _biased(n=300)
    df["text"] = [t if i % 2 else f"As a muslim, {t}" for i, t in enumerate(df["text"])]
    path = tmp_path / "preds.csv"
    df.to_csv(path, index=False)
    report = evaluate(
        EvaluationRequest(
            frame=df,
            y_true="y",
            y_pred="p",
            y_score="s",
            text_col="text",
            sensitive=[],
            n_boot=100,
            source={"kind": "file", "title": "preds", "path": str(path)},
        )
    )
    assert IDENTITY_COLUMN in report["by_group"]
    art, _ = save_evaluation(store, report)
    manager = JobManager(store, logs_dir=settings.logs_dir)
    job_id = manager.submit(
        mitigation_task(
            settings=settings,
            store=store,
            evaluation_id=art.id,
            column=IDENTITY_COLUMN,
            constraint="demographic_parity",
            features="tfidf",
            eps=0.05,
            eps_grid=(0.05,),
        ),
        kind="fairness",
        name="mitigation",
        params={"task": "mitigation", "evaluation_id": art.id},
    )
    manager.wait(job_id, timeout=120)
    job = store.get_job(job_id)
    assert job.status == "succeeded", job.error
    assert job.result["column"] == IDENTITY_COLUMN and job.result["model_key"]
    assert job.result["model_key"] in [c.key for c in available_scorers(settings)]


def test_verdicts_say_plainly_when_a_gap_got_worse():
    from backend.fairness.mitigation import mitigation_verdicts

    report = {
        "variants": {
            "Evaluated model": {"demographic_parity": 0.137, "equalized_odds": 0.553, "fnr": 0.5},
            "ThresholdOptimizer": {
                "demographic_parity": 0.144,
                "equalized_odds": 0.636,
                "fnr": 0.5,
            },
            "EG": {"demographic_parity": 0.10, "equalized_odds": 0.40, "fnr": 0.3},
        }
    }
    verdicts = mitigation_verdicts(report)
    assert verdicts[0] == (
        "ThresholdOptimizer made the demographic-parity gap (0.137 → 0.144) and the "
        "equalized-odds gap (0.553 → 0.636) worse."
    )
    assert verdicts[1].startswith("EG narrowed the demographic-parity gap (0.137 → 0.100), ")
    assert mitigation_verdicts({}) == []


@pytest.mark.slow
def test_demo_default_constraint_targets_the_flagged_fnr_gap_and_helps(settings):
    """On the demo baseline the flagged gap is a false-negative-rate gap: the default is
    false-negative-rate parity, which narrows it, while demographic parity widened it."""
    from backend.cli import main
    from backend.fairness.evaluation import demo_request, evaluate
    from backend.fairness.mitigation import default_constraint

    assert main(["demo"]) == 0
    report = evaluate(demo_request(settings))
    column, constraint = default_constraint(report)
    assert (column, constraint) == ("ethnicity", "true_positive_rate_parity")

    def mitigate(constraint):
        req = demo_request(settings)
        return run_mitigation(
            MitigationRequest(
                frame=req.frame,
                y_true=req.y_true,
                y_pred=req.y_pred,
                y_score=req.y_score,
                text_col=req.text_col,
                pos_label=req.pos_label,
                column=column,
                constraint=constraint,
                eps_grid=(0.02,),
                n_boot=100,
                source=req.source,
            ),
            settings=settings,
        ).report

    targeted = mitigate(constraint)
    before, after = (
        targeted["variants"]["Evaluated model"],
        targeted["variants"]["ThresholdOptimizer"],
    )
    assert after["fnr"] < before["fnr"] and after["equalized_odds"] < before["equalized_odds"]
    parity = mitigate("demographic_parity")
    assert any(v.startswith("ThresholdOptimizer made") for v in parity["verdicts"])
