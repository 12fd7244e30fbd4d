"""The "new evaluation" form of the Fairness page: pick a source, map columns, evaluate."""

from __future__ import annotations

import streamlit as st

from backend.errors import StewardError
from components import state

SOURCES = ("Demo baseline", "Fine-tune run", "Upload a file", "File on disk")


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
    """Draw the form; on submit evaluate, save, alert. Returns the new artifact id."""
    from backend.fairness.evaluation import (
        alert_threshold,
        demo_request,
        evaluate,
        list_run_sources,
        run_request,
        save_evaluation,
    )

    settings, store = state.settings(), state.store()
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

    disabled = kind in ("Upload a file", "File on disk") and req is None
    if kind == "Fine-tune run" and not [r for r in list_run_sources(store) if r.available]:
        disabled = True
    if not st.button("Evaluate", type="primary", disabled=disabled, key="fair_go"):
        return None
    try:
        with st.spinner(
            "Training the baseline and measuring…" if kind == "Demo baseline" else "Measuring…"
        ):
            options = {
                "min_group_size": int(min_size),
                "n_boot": int(n_boot),
            }
            if kind == "Demo baseline":
                req = demo_request(settings, **options)
            elif kind == "Fine-tune run":
                req = run_request(store, st.session_state["fair_run"].job_id, **options)
            else:
                for k, v in options.items():
                    setattr(req, k, v)
            report = evaluate(req)
            artifact, alerts = save_evaluation(
                store, report, job_id=req.job_id, dataset_id=req.dataset_id
            )
    except StewardError as exc:
        st.error(str(exc))
        return None
    st.session_state["fair_flash"] = f"Saved {store.display_name(artifact)}" + (
        f"; {len(alerts)} new disparity alert(s)." if alerts else "."
    )
    return artifact.id
