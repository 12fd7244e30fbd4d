"""The sidebar shown on every page: running jobs and open alerts.

It polls every 3 s only while a job is active; when the last job ends it triggers one
full rerun so that the page shows the results and the polling stops.
"""

from __future__ import annotations

import streamlit as st

from backend.store import ACTIVE_STATUSES
from components import state
from components.formatting import status_badge

POLL_SECONDS = 3


def render_sidebar() -> None:
    with st.sidebar:
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
        st.progress(job.progress, text=f"#{job.id} {job.name} · {job.message or job.status}")
    alerts = store.list_alerts(open_only=True, limit=50)
    st.markdown(f"**Open alerts** ({len(alerts)}{'+' if len(alerts) == 50 else ''})")
    if not alerts:
        st.caption("No open alerts.")
    for alert in alerts[:3]:
        st.markdown(f"{status_badge(alert.severity)} {_shorten(alert.message)}")
    if len(alerts) > 3:
        st.page_link("pages/home.py", label="All open alerts on Home", icon=":material/list:")
    st.caption(f"Workspace: `{state.settings().home}`")


def _shorten(text: str, limit: int = 110) -> str:
    """Alerts can be long sentences; the sidebar shows their start."""
    first = text.split(". ")[0]
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


@st.fragment(run_every=POLL_SECONDS)
def _activity_live() -> None:
    _draw(live=True)


@st.fragment
def _activity_static() -> None:
    _draw(live=False)
