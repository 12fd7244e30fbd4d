"""Process-wide resources shared by every page and session.

``st.cache_resource`` makes one Store and one JobManager per server process, so a job
started in one tab is visible (and cancellable) in every other tab.
"""

from __future__ import annotations

import streamlit as st

from backend.config import Settings, get_settings
from backend.jobs import JobManager
from backend.store import Store, get_store


@st.cache_resource(show_spinner=False)
def store() -> Store:
    from backend.alerts import listen  # noqa: PLC0415

    listen()  # what the pages write is heard by the alert service
    return get_store()


@st.cache_resource(show_spinner=False)
def job_manager() -> JobManager:
    return JobManager(store(), logs_dir=settings().logs_dir)


def settings() -> Settings:
    return get_settings()


@st.cache_resource(show_spinner=False)
def warm_up_guardrails():
    """Load the default guardrail models in the background once per server process, so
    the first visitor of the playground does not wait for them."""
    from backend.guardrails.pipeline import warm_up_in_background  # noqa: PLC0415

    return warm_up_in_background()


def tabs(labels: list[str], *, key: str) -> list:
    """``st.tabs`` that stay on the tab the user opened.

    The open tab lives in ``st.session_state[key]`` (its label), so a button inside a tab
    ("Prepare anonymised CSV", "Run probes", "Save") and the rerun it causes, a flash
    message appearing above, or a job finishing never send the user back to the first
    tab. Labels must be stable (no live counts in them): the label is the state.
    """
    if st.session_state.get(key) not in labels:
        st.session_state.pop(key, None)  # a label that no longer exists: the first tab
    return st.tabs(labels, key=key, on_change="rerun")
