"""The sidebar shown on every page: running jobs and open alerts.

It polls every 3 s only while a job is active; when the last job ends it triggers one
full rerun so that the page shows the results and the polling stops.
"""

from __future__ import annotations

import streamlit as st

from backend.store import ACTIVE_STATUSES
from components import state
from components.alert_views import render_sidebar_alerts

POLL_SECONDS = 3


def render_sidebar() -> None:
    with st.sidebar:
        if state.settings().secrets_error:
            st.error(f"{state.settings().secrets_error} Using environment variables and defaults.")
        # One indexed query, not the seven counts of summary(): this runs on every page.
        if state.store().list_jobs(statuses=ACTIVE_STATUSES, limit=1):
            _activity_live()
        else:
            _activity_static()


def _draw(*, live: bool) -> None:
    store = state.store()
    running = store.list_jobs(statuses=ACTIVE_STATUSES, limit=10)
    if live and not running:
        st.rerun()  # the last job ended: refresh the page once, then stop polling
    st.markdown("**Running jobs**")
    if not running:
        st.caption("Nothing running.")
    for job in running:
        st.progress(job.progress, text=f"{store.display_name(job)} · {job.message or job.status}")
    render_sidebar_alerts(store)
    st.caption(f"Workspace: `{state.settings().home}`")


@st.fragment(run_every=POLL_SECONDS)
def _activity_live() -> None:
    _draw(live=True)


@st.fragment
def _activity_static() -> None:
    _draw(live=False)
