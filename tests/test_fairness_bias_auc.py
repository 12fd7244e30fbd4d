"""Borkan bias AUCs against a small example computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from backend.fairness.bias_auc import bias_aucs, generalized_mean, subgroup_aucs

# Rows:            0    1    2    3    4    5    6    7
Y = np.array([1, 0, 1, 0, 1, 0, 1, 0])
S = np.array([0.9, 0.8, 0.4, 0.3, 0.7, 0.2, 0.6, 0.1])
SUB = np.array([1, 1, 1, 1, 0, 0, 0, 0], dtype=bool)  # rows 0-3 mention the identity


def test_subgroup_bpsn_bnsp_by_hand():
    r = subgroup_aucs(Y, S, SUB)
    # Subgroup: positives {0.9, 0.4}, negatives {0.8, 0.3}.
    # Pairs (pos > neg): 0.9>0.8 yes, 0.9>0.3 yes, 0.4>0.8 no, 0.4>0.3 yes -> 3/4.
    assert r.subgroup_auc == pytest.approx(0.75)
    # BPSN: subgroup negatives {0.8, 0.3} vs background positives {0.7, 0.6}.
    # 0.7>0.8 no, 0.7>0.3 yes, 0.6>0.8 no, 0.6>0.3 yes -> 2/4.
    assert r.bpsn_auc == pytest.approx(0.5)
    # BNSP: subgroup positives {0.9, 0.4} vs background negatives {0.2, 0.1}: all 4 -> 1.0.
    assert r.bnsp_auc == pytest.approx(1.0)


def test_generalized_mean_and_final_score_by_hand():
    assert generalized_mean([0.5, 1.0], p=-5) == pytest.approx(((0.5**-5 + 1.0) / 2) ** (-1 / 5))
    res = bias_aucs(Y, S, {"id": SUB, "other": ~SUB})
    other = subgroup_aucs(Y, S, ~SUB)
    # Background subgroup: positives {0.7, 0.6} vs negatives {0.2, 0.1}: 1.0.
    assert other.subgroup_auc == pytest.approx(1.0)
    # BPSN(other) = its negatives {0.2,0.1} vs subgroup positives {0.9,0.4}: 1.0
    # BNSP(other) = its positives {0.7,0.6} vs subgroup negatives {0.8,0.3}: 2/4.
    assert other.bpsn_auc == pytest.approx(1.0)
    assert other.bnsp_auc == pytest.approx(0.5)
    # Overall AUC: positives {.9,.4,.7,.6} vs negatives {.8,.3,.2,.1}: 16 pairs, the
    # failures are .4<.8, .7<.8, .6<.8 -> 13/16.
    assert res.overall_auc == pytest.approx(13 / 16)

    def m(a, b):
        return ((a**-5 + b**-5) / 2) ** (-1 / 5)

    expected = 0.25 * (13 / 16) + 0.75 * np.mean([m(0.75, 1.0), m(0.5, 1.0), m(1.0, 0.5)])
    assert res.final_bias_score == pytest.approx(expected)
    assert res.generalized_means["subgroup_auc"] == pytest.approx(m(0.75, 1.0))


def test_one_class_subgroup_and_small_subgroups():
    only_neg = np.array([0, 1, 0, 1, 0, 0, 0, 0], dtype=bool)  # rows 1, 3: both negative
    res = bias_aucs(Y, S, {"neg": only_neg, "tiny": np.eye(8, dtype=bool)[0]}, min_size=2)
    assert res.subgroups["neg"].subgroup_auc is None
    assert res.subgroups["neg"].bpsn_auc is not None
    assert "tiny" not in res.subgroups
    assert any("only non-toxic" in w for w in res.warnings)


def test_summary_min_size_excludes_small_subgroups_from_means():
    res = bias_aucs(Y, S, {"id": SUB, "pair": np.arange(8) < 2}, summary_min_size=4)
    assert res.subgroups["pair"].in_summary is False
    assert res.generalized_means["subgroup_auc"] == pytest.approx(0.75)


def test_hanley_mcneil_interval():
    from backend.fairness.bias_auc import hanley_mcneil_interval

    # By hand, A = 0.8, 50 positives, 50 negatives: Q1 = 0.8 / 1.2 = 0.6667,
    # Q2 = 2 * 0.64 / 1.8 = 0.7111, var = (0.16 + 49 * 0.02667 + 49 * 0.07111) / 2500
    # = 0.0019804, SE = 0.0445.
    lo, hi = hanley_mcneil_interval(0.8, 50, 50)
    assert (hi - lo) / (2 * 1.959964) == pytest.approx(0.0445, abs=0.0002)
    assert hanley_mcneil_interval(None, 5, 5) is None
    r = subgroup_aucs(Y, S, SUB).to_dict()
    assert r["ci"]["subgroup_auc"][0] <= 0.75 <= r["ci"]["subgroup_auc"][1]
