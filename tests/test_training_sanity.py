"""Sanity warnings: a run that does not beat guessing, or barely ranks, is said so plainly
on the Fine-tune monitor and in the model card."""

from __future__ import annotations

import pandas as pd

from backend.store import utcnow
from backend.training.sanity import (
    BELOW_MAJORITY,
    LOW_AUC,
    baseline_comparison,
    baseline_of,
    check_run,
    majority_baseline,
)

PAGE = "pages/finetune_monitor.py"

#: The run of the issue: LoRA at 5e-5 for 19 steps on 300 rows.
FLAT_RUN = {
    "task": "classification",
    "eval": {"loss": 0.69, "accuracy": 0.73, "f1": 0.09, "roc_auc": 0.44},
    "majority_baseline": {"label": "0", "accuracy": 0.78, "rows": 800},
    "eval_rows": 800,
}
GOOD_RUN = {
    "task": "classification",
    "eval": {"loss": 0.35, "accuracy": 0.91, "f1": 0.80, "roc_auc": 0.93},
    "majority_baseline": {"label": "0", "accuracy": 0.78, "rows": 800},
}


def test_majority_baseline_is_the_share_of_the_most_common_label():
    base = majority_baseline([0, 0, 0, 1, 0, 1, 0, 0, None])
    assert base.label == "0" and base.rows == 8 and base.accuracy == 6 / 8
    assert majority_baseline([]) is None


def test_flat_run_gets_both_warnings_in_plain_words():
    warnings = check_run(FLAT_RUN, label_names={"0": "non-toxic"})
    assert [w.code for w in warnings] == [BELOW_MAJORITY, LOW_AUC]
    below, auc = warnings
    assert below.title == "Does not beat guessing"
    assert "accuracy 0.73" in below.message and "always answering '0' (non-toxic)" in below.message
    assert "(0.78)" in below.message
    assert auc.title == "Barely better than chance"
    assert "0.44, under 0.6" in auc.message and "coin flip" in auc.message


def test_good_run_has_no_warning_and_a_comparison_line():
    assert check_run(GOOD_RUN) == []
    line = baseline_comparison(GOOD_RUN)
    assert line.startswith("Accuracy 0.910 against 0.780 for always answering '0'")
    assert "ROC AUC 0.930" in line


def test_labels_are_named_as_registered_with_the_dataset():
    """A run stores its dataset's label meanings; warnings and the comparison use them."""
    named = {**FLAT_RUN, "label_names": {"0": "not toxic", "1": "toxic"}}
    below = check_run(named)[0]
    assert "always answering '0' (not toxic)" in below.message
    good = {**GOOD_RUN, "label_names": {"0": "not toxic"}}
    assert "always answering '0' (not toxic) (majority-class" in baseline_comparison(good)


def test_a_run_summary_carries_its_datasets_label_names(store, settings):
    from backend.datasets import ensure_demo_workspace
    from backend.training.runner import _label_names

    ensure_demo_workspace(store, settings)
    demo = store.list_datasets()[0]
    assert _label_names(store, demo.id) == {"1": "toxic", "0": "not toxic"}
    assert _label_names(store, None) == {}


def test_tie_with_the_baseline_does_not_beat_it_and_tiny_eval_sets_are_not_judged():
    tie = {**GOOD_RUN, "eval": {"accuracy": 0.78, "roc_auc": 0.9}}
    assert [w.code for w in check_run(tie)] == [BELOW_MAJORITY]
    tiny = {**FLAT_RUN, "majority_baseline": {"label": "0", "accuracy": 0.78, "rows": 5}}
    assert check_run(tiny) == []
    assert check_run({"task": "causal_lm", "eval": {"loss": 3.0, "perplexity": 20}}) == []
    assert check_run({"task": "classification"}) == []


def test_old_runs_are_checked_from_their_predictions_file(tmp_path):
    path = tmp_path / "predictions.csv"
    pd.DataFrame({"y_true": [0] * 80 + [1] * 20, "y_pred": [0] * 100}).to_csv(path, index=False)
    old = {"task": "classification", "eval": {"accuracy": 0.8}, "predictions_path": str(path)}
    base = baseline_of(old)
    assert (base.label, base.accuracy, base.rows) == ("0", 0.8, 100)
    assert [w.code for w in check_run(old)] == [BELOW_MAJORITY]
    gone = {**old, "predictions_path": str(tmp_path / "missing.csv")}
    assert baseline_of(gone) is None and check_run(gone) == []


def _finished_job(store, name: str, result: dict) -> int:
    job = store.create_job(kind="train", name=name, runner="process")
    store.update_job(
        job.id,
        status="succeeded",
        progress=1.0,
        started_at=utcnow(),
        finished_at=utcnow(),
        result={"steps": 19, "status": "succeeded", **result},
    )
    return job.id


def test_run_page_warns_about_a_flat_run_and_compares_a_good_one(app_test, store):
    flat = _finished_job(store, "flat LoRA", FLAT_RUN)
    good = _finished_job(store, "good LoRA", GOOD_RUN)
    at = app_test(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    # side by side, the flat run carries its warnings too
    assert any("Does not beat guessing" in w.value for w in at.warning)
    at.multiselect(key="ft_compare").set_value([]).run()
    # the newest (good) run is shown alone: no warning, the comparison with the baseline
    assert not any("Does not beat guessing" in w.value for w in at.warning)
    assert any("against 0.780 for always answering '0'" in c.value for c in at.caption)
    at.selectbox(key="ft_run_select").set_value(flat).run()
    assert not at.exception
    texts = [w.value for w in at.warning]
    assert any("**Does not beat guessing**" in t and "accuracy 0.73" in t for t in texts)
    assert any("**Barely better than chance**" in t for t in texts)
    assert good != flat


def test_model_card_caveats_carry_the_warnings(store):
    from backend.cards.autofill import build_card

    art = store.save_artifact(kind="run", name="flat LoRA", content=dict(FLAT_RUN))
    doc = build_card(store, "model", run=art)
    caveats = doc.get_field("caveats_and_recommendations", "caveats")
    assert "**Does not beat guessing**" in caveats.value
    assert "**Barely better than chance**" in caveats.value
    assert caveats.source is not None and caveats.source.id == art.id
    results = doc.get_field("quantitative_analyses", "results").value
    assert "against 0.780 for always answering '0'" in results

    good = store.save_artifact(kind="run", name="good LoRA", content=dict(GOOD_RUN))
    doc = build_card(store, "model", run=good)
    assert not doc.get_field("caveats_and_recommendations", "caveats").value
