"""The typed fairness reports: stored JSON parsed once, older reports, malformed ones."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from backend.errors import StewardError
from backend.fairness import frames
from backend.fairness.evaluation import EvaluationRequest, evaluate
from backend.fairness.mitigation import default_constraint, mitigation_verdicts
from backend.fairness.report import SCHEMA, EvaluationReport, MitigationReport

#: A report as an earlier Steward stored it: schema v1, before observations, finding
#: details, ROC curves and data versions; its alert sentences were its own.
OLDER_REPORT = {
    "schema": SCHEMA,
    "source": {"kind": "file", "description": "an old table"},
    "n_rows": 1200,
    "columns": {"y_true": "y", "y_pred": "p", "sensitive": ["gender"]},
    "label_mode": "binary",
    "settings": {"n_boot": 200, "seed": 0, "ci": 0.95, "min_group_size": 30},
    "overall": {"accuracy": 0.81, "fpr": 0.12, "count": 1200},
    "by_group": {
        "gender": {
            "f": {"fpr": {"value": 0.2, "ci_low": 0.15, "ci_high": 0.25, "n": 600}},
            "m": {"fpr": {"value": 0.05, "n": 20}},
        }
    },
    "disparities": {"equalized_odds": {"difference": 0.15, "column": "gender"}},
    "disparities_by_column": {"gender": {"fpr": {"difference": 0.15, "ratio": 0.25}}},
    "findings": ["FPR for gender = f is 0.15 higher than for gender = m."],
    "warnings": [],
    "alerts": [{"message": "Equalized-odds difference for gender is 0.15."}],
    "a_key_from_a_newer_version": {"kept": True},
}


def test_a_fresh_report_round_trips_with_its_keys_unchanged():
    rng = np.random.default_rng(0)
    n = 300
    frame = pd.DataFrame(
        {
            "y": rng.integers(0, 2, n),
            "p": rng.integers(0, 2, n),
            "s": rng.random(n),
            "g": rng.choice(["a", "b"], n),
            "h": rng.choice(["x", "z"], n),
        }
    )
    report = evaluate(
        EvaluationRequest(
            frame=frame, y_true="y", y_pred="p", y_score="s", sensitive=["g", "h"], n_boot=50
        )
    )
    stored = json.loads(json.dumps(report))  # what the store gives back
    typed = EvaluationReport.load(stored)
    assert typed.to_dict() == stored
    assert typed.n_rows == n and typed.columns.sensitive == ["g", "h"]
    assert typed.by_group["g"]["a"]["fpr"].value == stored["by_group"]["g"]["a"]["fpr"]["value"]
    assert typed.overall["count"] == n and isinstance(typed.overall["count"], int)
    assert set(typed.intersections) == {"g × h"}
    assert typed.bias_auc and typed.roc["overall"].fpr
    assert len(typed.observation_list()) == len(stored["observations"])
    assert set(frames.bias_auc_frame(typed)["subgroup"]) == set(stored["bias_auc"])


def test_an_older_stored_report_still_reads():
    report = EvaluationReport.load(OLDER_REPORT)
    assert report.observations is None and report.finding_details == []
    assert report.gaps_above_threshold() == ["Equalized-odds difference for gender is 0.15."]
    assert report.settings.disparity_threshold is None and report.roc == {}
    by_group = frames.by_group_frame(report, "gender")
    assert by_group.set_index("group").loc["m", "small"]  # 20 rows < 30
    assert frames.bias_auc_frame(report).empty
    assert default_constraint(report) == ("gender", "equalized_odds")
    # Keys this version does not know are kept when the report is written back.
    assert report.to_dict()["a_key_from_a_newer_version"] == {"kept": True}


def test_a_malformed_report_is_one_clear_error_and_its_readable_parts_stay():
    bad = {**OLDER_REPORT, "by_group": {"gender": {"f": {"fpr": {"value": "high"}}}}}
    with pytest.raises(StewardError) as err:
        EvaluationReport.load(bad, name="Evaluation #7")
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("Evaluation #7 cannot be read: by_group.gender.f.fpr.value:")
    with pytest.raises(StewardError, match="stored as list, not as a JSON object"):
        EvaluationReport.load([1, 2])
    # The card auto-fill keeps what it can read: here all but the column's groups.
    bad["by_group"]["age"] = OLDER_REPORT["by_group"]["gender"]
    readable, dropped = EvaluationReport.load_readable(bad)
    assert dropped == ["by_group['gender']"] and list(readable.by_group) == ["age"]
    assert readable.n_rows == 1200 and bad["by_group"]["gender"]  # the input is unchanged
    readable, dropped = EvaluationReport.load_readable({"by_group": None, "n_rows": 5})
    assert dropped == ["by_group"] and readable.by_group == {} and readable.n_rows == 5
    with pytest.raises(StewardError, match="not written by this version"):
        EvaluationReport.load_current({"something": "else"})


def test_mitigation_verdicts_read_the_typed_variants():
    stored = {
        "column": "g",
        "constraint": "equalized_odds",
        "variants": {
            "Evaluated model": {"accuracy": 0.8, "equalized_odds": 0.2, "demographic_parity": 0.1},
            "EG eps=0.02": {"accuracy": 0.78, "equalized_odds": 0.05, "demographic_parity": 0.2},
        },
    }
    verdicts = mitigation_verdicts(stored)
    assert verdicts == [
        "EG eps=0.02 made the demographic-parity gap (0.100 → 0.200) worse.",
        "EG eps=0.02 narrowed the equalized-odds gap (0.200 → 0.050).",
    ]
    assert mitigation_verdicts(MitigationReport.load(stored)) == verdicts
    assert list(frames.variants_frame(MitigationReport.load(stored))["model"]) == list(
        stored["variants"]
    )
