"""The guardrail policy of a session: the warmed-up Guard behind it, and its editor.

The policy lives in ``st.session_state.gr_policy_yaml`` (validated YAML); the models are
shared by every session of the server process (:func:`warm_guard`).
"""

from __future__ import annotations

import time

import streamlit as st

from backend.errors import StewardError
from backend.guardrails.pipeline import get_guard
from backend.guardrails.policy import SCANNER_NAMES, Policy, default_policy_yaml, parse_policy


@st.cache_resource(show_spinner=False, max_entries=16)
def warm_guard(policy_json: str):
    """One warmed-up Guard per policy per server process, shared by every session, and the
    seconds its warm-up took (the page says how long the first visitor waited)."""
    start = time.perf_counter()
    guard = get_guard(Policy.model_validate_json(policy_json))  # loads the models
    guard.warm_up()
    return guard, time.perf_counter() - start


def current_policy() -> Policy:
    """The session's policy (the default one on a first visit)."""
    st.session_state.setdefault("gr_policy_yaml", default_policy_yaml())
    try:
        return parse_policy(st.session_state.gr_policy_yaml, merge_defaults=False)
    except StewardError:  # cannot happen for stored YAML (validated on apply); be safe
        st.session_state.gr_policy_yaml = default_policy_yaml()
        return parse_policy(st.session_state.gr_policy_yaml)


def set_policy(policy: Policy) -> None:
    st.session_state.gr_policy_yaml = policy.to_yaml()
    st.session_state.pop("gr_suite", None)  # scores depend on the policy's scanners


def render_policy_editor(policy: Policy) -> None:
    """Quick edits (rails, thresholds, actions) and the full YAML, validated on apply."""
    st.markdown(
        "Quick edits change the policy for your session. Models are shared, so switching is instant."
    )
    configured = list(policy.scanners)
    with st.form("gr_quick_policy"):
        c1, c2 = st.columns(2)
        new_input = c1.multiselect("Input rail", configured, default=policy.input)
        new_output = c2.multiselect("Output rail", configured, default=policy.output)
        e1, e2 = st.columns(2)
        precisions = {
            None: "automatic (int8 on CPUs without AMX, else bf16)",
            True: "int8 (about 2x faster than fp32, scores move slightly)",
            False: "fp32 (exact, slowest)",
        }
        new_quantize = e1.selectbox(
            "MiniLM precision",
            list(precisions),
            index=list(precisions).index(policy.embeddings.quantize),
            format_func=precisions.get,
        )
        new_windows = e2.number_input(
            "Sentence windows embedded per long text",
            min_value=1,
            max_value=64,
            value=policy.embeddings.max_windows,
            help="Fewer windows: faster on long prompts, but a harmful sentence can be diluted.",
        )
        edits: dict[str, dict] = {}
        cols = st.columns(len(configured))
        for col, name in zip(cols, configured, strict=True):
            settings = policy.settings(name)
            with col:
                st.markdown(f"**{name}**")
                actions = ["redact", "warn", "block"] if name == "pii" else ["block", "warn"]
                edits[name] = {
                    "threshold": st.slider(
                        "threshold",
                        0.0,
                        1.0,
                        float(settings.threshold),
                        0.01,
                        key=f"gr_q_thr_{name}",
                    ),
                    "action": st.selectbox(
                        "action",
                        actions,
                        index=actions.index(settings.action),
                        key=f"gr_q_act_{name}",
                    ),
                }
                if name == "toxicity":
                    variants = ["original", "unbiased", "multilingual"]
                    edits[name]["variant"] = st.selectbox(
                        "Detoxify variant", variants, index=variants.index(settings.variant)
                    )
                if name == "injection":
                    edits[name]["use_embeddings"] = st.checkbox(
                        "MiniLM similarity", value=settings.use_embeddings
                    )
        if st.form_submit_button("Apply", type="primary"):
            data = policy.model_dump(mode="json", exclude_none=True)
            data["input"], data["output"] = new_input, new_output
            data["embeddings"].update({"quantize": new_quantize, "max_windows": int(new_windows)})
            for name, values in edits.items():
                data["scanners"][name].update(values)
            try:
                set_policy(Policy.model_validate(data))
                st.rerun()
            except (StewardError, ValueError) as exc:
                st.error(f"Policy not applied: {exc}")

    st.markdown("**Policy YAML** (topics, exemplars, PII entities, generator, classifier model…)")
    yaml_text = st.text_area(
        "Policy YAML",
        value=st.session_state.gr_policy_yaml,
        height=360,
        label_visibility="collapsed",
    )
    b1, b2, b3 = st.columns([1, 1, 2])
    if b1.button("Validate and apply", type="primary"):
        try:
            new_policy = parse_policy(yaml_text, source="policy")
            if new_policy.generator.kind == "huggingface" or "classifier" in new_policy.scanners:
                with st.spinner("Loading the models this policy names…"):
                    warm_guard(new_policy.model_dump_json())
            set_policy(new_policy)
            st.rerun()
        except StewardError as exc:
            st.error(f"Policy not applied: {exc}")
    if b2.button("Reset to default"):
        st.session_state.gr_policy_yaml = default_policy_yaml()
        st.session_state.pop("gr_suite", None)
        st.rerun()
    b3.download_button(
        "Download policy YAML",
        st.session_state.gr_policy_yaml,
        file_name="guardrails.yaml",
        mime="application/x-yaml",
    )
    st.caption(
        "Known scanners: " + ", ".join(SCANNER_NAMES) + ". Thresholds are in [0, 1]; actions are "
        "block, redact (PII only) or warn. Use the same file with `python -m backend guard --policy FILE`."
    )
