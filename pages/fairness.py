"""Fairness: per-group metrics with intervals, bias AUCs, identity probes, mitigation."""

import streamlit as st

from backend.errors import StewardError
from backend.fairness.report import EvaluationReport
from components import state
from components.app_shell import ensure_app_shell
from components.fairness_source import evaluation_form
from components.fairness_views import (
    render_bias_tab,
    render_findings,
    render_groups_tab,
    render_intersections_tab,
    render_mitigation_tab,
    render_probes_tab,
)
from components.formatting import format_time

ensure_app_shell()  # deep link on a fresh server: serve it through app.py

st.title("Fairness")
st.caption(
    "How the classifier behaves for each group: per-group metrics with 95 % bootstrap "
    "intervals, disparities, bias AUCs for identity subgroups, identity-term probes and "
    "mitigation. All numbers are measured on the rows of the chosen evaluation."
)

store = state.store()
evaluations = store.list_artifacts("evaluation", limit=100)

with st.expander("New evaluation", expanded=not evaluations, icon=":material/add_chart:"):
    new_id = evaluation_form()
if new_id is not None:
    # Rerun once so the sidebar shows the new alerts and the selector the new evaluation.
    st.session_state["fair_eval"] = new_id
    st.rerun()
if flash := st.session_state.pop("fair_flash", None):
    st.success(flash, icon=":material/check_circle:")

if evaluations:
    ids = [a.id for a in evaluations]
    numbers = store.record_numbers("evaluation")
    names = {
        a.id: f"{store.display_name(a, numbers=numbers)} · {format_time(a.created_at)}"
        for a in evaluations
    }
    if st.session_state.get("fair_eval") not in ids:
        st.session_state["fair_eval"] = ids[0]
    chosen = st.selectbox("Evaluation", ids, format_func=names.get, key="fair_eval")
    artifact = next(a for a in evaluations if a.id == chosen)
    try:  # parsed once here; the sections below read its attributes
        report = EvaluationReport.load_current(artifact.content, name=store.display_name(artifact))
    except StewardError as exc:
        st.warning(str(exc))
        artifact = report = None
    else:
        st.subheader("Findings")
        render_findings(report)
else:
    artifact = report = None
    st.info(
        "No evaluation yet. Pick a source under **New evaluation** above: the demo baseline "
        "takes a few seconds and needs no fine-tune run."
    )

tabs = state.tabs(
    ["Per-group metrics", "Intersections", "Bias AUCs & ROC", "Identity-term probes", "Mitigation"],
    key="fair_tab",
)
if report is None:
    for tab in (tabs[0], tabs[1], tabs[2], tabs[4]):
        tab.caption("Evaluate something first (see New evaluation above).")
else:
    with tabs[0]:
        render_groups_tab(report)
    with tabs[1]:
        render_intersections_tab(report)
    with tabs[2]:
        render_bias_tab(report)
    with tabs[4]:
        render_mitigation_tab(artifact, report)
with tabs[3]:
    render_probes_tab()
