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
