"""The "new evaluation" form of the Fairness page: pick a source, map columns, evaluate.

The evaluation runs as a background job (:func:`backend.fairness.tasks.submit_evaluation`)
with a progress bar; the form picks its saved result up when the job is done.
"""

from __future__ import annotations

import streamlit as st

from backend.errors import StewardError
from components import state

SOURCES = ("Demo baseline", "Fine-tune run", "Upload a file", "File on disk")
#: The evaluation job this session started (its result is selected when it finishes).
_PENDING = "fair_eval_job"
#: Seconds between two looks at a running evaluation. Measured on a loaded 2-core machine:
#: polling every 2 s starved the job's thread (the demo evaluation took over 6 minutes
#: instead of under 2), so the bar moves in coarser steps.
_POLL_SECONDS = 5.0


def _evaluation_progress(job_id: int) -> None:
    """The running evaluation's bar and Cancel; reruns the page once when it is done."""
    store = state.store()
    job = store.get_job(job_id)
    if job is None:
        return
    if job.is_active:
        st.progress(job.progress, text=f"{store.display_name(job)}: {job.message or job.status}")
        if st.button("Cancel", key=f"fair_eval_cancel_{job.id}"):
            state.job_manager().cancel(job.id)
    else:
        st.rerun()


def _show_evaluation_job(job) -> None:
    if job.is_active:
        st.fragment(_evaluation_progress, run_every=_POLL_SECONDS)(job.id)
    elif job.status == "failed":
        st.error(f"The evaluation failed: {job.error or job.message}")
    elif job.status in ("cancelled", "interrupted"):
        st.warning(f"The evaluation was {job.status}.")


def _pending_evaluation(store) -> tuple[int | None, bool]:
    """``(artifact id, running)``: the id of the evaluation this session's job saved (once,
    when it has just finished), and whether an evaluation job is still running."""
    from backend.fairness.tasks import latest_results

    running = [j for j in latest_results(store, "evaluation") if j.is_active]
    job_id = st.session_state.get(_PENDING)
    job = store.get_job(job_id) if job_id is not None else None
    if job is None:
        st.session_state.pop(_PENDING, None)
        for active in running[:1]:  # started by another tab or before a reload
            _show_evaluation_job(active)
        return None, bool(running)
    if job.is_active:
        _show_evaluation_job(job)
        return None, True
    st.session_state.pop(_PENDING, None)
    if job.status != "succeeded" or not job.result:
        _show_evaluation_job(job)  # failed, cancelled or interrupted: says so
        return None, bool(running)
    new = job.result.get("new_alerts") or 0
    st.session_state["fair_flash"] = f"Saved {job.result.get('name')}" + (
        f"; {new} new disparity alert(s)." if new else "."
    )
    return int(job.result["artifact_id"]), bool(running)


def _column_form(frame, *, key: str, source: dict):
    """Column pickers for a predictions table; returns an EvaluationRequest or None."""
    from backend.fairness.evaluation import EvaluationRequest, guess_columns

    cols = [str(c) for c in frame.columns]
    guess = guess_columns(frame)
    none = "(none)"

    def idx(options, value):
        return options.index(value) if value in options else 0

    c1, c2, c3, c4 = st.columns(4)
    y_true = c1.selectbox("True label", cols, index=idx(cols, guess["y_true"]), key=f"{key}_yt")
    y_pred = c2.selectbox("Prediction", cols, index=idx(cols, guess["y_pred"]), key=f"{key}_yp")
    opt = [none, *cols]
    y_score = c3.selectbox(
        "Score (optional)",
        opt,
        index=idx(opt, guess["y_score"]),
        key=f"{key}_ys",
        help="A probability or score; enables bias AUCs and ROC curves.",
    )
    text = c4.selectbox(
        "Text (optional)",
        opt,
        index=idx(opt, guess["text"]),
        key=f"{key}_tx",
        help="Identity terms found in the text become extra bias-AUC subgroups.",
    )
    sensitive = st.multiselect(
        "Sensitive columns",
        cols,
        default=[c for c in guess["sensitive"] if c in cols],
        key=f"{key}_sens",
        help="Optional when a text column is chosen: rows mentioning an identity term are "
        "then compared with the rest, and every term found becomes a bias-AUC subgroup.",
    )
    return EvaluationRequest(
        frame=frame,
        y_true=y_true,
        y_pred=y_pred,
        sensitive=sensitive,
        y_score=None if y_score == none else y_score,
        text_col=None if text == none else text,
        source=source,
    )


def evaluation_form() -> int | None:
    """Draw the form; on submit start the evaluation job and show its progress.

    Returns the id of the evaluation this session's job saved, once, when it is done.
    """
    from backend.fairness.evaluation import alert_threshold, list_run_sources
    from backend.fairness.tasks import submit_evaluation

    settings, store = state.settings(), state.store()
    finished, running = _pending_evaluation(store)
    if finished is not None:
        return finished
    kind = st.radio("Evaluation source", SOURCES, horizontal=True, key="fair_src")
    req = None
    try:
        if kind == "Demo baseline":
            st.caption(
                "A logistic regression on TF-IDF features trained by Steward on the synthetic "
                "demo data (train split) and scored on its test split: a real model, so the "
                "page works before any fine-tune has run. It is not your fine-tuned model."
            )
        elif kind == "Fine-tune run":
            runs = [r for r in list_run_sources(store) if r.available]
            if not runs:
                st.info(
                    "No finished fine-tune run has saved predictions yet. Start one on the "
                    "Fine-tune monitor page, or use the demo baseline or a file."
                )
            else:
                numbers = store.record_numbers("run")
                run = st.selectbox(
                    "Run",
                    runs,
                    format_func=lambda r: store.display_name(
                        store.get_job(r.job_id), numbers=numbers
                    ),
                    key="fair_run",
                )
                st.caption(
                    f"Predictions: `{run.predictions_path}` · sensitive columns: "
                    f"{', '.join(run.sensitive_columns) or 'none saved'}"
                )
        elif kind == "Upload a file":
            up = st.file_uploader(
                "Predictions (CSV, JSONL or Parquet) with a label, a prediction and sensitive "
                "columns",
                type=["csv", "jsonl", "json", "parquet"],
                key="fair_upload",
            )
            if up is not None:
                from backend.datasets import load_table
                from backend.fairness.tasks import store_upload

                data = up.getvalue()
                table = load_table(
                    data, name=up.name, strict=False, max_bytes=settings.max_upload_bytes
                )
                for w in table.warnings:
                    st.warning(w)
                path = store_upload(settings, up.name, data)
                req = _column_form(
                    table.frame,
                    key="fair_up",
                    source={
                        "kind": "file",
                        "title": up.name,
                        "description": f"Predictions uploaded as {up.name}.",
                        "path": str(path),
                    },
                )
        else:
            path = st.text_input("Path to a predictions file on this machine", key="fair_path")
            if path:
                from backend.datasets import load_table

                table = load_table(path.strip(), strict=False, max_bytes=settings.max_upload_bytes)
                req = _column_form(
                    table.frame,
                    key="fair_disk",
                    source={
                        "kind": "file",
                        "title": path.strip(),
                        "description": f"Predictions read from {path.strip()}.",
                        "path": path.strip(),
                    },
                )
    except StewardError as exc:
        st.error(str(exc))
        return None

    with st.expander("Options"):
        c1, c2, c3 = st.columns(3)
        c1.markdown(
            f"Gaps above **{alert_threshold():.2f}** are called out and raise an alert "
            "(`bias_disparity` in the alert thresholds file, see Alerts & incidents)."
        )
        min_size = c2.number_input(
            "Minimum group size",
            2,
            10_000,
            30,
            key="fair_min",
            help="Smaller groups are shown with their intervals but not compared.",
        )
        n_boot = c3.number_input("Bootstrap resamples", 100, 20_000, 1000, 100, key="fair_boot")

    disabled = running or (kind in ("Upload a file", "File on disk") and req is None)
    if kind == "Fine-tune run" and not [r for r in list_run_sources(store) if r.available]:
        disabled = True
    if not st.button("Evaluate", type="primary", disabled=disabled, key="fair_go"):
        return None
    source = {"Demo baseline": "demo", "Fine-tune run": "run"}.get(kind, "file")
    run_job_id = st.session_state["fair_run"].job_id if source == "run" else None
    if source == "demo":
        title = "demo baseline"
    elif source == "run":
        title = store.display_name(store.get_job(run_job_id))
    else:
        title = req.source.get("title") or "a table"
    try:
        st.session_state[_PENDING] = submit_evaluation(
            state.job_manager(),
            settings=settings,
            source=source,
            title=title,
            run_job_id=run_job_id,
            request=req if source == "file" else None,
            min_group_size=int(min_size),
            n_boot=int(n_boot),
        )
    except StewardError as exc:
        st.error(str(exc))
        return None
    st.rerun()
