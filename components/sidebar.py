"""The sidebar shown on every page: running jobs and open alerts."""

from __future__ import annotations

import streamlit as st

from components import state
from components.formatting import status_badge


def render_sidebar() -> None:
    with st.sidebar:
        _activity()


@st.fragment(run_every=3)
def _activity() -> None:
    store = state.store()
    running = store.list_jobs(statuses=("queued", "running"), limit=10)
    st.markdown("**Running jobs**")
    if not running:
        st.caption("Nothing running.")
    for job in running:
        st.progress(job.progress, text=f"#{job.id} {job.name} · {job.message or job.status}")
    alerts = store.list_alerts(open_only=True, limit=5)
    st.markdown("**Open alerts**")
    if not alerts:
        st.caption("No open alerts.")
    for alert in alerts:
        st.markdown(f"{status_badge(alert.severity)} {alert.message}")
    st.caption(f"Workspace: `{state.settings().home}`")
