"""Fine-tune monitor: start a run, watch loss, power, energy, CO₂ and ε live, compare runs."""

from __future__ import annotations

import streamlit as st

from backend.errors import StewardError
from backend.training.launch import cancel_grace_s, reconcile_external_runs
from components import state
from components.app_shell import ensure_app_shell
from components.privacy_views import privacy_comparison, privacy_section
from components.training_form import hardware_notice, run_form
from components.training_views import comparison, run_details, runs_table

ensure_app_shell()  # deep link on a fresh server: serve it through app.py

store = state.store()
manager = state.job_manager()

st.title("Fine-tune monitor")
st.caption(
    "Fine-tune a model in a supervised worker process (a crash never takes the dashboard "
    "down) and watch its loss, throughput, power, energy, CO₂ and privacy budget as it runs."
)
hardware_notice()
reconcile_external_runs(store)  # users' scripts killed without finishing their run

runs = store.list_jobs(kind="train", limit=200)
with st.expander("Start a fine-tune", expanded=not runs, icon=":material/play_arrow:"):
    started = run_form(store, manager, state.settings())
    if started is not None:
        st.session_state["ft_run_select"] = started
        st.rerun()
if "ft_started_notes" in st.session_state:
    st.success(st.session_state.pop("ft_started_notes"))

if not runs:
    st.info(
        "No fine-tune runs yet. Start one above, run `python -m backend train --config "
        "configs/quick.yaml`, or add `StewardCallback(run_name=...)` to your own Trainer."
    )
    st.stop()

active = any(j.is_active for j in runs)


@st.fragment(run_every=2.0 if active else None)
def live_section() -> None:
    jobs = store.list_jobs(kind="train", limit=200)
    st.subheader("Runs")
    runs_table(store, jobs)
    running = [j for j in jobs if j.is_active]
    for job in running:
        left, right = st.columns([5, 1], vertical_alignment="center")
        left.progress(job.progress, text=f"{store.display_name(job)} · {job.message or job.status}")
        if right.button("Cancel", key=f"cancel-{job.id}", icon=":material/stop_circle:"):
            try:
                manager.cancel(job.id, grace_s=cancel_grace_s(job))
            except StewardError as exc:
                st.error(str(exc))
            st.rerun(scope="fragment")

    ids = [j.id for j in jobs]
    by_id = {j.id: j for j in jobs}
    numbers = store.record_numbers("run")
    # The widget's state is the selection; default to the running (or newest) run.
    if st.session_state.get("ft_run_select") not in by_id:
        st.session_state["ft_run_select"] = running[0].id if running else ids[0]
    st.subheader("Run details")
    chosen = st.selectbox(
        "Run",
        ids,
        format_func=lambda i: (
            f"{store.display_name(by_id[i], numbers=numbers)} ({by_id[i].status})"
        ),
        key="ft_run_select",
    )
    run_details(store, by_id[chosen])
    privacy_section(store, by_id[chosen])
    if active and not running:
        st.rerun()  # the last run just ended: a full rerun stops the polling


live_section()

st.subheader("Compare two runs")
run_numbers = store.record_numbers("run")
names = {j.id: store.display_name(j, numbers=run_numbers) for j in runs}
pick = st.multiselect(
    "Runs to compare",
    list(names),
    default=list(names)[:2] if len(names) >= 2 else [],
    max_selections=2,
    format_func=names.get,
    key="ft_compare",
)
if len(pick) == 2:
    compared = [store.get_job(i) for i in pick]
    comparison(store, compared)
    privacy_comparison(store, compared)
else:
    st.caption("Choose two runs to see them side by side.")
