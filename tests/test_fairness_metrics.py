"""Per-group metrics, bootstrap intervals, disparities and input handling."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from backend.errors import StewardError
from backend.fairness.evaluation import EvaluationRequest, evaluate, gaps_above_threshold
from backend.fairness.metrics import (
    bootstrap_counts,
    confusion_counts,
    group_metrics,
    rates_from_counts,
)


def _toy(n=600, seed=1):
    rng = np.random.default_rng(seed)
    group = rng.choice(["a", "b", "c"], size=n, p=[0.5, 0.3, 0.2])
    y = rng.integers(0, 2, n)
    # Group b gets extra false positives, group c extra false negatives.
    flip = rng.random(n)
    pred = y.copy()
    pred[(group == "b") & (y == 0) & (flip < 0.4)] = 1
    pred[(group == "c") & (y == 1) & (flip < 0.3)] = 0
    pred[(flip > 0.95)] = 1 - pred[(flip > 0.95)]
    score = np.clip(pred * 0.6 + rng.random(n) * 0.4, 0, 1)
    return pd.DataFrame({"y": y, "p": pred, "s": score, "g": group, "h": rng.choice(["x", "z"], n)})


def test_rates_match_hand_counts():
    # tn=3 fp=1 fn=2 tp=4
    rates = rates_from_counts(np.array([3, 1, 2, 4]))
    assert rates["accuracy"] == pytest.approx(7 / 10)
    assert rates["precision"] == pytest.approx(4 / 5)
    assert rates["recall"] == pytest.approx(4 / 6)
    assert rates["fpr"] == pytest.approx(1 / 4)
    assert rates["fnr"] == pytest.approx(2 / 6)
    assert rates["selection_rate"] == pytest.approx(5 / 10)
    # An empty denominator is undefined, not zero.
    assert np.isnan(rates_from_counts(np.array([3, 1, 0, 0]))["recall"])


def test_point_estimates_and_disparities_agree_with_fairlearn():
    from fairlearn.metrics import (
        demographic_parity_difference,
        equalized_odds_difference,
        false_positive_rate,
    )

    df = _toy()
    res = group_metrics(df.y, df.p, df.g, column="g", min_group_size=2, n_boot=200)
    for g in ["a", "b", "c"]:
        m = df.g == g
        assert res.groups[g].values["fpr"] == pytest.approx(false_positive_rate(df.y[m], df.p[m]))
        assert res.groups[g].n == int(m.sum())
    dp = demographic_parity_difference(df.y, df.p, sensitive_features=df.g)
    eo = equalized_odds_difference(df.y, df.p, sensitive_features=df.g)
    assert res.disparities["demographic_parity"].difference == pytest.approx(dp)
    assert res.disparities["equalized_odds"].difference == pytest.approx(eo)
    assert res.disparities["fpr"].high_group == "b"
    assert res.disparities["fnr"].high_group == "c"


def test_bootstrap_is_seeded_and_matches_row_resampling():
    df = _toy(n=400)
    m = (df.g == "b").to_numpy()
    yt, yp = df.y.to_numpy()[m], df.p.to_numpy()[m]
    a = group_metrics(df.y, df.p, df.g, column="g", seed=3, n_boot=2000)
    b = group_metrics(df.y, df.p, df.g, column="g", seed=3, n_boot=2000)
    assert a.groups["b"].ci["fpr"] == b.groups["b"].ci["fpr"]
    # Classic bootstrap: resample rows, recompute FPR. Same distribution as the multinomial.
    rng = np.random.default_rng(0)
    idx = rng.integers(0, len(yt), size=(2000, len(yt)))
    classic = [rates_from_counts(confusion_counts(yt[i], yp[i]))["fpr"] for i in idx]
    lo, hi = np.nanquantile(classic, [0.025, 0.975])
    mlo, mhi = a.groups["b"].ci["fpr"]
    assert mlo == pytest.approx(lo, abs=0.03) and mhi == pytest.approx(hi, abs=0.03)
    point = a.groups["b"].values["fpr"]
    assert mlo <= point <= mhi


def test_bootstrap_counts_keep_group_size():
    draws = bootstrap_counts(np.array([5, 3, 2, 10]), 100, np.random.default_rng(0))
    assert draws.shape == (100, 4)
    assert (draws.sum(axis=1) == 20).all()


def _req(df, **kw):
    base = dict(frame=df, y_true="y", y_pred="p", sensitive=["g"], n_boot=200)
    base.update(kw)
    return EvaluationRequest(**base)


def test_evaluate_report_shape_and_findings():
    df = _toy()
    report = evaluate(
        _req(
            df,
            y_score="s",
            sensitive=["g", "h"],
        )
    )
    assert set(report["overall"]) >= {
        "accuracy",
        "precision",
        "recall",
        "fpr",
        "fnr",
        "selection_rate",
    }
    # Overall values are the plain rates over every row (they were None for a day: a 0-d
    # array from rates_from_counts was not taken for a number), inside their intervals.
    y, p = df["y"].to_numpy(), df["p"].to_numpy()
    assert report["overall"]["accuracy"] == pytest.approx(float((y == p).mean()))
    assert report["overall"]["recall"] == pytest.approx(float(p[y == 1].mean()))
    for m in ("accuracy", "precision", "recall", "fpr", "fnr", "selection_rate"):
        ci = report["overall_ci"][m]
        assert ci["ci_low"] <= report["overall"][m] == ci["value"] <= ci["ci_high"], m
    cell = report["by_group"]["g"]["b"]["fpr"]
    assert set(cell) >= {"value", "ci_low", "ci_high", "n"}
    assert cell["ci_low"] <= cell["value"] <= cell["ci_high"]
    assert report["disparities"]["fpr"]["column"] == "g"
    assert "g × h" in report["intersections"]
    assert set(report["bias_auc"]["g = a"]) >= {"subgroup_auc", "bpsn_auc", "bnsp_auc"}
    assert 0 < report["final_bias_score"] <= 1
    fpr_finding = next(s for s in report["findings"] if s.startswith("FPR for g = b"))
    assert "95 % CI" in fpr_finding and "n = " in fpr_finding
    # The gaps observed for the alert thresholds; those above the report's threshold are
    # called out in the same words as the alert.
    gaps = {o["context"]["part"]: o["value"] for o in report["observations"]}
    assert set(gaps) == {
        "g/demographic_parity",
        "g/equalized_odds",
        "h/demographic_parity",
        "h/equalized_odds",
    }
    assert any(
        line.startswith("Equalized-odds difference for g is")
        for line in gaps_above_threshold(report)
    )


def test_missing_columns_are_named():
    with pytest.raises(StewardError, match="nope") as exc:
        evaluate(_req(_toy(), sensitive=["nope"]))
    assert "The data has" in str(exc.value)


def test_single_group_gives_partial_results():
    df = _toy()
    df["one"] = "only"
    report = evaluate(_req(df, sensitive=["one"]))
    assert report["by_group"]["one"]["only"]["accuracy"]["value"] is not None
    assert report["disparities"] == {}
    assert any("single group" in w for w in report["warnings"])


def test_non_binary_labels_report_accuracy_only():
    df = _toy()
    df["y"] = df["y"] + (df.index % 3 == 0)  # values 0, 1, 2
    report = evaluate(_req(df))
    assert report["label_mode"] == "multiclass"
    assert set(report["by_group"]["g"]["a"]) == {"accuracy", "count"}
    assert any("only accuracy" in w for w in report["warnings"])


def test_string_labels_and_pos_label():
    df = _toy()
    df["y"] = np.where(df.y == 1, "toxic", "ok")
    df["p"] = np.where(df.p == 1, "toxic", "ok")
    report = evaluate(_req(df))
    assert report["positive_label"] == "toxic"


def test_nan_scores_and_tiny_groups():
    df = _toy()
    df.loc[:9, "s"] = np.nan
    df.loc[0, "g"] = "lonely"
    report = evaluate(_req(df, y_score="s"))
    assert "lonely" not in report["by_group"]["g"]
    assert any("lonely" in w and "too few" in w for w in report["warnings"])
    assert any("missing or non-numeric score" in w for w in report["warnings"])
    assert report["final_bias_score"] is not None


def test_all_nan_scores_skip_bias_auc():
    df = _toy()
    df["s"] = np.nan
    report = evaluate(_req(df, y_score="s"))
    assert report["bias_auc"] == {} and report["final_bias_score"] is None
    assert report["by_group"]["g"]["a"]["fpr"]["value"] is not None


def test_small_groups_are_excluded_from_disparities():
    df = _toy()
    df.loc[:5, "g"] = "rare"
    report = evaluate(_req(df, min_group_size=30))
    assert "rare" in report["by_group"]["g"]
    assert report["by_group"]["g"]["rare"]["count"]["value"] == 6
    d = report["disparities_by_column"]["g"]["fpr"]
    assert "rare" not in (d["high_group"], d["low_group"])
    assert any("rare" in w and "Small groups" in w for w in report["warnings"])


def test_degenerate_bootstrap_falls_back_to_wilson():
    # 8 of 8 correct: the bootstrap says [1, 1]; Wilson says roughly [0.68, 1].
    res = group_metrics(
        [1] * 8 + [0, 1] * 20, [1] * 8 + [0, 1] * 20, ["s"] * 8 + ["big"] * 40, column="c"
    )
    g = res.to_dict()["s"]["accuracy"]
    assert g["value"] == 1.0 and g["ci_method"] == "wilson"
    assert g["ci_low"] == pytest.approx(0.676, abs=0.01) and g["ci_high"] == 1.0


def test_real_comments_with_identity_terms_from_text(shared_data, settings):
    """Real Wikipedia comments: no sensitive column, subgroups from identity terms."""
    from backend.detectors.toxicity import load_toxicity_scorer

    frame = pd.read_csv(shared_data / "wiki_toxicity_test.csv")
    scorer = load_toxicity_scorer()
    frame["score"] = scorer.score(frame["comment"].astype(str).tolist())
    frame["pred"] = (frame["score"] >= 0.5).astype(int)
    report = evaluate(
        EvaluationRequest(
            frame=frame,
            y_true="toxic",
            y_pred="pred",
            y_score="score",
            text_col="comment",
            sensitive=[],
            n_boot=200,
        )
    )
    assert report["positive_label"] == "1"  # True/False labels read as 1/0
    assert report["bias_auc_summary"]["overall_auc"] > 0.9
    gay = report["bias_auc"]["mentions 'gay'"]
    assert gay["n"] >= 100 and gay["in_summary"]
    # Known unintended bias: non-toxic comments mentioning 'gay' score like toxic ones.
    assert gay["bpsn_auc"] < gay["bnsp_auc"]
    assert any("groups come from identity terms" in w for w in report["warnings"])


def test_no_sensitive_and_no_text_is_an_error():
    with pytest.raises(StewardError, match="sensitive column"):
        evaluate(_req(_toy(), sensitive=[]))
