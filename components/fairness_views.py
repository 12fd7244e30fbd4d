"""Sections of the Fairness page. Each reads stored results and renders them; the work
itself runs in the backend (inline when it takes a second or two, as a job otherwise)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from backend.errors import StewardError
from backend.fairness import frames
from backend.fairness.metrics import METRIC_LABELS, METRIC_SHORT, METRICS
from backend.fairness.report import EvaluationReport, MitigationReport, ProbeReport
from backend.numbers import format_number
from components import fairness_charts as charts
from components import state
from components.formatting import format_time, show_table

POLL_SECONDS = 2


# -- findings -------------------------------------------------------------------------------


def render_findings(report: EvaluationReport) -> None:
    source, settings = report.source, report.settings
    st.caption(
        f"**Source:** {source.description or source.kind} · "
        f"{report.n_rows:,} rows measured · intervals: 95 % bootstrap "
        f"({settings.n_boot:,} resamples, seed {settings.seed})."
    )
    for sentence in report.gaps_above_threshold():
        st.warning(sentence, icon=":material/warning:")
    st.markdown("\n".join(f"- {s}" for s in report.findings))
    if report.warnings:
        with st.expander(f"{len(report.warnings)} note(s) about the data"):
            st.markdown("\n".join(f"- {w}" for w in report.warnings))
    overall = report.overall
    metrics = _measured(report)
    cols = st.columns(len(metrics) + 1)
    for col, m in zip(cols, metrics, strict=False):
        col.metric(
            METRIC_SHORT[m], f"{overall[m]:.3f}", help=f"Overall {METRIC_LABELS[m]}, measured"
        )
    overview = frames.disparity_overview_frame(report)
    if not overview.empty:
        st.plotly_chart(
            charts.disparity_overview(overview, threshold=settings.disparity_threshold),
            width="stretch",
            key="fair_overview",
        )
    if report.final_bias_score is not None:
        cols[-1].metric(
            "Final bias score",
            f"{report.final_bias_score:.3f}",
            help="Borkan et al.: 0.25 × overall AUC + 0.75 × mean of the generalized means "
            "(p = −5) of subgroup, BPSN and BNSP AUCs. 1.0 = no measured bias.",
        )


# -- per group ------------------------------------------------------------------------------


def _measured(report: EvaluationReport) -> list[str]:
    """The metrics the report has an overall value for, in the page's order."""
    return [m for m in METRICS if report.overall.get(m) is not None]


def render_groups_tab(report: EvaluationReport) -> None:
    columns = list(report.by_group)
    if not columns:
        st.info("No sensitive column could be measured.")
        return
    c1, c2 = st.columns([1, 3])
    worst_gap = report.disparities.get("equalized_odds")
    worst = worst_gap.column if worst_gap is not None else None
    column = c1.selectbox(
        "Sensitive column",
        columns,
        index=columns.index(worst) if worst in columns else 0,
        key="fair_grp_col",
        help="Starts on the column with the largest equalized-odds gap.",
    )
    available = _measured(report)
    default = [m for m in ("fpr", "fnr", "selection_rate", "accuracy") if m in available]
    chosen = c2.multiselect(
        "Metrics",
        available,
        default=default or available,
        key="fair_grp_metrics",
        format_func=lambda m: METRIC_SHORT[m],
    )
    data = frames.by_group_frame(report, column)
    if chosen:
        st.plotly_chart(
            charts.group_bars(data, metrics=chosen, title=f"Metrics per {column} group"),
            width="stretch",
            key="fair_grp_chart",
        )
    st.caption(
        f"Whiskers: 95 % bootstrap intervals (Wilson score intervals where a rate is exactly 0 or "
        f"1, where the bootstrap collapses). Translucent bars: groups under "
        f"{report.settings.min_group_size} rows (too small to compare reliably)."
    )
    show_table(frames.group_table(report, column), hide_index=True, width="stretch")
    disp = frames.disparity_table(report, column)
    if not disp.empty:
        st.markdown(f"**Disparities across {column}** (groups with enough rows)")
        show_table(
            disp,
            hide_index=True,
            width="stretch",
            column_config={
                "difference (max - min)": st.column_config.NumberColumn(format="%.3f"),
                "ratio (min / max)": st.column_config.NumberColumn(format="%.3f"),
            },
        )


def render_intersections_tab(report: EvaluationReport) -> None:
    inter = report.intersections
    if not inter:
        st.info("Intersections need at least two sensitive columns.")
        return
    c1, c2 = st.columns(2)
    key = c1.selectbox("Intersection", list(inter), key="fair_int_key")
    available = _measured(report)
    metric = c2.selectbox(
        "Metric",
        available,
        index=available.index("fpr") if "fpr" in available else 0,
        key="fair_int_metric",
        format_func=lambda m: METRIC_SHORT[m],
    )
    a, b = inter[key].columns
    data = frames.intersection_frame(report, key, metric)
    st.plotly_chart(
        charts.intersection_heatmap(data, a=a, b=b, metric=metric),
        width="stretch",
        key="fair_int_chart",
    )
    small = inter[key].n_groups_small
    if small:
        st.caption(
            f"{small} of {len(data)} cells have fewer than "
            f"{report.settings.min_group_size} rows: read their values as rough."
        )


def render_bias_tab(report: EvaluationReport) -> None:
    data = frames.bias_auc_frame(report)
    if data.empty:
        st.info(
            "Bias AUCs need a score column (a probability or confidence) and binary labels. "
            "Evaluate with a score to see subgroup, BPSN and BNSP AUCs and ROC curves."
        )
        return
    summary = report.bias_auc_summary
    means = summary.generalized_means if summary is not None else {}
    cols = st.columns(5)
    cols[0].metric("Final bias score", _fmt(report.final_bias_score))
    cols[1].metric("Overall AUC", _fmt(summary.overall_auc if summary is not None else None))
    cols[2].metric("Subgroup AUC (M₋₅)", _fmt(means.get("subgroup_auc")))
    cols[3].metric("BPSN AUC (M₋₅)", _fmt(means.get("bpsn_auc")))
    cols[4].metric("BNSP AUC (M₋₅)", _fmt(means.get("bnsp_auc")))
    st.caption(
        "Subgroup AUC: separation within the subgroup. BPSN (background positive, subgroup "
        "negative): low means non-toxic rows of the subgroup score like toxic ones elsewhere "
        "(false positives). BNSP: low means toxic rows of the subgroup are missed. "
        "M₋₅ is the generalized mean with p = −5 over subgroups with enough rows."
    )
    st.plotly_chart(charts.bias_auc_table(data), width="stretch", key="fair_auc_table")
    names = [n for n in report.roc if n != "overall"]
    worst = [s for s in data["subgroup"] if s in names][:4]
    chosen = st.multiselect("ROC curves for", names, default=worst, key="fair_roc_pick")
    st.plotly_chart(
        charts.roc_chart(frames.roc_frame(report, ["overall", *chosen])),
        width="stretch",
        key="fair_roc_chart",
    )


def _fmt(x) -> str:
    return format_number(x, ".3f", missing="n/a")


def _fmt2(x) -> str:
    return format_number(x, ".2f", missing="n/a")


# -- jobs -----------------------------------------------------------------------------------


def _result_name(job) -> str:
    """The saved result's display name (what a card cites), or the job's for old results."""
    store = state.store()
    art_id = (job.result or {}).get("artifact_id")
    art = store.get_artifact(art_id) if art_id else None
    return store.display_name(art if art is not None else job)


def _job_progress(job_id: int) -> None:
    """Progress of one job; polls only while it runs, then refreshes the page once."""
    job = state.store().get_job(job_id)
    if job is None:
        return
    if job.is_active:
        st.progress(
            job.progress,
            text=f"{state.store().display_name(job)}: {job.message or job.status}",
        )
        if st.button("Cancel", key=f"fair_cancel_{job.id}"):
            state.job_manager().cancel(job.id)
    elif st.session_state.get(f"fair_polling_{job_id}"):
        st.session_state.pop(f"fair_polling_{job_id}")
        st.rerun()


def show_job(job) -> None:
    if job.is_active:
        st.session_state[f"fair_polling_{job.id}"] = True
        st.fragment(_job_progress, run_every=POLL_SECONDS)(job.id)
    elif job.status == "failed":
        st.error(f"Job #{job.id} failed: {job.error or job.message}")
    elif job.status in ("cancelled", "interrupted"):
        st.warning(f"Job #{job.id} was {job.status}.")


# -- probes ---------------------------------------------------------------------------------


def render_probes_tab() -> None:
    from backend.fairness.scorer_choices import available_scorers
    from backend.fairness.tasks import latest_results, store_upload, submit_probes

    settings, store = state.settings(), state.store()
    st.markdown(
        "Template sentences that differ only in the identity term. A fair scorer gives "
        "them the same score; the chart shows how far each term moves it."
    )
    choices = available_scorers(settings, store)
    c1, c2 = st.columns(2)
    choice = c1.selectbox(
        "Scorer",
        choices,
        format_func=lambda c: c.label,
        key="fair_probe_scorer",
        help="Saved mitigated models appear here after a mitigation run.",
    )
    c1.caption(choice.detail)
    templates = c2.radio(
        "Templates",
        ["Steward's own (20 templates × 27 terms)", "Upload a template file"],
        key="fair_probe_tpl",
    )
    path = None
    if templates.startswith("Upload"):
        up = c2.file_uploader(
            "CSV with template + label (toxic/nontoxic) using {identity}, or sentences with "
            "phrase/text + toxicity",
            type=["csv", "jsonl", "parquet"],
            key="fair_probe_up",
        )
        if up is not None:
            path = str(store_upload(settings, up.name, up.getvalue()))
    threshold = st.slider(
        "Flag threshold",
        0.05,
        0.95,
        float(settings.toxicity_threshold),
        0.05,
        key="fair_probe_thr",
    )
    running = [j for j in latest_results(store, "probes") if j.is_active]
    disabled = bool(running) or (templates.startswith("Upload") and path is None)
    if st.button("Run probes", type="primary", disabled=disabled, key="fair_probe_go"):
        submit_probes(
            state.job_manager(),
            settings=settings,
            scorer_key=choice.key,
            scorer_label=choice.label,
            templates_path=path,
            threshold=threshold,
        )
        st.rerun()
    jobs = latest_results(store, "probes")
    if not jobs:
        st.info("No probe run yet: pick a scorer and run the probes (a few seconds).")
        return
    latest = jobs[0]
    show_job(latest)
    done = next((j for j in jobs if j.status == "succeeded" and j.result), None)
    if done is None:
        return
    try:
        result = ProbeReport.load(done.result, name=_result_name(done))
    except StewardError as exc:
        st.error(str(exc))
        return
    st.markdown(
        f"**{_result_name(done)}** ({format_time(done.finished_at)}) · scorer: "
        f"**{result.scorer}** · {result.templates} · threshold {_fmt2(result.threshold)}"
    )
    st.markdown("\n".join(f"- {s}" for s in result.findings))
    for w in result.warnings:
        st.caption(w)
    data = frames.probe_frame(result)
    which = st.radio(
        "Show gaps on",
        ["nontoxic", "toxic"],
        horizontal=True,
        key="fair_probe_which",
        format_func=lambda x: "non-toxic sentences" if x == "nontoxic" else "toxic sentences",
    )
    st.plotly_chart(
        charts.probe_gap_chart(data, label=which), width="stretch", key="fair_probe_chart"
    )
    if result.examples:
        st.markdown("**Highest-scoring non-toxic probes**")
        show_table(pd.DataFrame(result.examples), hide_index=True, width="stretch")


# -- mitigation -----------------------------------------------------------------------------


def render_mitigation_tab(artifact, report: EvaluationReport) -> None:
    from backend.fairness.mitigation import (
        CONSTRAINT_LABELS,
        CONSTRAINTS,
        DEFAULT_EPS_GRID,
        default_constraint,
    )
    from backend.fairness.tasks import latest_results, submit_mitigation

    settings, store = state.settings(), state.store()
    if not report.binary:
        st.info("Mitigation needs binary labels.")
        return
    st.markdown(
        "Fit mitigators on half of this evaluation's rows and measure before/after on the "
        "other half. **ThresholdOptimizer** post-processes the model's own scores per group; "
        "**ExponentiatedGradient** trains a new classifier (logistic regressions on text "
        "features) under the constraint, for a sweep of tolerances."
    )
    with st.form("fair_mit_form"):
        c1, c2, c3, c4 = st.columns(4)
        # by_group also holds the column derived from identity terms when there was none.
        sensitive = list(report.by_group) or list(report.columns.sensitive)
        # Start with the column and constraint of the largest flagged disparity.
        worst_column, worst_constraint = default_constraint(report)
        default = sensitive.index(worst_column) if worst_column in sensitive else 0
        column = c1.selectbox("Sensitive column", sensitive, index=default)
        constraint = c2.selectbox(
            "Constraint",
            CONSTRAINTS,
            index=CONSTRAINTS.index(worst_constraint),
            format_func=lambda c: CONSTRAINT_LABELS[c],
            help="Preselected to target the evaluation's largest flagged gap.",
        )
        features = c3.selectbox(
            "Text features",
            ["tfidf", "minilm"],
            format_func=lambda f: {
                "tfidf": "TF-IDF (fast)",
                "minilm": "MiniLM embeddings (slower)",
            }[f],
            disabled=not report.columns.text,
        )
        eps = c4.select_slider(
            "EG tolerance (eps) to keep", options=list(DEFAULT_EPS_GRID), value=0.02
        )
        save_model = st.checkbox(
            "Save the ExponentiatedGradient model as a scorer for probes", value=True
        )
        active = [j for j in latest_results(store, "mitigation") if j.is_active]
        go = st.form_submit_button("Run mitigation", type="primary", disabled=bool(active))
    if go:
        submit_mitigation(
            state.job_manager(),
            settings=settings,
            store=store,
            evaluation_id=artifact.id,
            column=column,
            constraint=constraint,
            features=features,
            eps=eps,
            save_model=save_model,
        )
        st.rerun()
    jobs = latest_results(store, "mitigation", evaluation_id=artifact.id)
    if jobs:
        show_job(jobs[0])
        done = next((j for j in jobs if j.status == "succeeded" and j.result), None)
        if done is not None:
            _render_mitigation_result(done)
    else:
        st.info(
            "No mitigation run for this evaluation yet (TF-IDF features: 15–50 s on 2 shared "
            "cores; MiniLM embeddings take longer)."
        )
    st.divider()
    render_reweighting()


def _render_mitigation_result(job) -> None:
    from backend.fairness.mitigation import CONSTRAINT_LABELS, mitigation_verdicts

    try:
        rep = MitigationReport.load(job.result, name=_result_name(job))
    except StewardError as exc:
        st.error(str(exc))
        return
    st.markdown(
        f"**{_result_name(job)}** · {CONSTRAINT_LABELS.get(rep.constraint, rep.constraint)} on "
        f"**{rep.column}** · "
        f"features: {rep.features} · fitted on {rep.n_fit or 0:,} rows, measured on "
        f"{rep.n_holdout or 0:,} held-out rows."
    )
    for w in rep.warnings:
        st.caption(w)
    verdicts = rep.verdicts or mitigation_verdicts(rep)
    worse = [v for v in verdicts if " worse." in v]
    if worse:
        st.warning(
            "**This mitigation made a gap worse** on the held-out rows:\n"
            + "\n".join(f"- {v}" for v in worse),
            icon=":material/trending_up:",
        )
    rest = [v for v in verdicts if v not in worse]
    if rest:
        st.markdown("\n".join(f"- {v}" for v in rest))
    show_table(
        frames.variants_frame(rep),
        hide_index=True,
        width="stretch",
        column_config={
            c: st.column_config.NumberColumn(format="%.3f")
            for c in (
                "accuracy",
                "demographic-parity difference",
                "equalized-odds difference",
                "false-negative-rate difference",
            )
        },
    )
    label = {
        "demographic_parity": "demographic-parity difference",
        "true_positive_rate_parity": "false-negative-rate difference",
    }.get(rep.constraint, "equalized-odds difference")
    st.plotly_chart(
        charts.pareto_chart(frames.pareto_frame(rep), disparity_label=label),
        width="stretch",
        key="fair_pareto",
    )
    metric = st.selectbox(
        "Per-group metric",
        list(METRICS),
        index=METRICS.index("selection_rate"),
        format_func=lambda m: METRIC_SHORT[m],
        key="fair_mit_metric",
    )
    st.plotly_chart(
        charts.before_after_bars(frames.variant_groups_frame(rep, metric), metric=metric),
        width="stretch",
        key="fair_before_after",
    )
    if rep.model_key:
        st.success(
            f"Saved as a scorer: **{rep.model_name}**. Pick it in the Identity-term probes tab."
        )
    elif rep.model_saveable is False:
        st.caption("No text column: the ExponentiatedGradient model cannot score new text.")


def render_reweighting() -> None:
    from backend.column_roles import ColumnRoles
    from backend.fairness.mitigation import group_weights, save_reweighting

    store = state.store()
    st.markdown("#### Group reweighting for the fine-tune")
    st.caption(
        "Weights that give every group the same total weight during training "
        "(w = N / (groups × n), kept within [0.1, 10], mean 1). Saved as an artifact the "
        "fine-tune option `reweighting: {mode: artifact, artifact_id: N}` reads."
    )
    datasets = store.list_datasets()
    if not datasets:
        st.info("Register a dataset on the Home page first.")
        return
    c1, c2 = st.columns(2)
    ds = c1.selectbox(
        "Training dataset", datasets, format_func=lambda d: f"#{d.id} {d.name}", key="fair_rw_ds"
    )
    roles = ColumnRoles.from_dict(ds.roles)
    cols = roles.sensitive or list(ds.columns)
    column = c2.selectbox("Column", cols, key="fair_rw_col")
    try:
        frame = _dataset_frame(ds.id, ds.location)
    except StewardError as exc:
        st.error(str(exc))
        return
    if "split" in frame.columns and (frame["split"] == "train").any():
        frame = frame[frame["split"] == "train"]
        where = "train split"
    else:
        where = "all rows"
    try:
        weights = group_weights(frame[column])
    except StewardError as exc:
        st.error(str(exc))
        return
    counts = frame[column].fillna("(missing)").astype(str).value_counts()
    table = pd.DataFrame(
        {"group": counts.index, "rows": counts.values, "weight": [weights[g] for g in counts.index]}
    )
    show_table(table, hide_index=True, width="stretch")
    if st.button("Save these weights for the fine-tune", key="fair_rw_save"):
        art = save_reweighting(
            store,
            column=column,
            weights=weights,
            source=f"dataset #{ds.id} {ds.name}, {where}",
            dataset_id=ds.id,
        )
        st.success(
            f"Saved reweighting #{art.id}. In the fine-tune config: "
            f"`reweighting: {{mode: artifact, artifact_id: {art.id}}}`"
        )


@st.cache_data(show_spinner="Reading the dataset…", max_entries=4)
def _dataset_frame(dataset_id: int, location: str) -> pd.DataFrame:
    from backend.datasets import load_dataset_frame

    ds = state.store().get_dataset(dataset_id)
    return load_dataset_frame(ds)
