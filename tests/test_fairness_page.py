"""The Fairness page under AppTest: empty state, demo evaluation, saved evaluations."""

from __future__ import annotations

import time

from backend.datasets import ensure_demo_workspace
from backend.fairness.evaluation import demo_request, evaluate, save_evaluation


def _texts(at) -> str:
    return "\n".join(m.value for m in at.markdown) + "\n".join(c.value for c in at.caption)


def _finish_evaluation(at, store):
    """The Evaluate button started a background job: wait for it, then let the page pick
    its result up."""
    jobs = [j for j in store.list_jobs(kind="fairness") if j.params.get("task") == "evaluation"]
    assert jobs, "Evaluate started no evaluation job"
    deadline = time.time() + 120
    while store.get_job(jobs[0].id).is_active and time.time() < deadline:
        time.sleep(0.2)
    job = store.get_job(jobs[0].id)
    assert job.status == "succeeded", job.error
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return job


def test_empty_state_then_demo_evaluation(app_test, store, settings):
    ensure_demo_workspace(store, settings)
    at = app_test("pages/fairness.py").run()
    assert not at.exception
    assert any("No evaluation yet" in i.value for i in at.info)
    evaluate_button = next(b for b in at.button if b.label == "Evaluate")
    evaluate_button.click().run()
    assert not at.exception, [e.value for e in at.exception]
    job = _finish_evaluation(at, store)  # a background job, not work inside the form
    assert job.params["source"] == "demo" and job.progress == 1.0
    assert any(s.value.startswith("Saved Evaluation #1") for s in at.success)
    arts = store.list_artifacts("evaluation")
    assert len(arts) == 1 and arts[0].content["source"]["kind"] == "demo"
    text = _texts(at)
    assert "FNR for ethnicity = black" in text
    assert "Baseline classifier trained by Steward on the synthetic demo data" in text
    # The disparity above the threshold raised a stored alert, shown on the page too.
    assert store.list_alerts() and at.warning
    assert len(at.get("plotly_chart")) >= 2  # group bars + at least one more tab chart


def test_saved_evaluation_renders_all_tabs(app_test, store, settings):
    report = evaluate(demo_request(settings, n_boot=200))
    art, _ = save_evaluation(store, report)
    at = app_test("pages/fairness.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="fair_eval").value == art.id
    assert at.get("plotly_chart")
    # Switch the per-group tab to another column and the intersection metric.
    at.selectbox(key="fair_grp_col").select("religion").run()
    at.selectbox(key="fair_int_metric").select("selection_rate").run()
    assert not at.exception


def test_probe_job_from_page(app_test, store, settings):
    at = app_test("pages/fairness.py").run()
    at.selectbox(key="fair_probe_scorer").select_index(1).run()  # demo baseline
    next(b for b in at.button if b.label == "Run probes").click().run()
    assert not at.exception, [e.value for e in at.exception]
    jobs = store.list_jobs(kind="fairness")
    assert jobs and jobs[0].params["task"] == "probes"
    deadline = time.time() + 60
    while store.get_job(jobs[0].id).is_active and time.time() < deadline:
        time.sleep(0.2)
    assert store.get_job(jobs[0].id).status == "succeeded", store.get_job(jobs[0].id).error
    at.run()
    assert not at.exception
    assert "trained by Steward" in _texts(at)


def test_file_on_disk_flow(app_test, store, tmp_path):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    n = 300
    g = rng.choice(["a", "b"], n)
    y = rng.integers(0, 2, n)
    p = np.where((g == "b") & (rng.random(n) < 0.3), 1, y)
    path = tmp_path / "preds.csv"
    pd.DataFrame({"label": y, "prediction": p, "group": g}).to_csv(path, index=False)
    at = app_test("pages/fairness.py").run()
    at.radio(key="fair_src").set_value("File on disk").run()
    at.text_input(key="fair_path").input(str(path)).run()
    assert at.selectbox(key="fair_disk_yt").value == "label"
    assert at.selectbox(key="fair_disk_yp").value == "prediction"
    at.multiselect(key="fair_disk_sens").set_value(["group"]).run()
    next(b for b in at.button if b.label == "Evaluate").click().run()
    assert not at.exception, [e.value for e in at.exception]
    job = _finish_evaluation(at, store)
    assert job.params["path"] == str(path) and job.params["columns"]["sensitive"] == ["group"]
    art = store.list_artifacts("evaluation")[0]
    assert art.content["source"]["path"] == str(path)
    assert "FPR for group = b" in _texts(at)


def test_bad_path_is_a_clear_error(app_test, tmp_path):
    at = app_test("pages/fairness.py").run()
    at.radio(key="fair_src").set_value("File on disk").run()
    at.text_input(key="fair_path").input(str(tmp_path / "missing.csv")).run()
    assert not at.exception
    assert at.error and "missing.csv" in at.error[0].value


def test_mitigation_result_renders(app_test, store, settings):
    from backend.fairness.mitigation import MitigationRequest, run_mitigation

    req = demo_request(settings, n_boot=100)
    art, _ = save_evaluation(store, evaluate(req))
    out = run_mitigation(
        MitigationRequest(
            frame=req.frame.drop(columns=["text"]),
            y_true="y_true",
            y_pred="y_pred",
            y_score="y_score",
            column="ethnicity",
            eps=0.05,
            eps_grid=(0.05,),
            n_boot=50,
            source=req.source,
        ),
        settings=settings,
    )
    job = store.create_job(
        kind="fairness", name="mitigation", params={"task": "mitigation", "evaluation_id": art.id}
    )
    store.update_job(job.id, status="succeeded", result={**out.report, "evaluation_id": art.id})
    at = app_test("pages/fairness.py").run()
    assert not at.exception, [e.value for e in at.exception]
    titles = [c.proto.spec for c in at.get("plotly_chart")]
    assert any("Accuracy versus disparity" in t for t in titles)


def test_partial_reports_render(app_test, store):
    """Multiclass labels and a single-group column give partial results; the page copes."""
    import numpy as np
    import pandas as pd

    from backend.fairness.evaluation import EvaluationRequest

    rng = np.random.default_rng(1)
    n = 200
    frame = pd.DataFrame(
        {
            "y": rng.integers(0, 3, n),
            "p": rng.integers(0, 3, n),
            "g": rng.choice(["a", "b"], n),
            "one": "x",
        }
    )
    report = evaluate(
        EvaluationRequest(frame=frame, y_true="y", y_pred="p", sensitive=["g", "one"], n_boot=100)
    )
    save_evaluation(store, report)
    at = app_test("pages/fairness.py").run()
    assert not at.exception, [e.value for e in at.exception]
    infos = " ".join(i.value for i in at.info)
    assert "score column" in infos and "binary labels" in infos


def test_foreign_evaluation_artifact_is_explained(app_test, store):
    store.save_artifact(kind="evaluation", content={"something": "else"}, name="foreign")
    at = app_test("pages/fairness.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "not written by this version" in at.warning[0].value
