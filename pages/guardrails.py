"""Guardrail playground: try prompts against the policy, red-team it, edit it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from backend.errors import StewardError
from backend.guardrails.observations import output_observations
from components import state
from components.app_shell import ensure_app_shell
from components.guardrail_charts import latency_figure
from components.guardrail_policy import current_policy, render_policy_editor, warm_guard
from components.guardrail_redteam import render_redteam_tab
from components.guardrail_views import (
    PRESETS,
    STYLE,
    decision_banner,
    scanner_card,
)

ensure_app_shell()  # deep link on a fresh server: serve it through app.py


def _alert_on_output(guard, decision) -> list:
    """Text a real model generated is measured; the alert service hears it from the store."""
    observations = output_observations(decision, guard.scanners.get("toxicity"))
    return state.store().observe(
        observations, source_kind="guardrail", source_label="guardrail playground output"
    )


def pick_preset() -> None:
    st.session_state.gr_text = PRESETS[st.session_state.gr_preset]
    st.session_state.pop("gr_decision", None)


st.session_state.setdefault("gr_text", PRESETS["Injection hidden with zero-width characters"])

st.title("Guardrail playground")
st.caption(
    "Input rails check the prompt, a generator answers (echo by default), output rails check "
    "the answer. Every check returns a score, the evidence it found, its latency and the model "
    "that produced it."
)
st.markdown(STYLE, unsafe_allow_html=True)

policy = current_policy()
with st.spinner("Loading and warming up the guardrail models (first visit only)…"):
    try:
        guard, warm_seconds = warm_guard(policy.model_dump_json())
    except StewardError as exc:
        st.error(f"The guardrails could not start: {exc}")
        st.stop()

tox = guard.scanners.get("toxicity")
if tox is not None and tox.scorer.is_fallback:
    st.warning(
        f"Toxicity uses the **{tox.scorer.backend_name}**. {tox.scorer.fallback_reason}. "
        "To use Detoxify, run `STEWARD_OFFLINE=0 python -m backend models pull "
        f"detoxify-{tox.variant}` on a machine that is online, then restart the dashboard "
        "(`python -m backend models list` says what each scanner uses, and why).",
        icon=":material/info:",
    )
st.caption(
    f"Input rail: {', '.join(policy.input) or 'none'} · output rail: {', '.join(policy.output) or 'none'} · "
    f"generator: {guard.generator.name} · "
    + (
        f"models loaded and warmed up in {warm_seconds:.1f} s "
        "(once per server process and policy; measured)"
        if warm_seconds >= 0.05
        else "models were already loaded and warmed up at server start"
    )
)

tab_play, tab_red, tab_policy = state.tabs(["Playground", "Red-team suite", "Policy"], key="gr_tab")

# ----------------------------------------------------------------------------------------
with tab_play:
    st.selectbox(
        "Demo prompts",
        list(PRESETS),
        index=None,
        placeholder="Pick a demo prompt (benign look-alikes, hidden injections, PII, toxic text)…",
        key="gr_preset",
        on_change=pick_preset,
    )
    with st.form("gr_check_form", border=False):
        st.text_area("Prompt", key="gr_text", height=130)
        checked = st.form_submit_button("Check", type="primary", icon=":material/shield:")
    uploaded = st.file_uploader("…or check a text file", type=["txt", "md"], key="gr_upload")

    text = st.session_state.gr_text
    if uploaded is not None and st.session_state.get("gr_upload_seen") != uploaded.file_id:
        raw = uploaded.getvalue()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            text = raw.decode("utf-8", errors="replace")
            st.warning(
                f"{uploaded.name} is not valid UTF-8 (first bad byte at position {exc.start:,}); "
                "undecodable bytes were replaced with � before checking."
            )
        st.session_state.gr_upload_seen = uploaded.file_id
        st.session_state.gr_upload_text = text
        checked = True
    elif uploaded is not None and not checked:
        text = st.session_state.get("gr_upload_text", text)

    previous = st.session_state.get("gr_decision")
    stale = previous is not None and previous[1] != st.session_state.gr_policy_yaml
    if checked or stale or (previous is None and text.strip()):
        if not text.strip():
            st.session_state.pop("gr_decision", None)
            st.info("Type a prompt or pick a demo prompt, then press **Check**.")
        else:
            with st.spinner("Checking…"):
                decision = guard.check(text)
            st.session_state.gr_decision = (decision, st.session_state.gr_policy_yaml)
            raised = _alert_on_output(guard, decision)
            if raised:
                st.warning(
                    f"The generated text crossed {len(raised)} alert threshold(s); "
                    "see Alerts & incidents.",
                    icon=":material/notifications_active:",
                )

    if st.session_state.get("gr_decision"):
        decision = st.session_state.gr_decision[0]
        decision_banner(decision)
        for note in decision.notes:
            if "truncated" in note or "windows" in note:
                st.caption(f":material/info: {note}")

        st.subheader("Input rail")
        names = list(decision.input_checks)
        for row_start in range(0, len(names), 2):
            cols = st.columns(2)
            for col, name in zip(cols, names[row_start : row_start + 2], strict=False):
                with col:
                    scanner_card(
                        name, decision.input_checks[name], guard.action_of(name), decision.prompt
                    )

        lat = pd.DataFrame(
            [{"scanner": n, "latency_ms": r.latency_ms} for n, r in decision.input_checks.items()]
            + [
                {"scanner": f"output: {n}", "latency_ms": r.latency_ms}
                for n, r in decision.output_checks.items()
            ]
        )
        left, right = st.columns([3, 2])
        with left:
            st.markdown("**What the generator received** (after redaction)")
            if decision.sanitized_prompt != decision.prompt:
                st.code(decision.sanitized_prompt[:4000], language=None, wrap_lines=True)
            else:
                st.caption("The prompt unchanged (nothing to redact).")
            st.markdown(f"**Response** from {decision.generator}")
            if decision.final_response is None:
                st.caption("Not generated: the input rail blocked the prompt.")
            else:
                st.code(decision.final_response[:4000] or "(empty)", language=None, wrap_lines=True)
        with right:
            st.markdown("**Latency per check** (this request, measured)")
            st.plotly_chart(latency_figure(lat), width="stretch", config={"displayModeBar": False})
        if decision.output_checks:
            with st.expander(
                "Output rail checks",
                expanded=not decision.allowed and decision.response is not None,
            ):
                for name, result in decision.output_checks.items():
                    scanner_card(name, result, guard.action_of(name), decision.response or "")

# ----------------------------------------------------------------------------------------
with tab_red:
    render_redteam_tab(guard)

# ----------------------------------------------------------------------------------------
with tab_policy:
    render_policy_editor(policy)
