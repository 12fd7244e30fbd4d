"""Alerts & incidents: every alert, who acknowledged or resolved it and why, where
notifications went, and the thresholds in force."""

import streamlit as st

from components import state
from components.alert_views import (
    config_banner,
    render_incident_log,
    render_notifications,
    render_thresholds,
)
from components.app_shell import ensure_app_shell
from components.sign_in import render_reviewer_bar

ensure_app_shell()  # deep link on a fresh server: serve it through app.py

store = state.store()
st.title("Alerts & incidents")
st.caption(
    "Alerts are raised the moment a record crosses a threshold: an audit (toxic share, PII in "
    "a dataset meant to hold none, a tiny group), a fairness evaluation (gap between groups), "
    "a fine-tune run's metrics (energy, CO₂, privacy ε) or a text a model generated in the "
    "guardrail playground. The same condition on the same record is raised once."
)
config_banner()
render_reviewer_bar(store, key="alerts-reviewer")

counts = {s: store.count_alerts(s) for s in ("open", "acknowledged", "resolved")}
high_open = store.count_alerts("open", severity="high")
cols = st.columns(4)
cols[0].metric("Open", counts["open"], border=True)
cols[1].metric("High severity, open", high_open, border=True)
cols[2].metric("Acknowledged", counts["acknowledged"], border=True)
cols[3].metric("Resolved", counts["resolved"], border=True)

log_tab, notify_tab, thresholds_tab = state.tabs(
    [
        ":material/list_alt: Incident log",
        ":material/send: Notifications",
        ":material/tune: Thresholds",
    ],
    key="alerts-tab",
)
with log_tab:
    render_incident_log(store, key="alerts")
with notify_tab:
    render_notifications(store, key="alerts")
with thresholds_tab:
    render_thresholds()
