"""Steward: a dashboard for fine-tuning language models responsibly.

Run with ``make run`` (or ``streamlit run app.py``). Pages live in ``pages/``; the
work is done by the ``backend`` package.
"""

from backend.config import apply_offline_env

apply_offline_env()  # before anything imports transformers

import streamlit as st  # noqa: E402

from backend.alerts import listen  # noqa: E402
from components import state  # noqa: E402
from components.sidebar import render_sidebar  # noqa: E402

st.set_page_config(page_title="Steward", page_icon=":material/verified_user:", layout="wide")

PAGES = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/dataset_audit.py", title="Dataset audit", icon=":material/fact_check:"),
    st.Page("pages/finetune_monitor.py", title="Fine-tune monitor", icon=":material/monitoring:"),
    st.Page("pages/fairness.py", title="Fairness", icon=":material/balance:"),
    st.Page("pages/guardrails.py", title="Guardrail playground", icon=":material/shield:"),
    st.Page("pages/cards.py", title="Cards & sign-off", icon=":material/assignment_turned_in:"),
    st.Page("pages/alerts.py", title="Alerts & incidents", icon=":material/notifications:"),
]

listen(notify="background")  # alerts from what lands; pages never wait for a mail server
state.job_manager()  # once per process: jobs left running by a dead process -> interrupted
state.warm_up_guardrails()  # once per process, in a background thread
page = st.navigation(PAGES)
render_sidebar()
page.run()
