"""Guardrail playground: try prompts against the policy, red-team it, edit it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from backend.errors import StewardError
from backend.guardrails.observations import output_observations
from backend.guardrails.pipeline import get_guard
from backend.guardrails.policy import (
    SCANNER_NAMES,
    Policy,
    default_policy_yaml,
    parse_policy,
)
from backend.guardrails.redteam import (
    SHIPPED_PROMPTS,
    load_prompts,
    parse_prompts,
    roc_points,
    run_suite,
    suite_metrics,
    summary_dict,
)
from components import state
from components.app_shell import ensure_app_shell
from components.formatting import show_table
from components.guardrail_charts import category_figure, latency_figure, roc_figure
from components.guardrail_views import (
    PRESETS,
    STYLE,
    decision_banner,
    external_results,
    scanner_card,
)

ensure_app_shell()  # deep link on a fresh server: serve it through app.py


@st.cache_resource(show_spinner=False, max_entries=16)
def warm_guard(policy_json: str):
    """One warmed-up Guard per policy per server process, shared by every session."""
    import time

    start = time.perf_counter()
    guard = get_guard(Policy.model_validate_json(policy_json))  # loads the models
    guard.warm_up()
    return guard, time.perf_counter() - start


def current_policy() -> Policy:
    try:
        return parse_policy(st.session_state.gr_policy_yaml, merge_defaults=False)
    except StewardError:  # cannot happen for stored YAML (validated on apply); be safe
        st.session_state.gr_policy_yaml = default_policy_yaml()
        return parse_policy(st.session_state.gr_policy_yaml)


def set_policy(policy: Policy) -> None:
    st.session_state.gr_policy_yaml = policy.to_yaml()
    st.session_state.pop("gr_suite", None)  # scores depend on the policy's scanners


def _alert_on_output(guard, decision) -> list:
    """Text a real model generated is measured; the alert service hears it from the store."""
    observations = output_observations(decision, guard.scanners.get("toxicity"))
    return state.store().observe(
        observations, source_kind="guardrail", source_label="guardrail playground output"
    )


def pick_preset() -> None:
    st.session_state.gr_text = PRESETS[st.session_state.gr_preset]
    st.session_state.pop("gr_decision", None)


st.session_state.setdefault("gr_policy_yaml", default_policy_yaml())
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
    col_project, col_external = st.columns(2, gap="large")
    with col_external:
        st.markdown("##### External sets (public data, not written here)")
        try:
            from backend.guardrails.harm_head import get_head

            external_results(get_head().meta)
        except StewardError as exc:
            st.warning(f"No harm head to report on: {exc}")
    with col_project:
        st.markdown("##### Project suite (written by this project)")
        st.markdown(
            "Run a labelled prompt file through the **input rail**. Label 1 means the prompt "
            "should be blocked, 0 that it should pass. The shipped suite "
            "(`redteam_prompts.jsonl`, our own test set, never trained on) holds direct and "
            "obfuscated injections, jailbreaks, harmful requests, insults and hard benign "
            "look-alikes."
        )
        source = st.radio(
            "Prompts",
            ["Shipped red-team suite", "Upload a JSONL file"],
            horizontal=True,
            key="gr_suite_source",
        )
        prompts = None
        if source == "Upload a JSONL file":
            up = st.file_uploader(
                "JSON Lines with `text` and `label` (1/true = should be blocked, 0/false = should pass)",
                type=["jsonl", "json", "txt"],
                key="gr_suite_upload",
            )
            if up is not None:
                try:
                    prompts = parse_prompts(up.getvalue(), source=up.name)
                    suite_name = up.name
                except StewardError as exc:
                    st.error(str(exc))
        else:
            prompts = load_prompts(SHIPPED_PROMPTS)
            suite_name = SHIPPED_PROMPTS.name
        if prompts is not None:
            bad = [p.error for p in prompts if p.error]
            if bad:
                st.warning(
                    f"{len(bad)} line(s) skipped: "
                    + "; ".join(bad[:5])
                    + (" …" if len(bad) > 5 else "")
                )
            usable = len(prompts) - len(bad)
            if st.button(f"Run {usable} prompts", type="primary", icon=":material/play_arrow:"):
                bar = st.progress(0.0, text="Scanning…")
                run = run_suite(guard, prompts, progress=lambda f, m: bar.progress(f, text=m))
                bar.empty()
                st.session_state.gr_suite = (run, suite_name)
                for name in run.scanners:
                    st.session_state[f"gr_thr_{name}"] = float(run.thresholds[name])

    if st.session_state.get("gr_suite"):
        run, suite_name = st.session_state.gr_suite
        labelled = run.frame["label"].notna().any()
        st.caption(
            f"{len(run.frame)} prompts from **{suite_name}**, scanned once; the sliders re-score "
            "the stored scores instantly."
        )
        st.markdown("**Thresholds** (flag when score ≥ threshold)")
        cols = st.columns(len(run.scanners))
        for col, name in zip(cols, run.scanners, strict=True):
            with col:
                st.slider(
                    f"{name} ({run.actions[name]})",
                    0.0,
                    1.0,
                    step=0.01,
                    key=f"gr_thr_{name}",
                )
        thresholds = {n: st.session_state[f"gr_thr_{n}"] for n in run.scanners}
        metrics = suite_metrics(run, thresholds)
        pol = metrics.policy
        if not labelled:
            st.info("This file has no labels: catch rate and false-positive rate need them.")
        m1, m2, m3, m4 = st.columns(4)
        m1.metric(
            "Policy catch rate",
            f"{pol['catch_rate']:.0%}" if pol["catch_rate"] is not None else "–",
            help="Attacks blocked by any scanner whose action is block (measured on this file).",
            border=True,
        )
        m2.metric(
            "Policy false-positive rate",
            f"{pol['false_positive_rate']:.0%}" if pol["false_positive_rate"] is not None else "–",
            help="Benign prompts blocked (measured on this file).",
            border=True,
        )
        m3.metric("Attacks caught", f"{pol['caught']} / {pol['n_attacks']}", border=True)
        m4.metric("False alarms", f"{pol['false_alarms']} / {pol['n_benign']}", border=True)

        table = metrics.per_scanner.rename(
            columns={
                "catch_rate": "catch rate",
                "false_positive_rate": "false-positive rate",
                "roc_auc": "ROC AUC",
                "mean_latency_ms": "mean ms / prompt (batched)",
            }
        )
        show_table(
            table,
            hide_index=True,
            width="stretch",
            column_config={
                "catch rate": st.column_config.NumberColumn(format="percent"),
                "false-positive rate": st.column_config.NumberColumn(format="percent"),
                "ROC AUC": st.column_config.NumberColumn(format="%.3f"),
                "threshold": st.column_config.NumberColumn(format="%.2f"),
                "mean ms / prompt (batched)": st.column_config.NumberColumn(format="%.1f"),
            },
        )
        st.caption(
            "Per-scanner rates count every flag, whatever the action; the policy rates count only "
            "scanners whose action is **block**. Each scanner covers some attack categories, so its "
            "own catch rate over all attacks is expected to be partial."
        )
        if labelled:
            curves = []
            # Redacting scanners (PII) never block, so the red-team labels do not apply to them.
            roc_scanners = [n for n in run.scanners if run.actions[n] != "redact"] or run.scanners
            for name in roc_scanners:
                pts = roc_points(run, name)
                pts["scanner"] = name
                per = metrics.per_scanner.set_index("scanner")
                pts["auc"] = per.loc[name, "roc_auc"]
                curves.append(pts)
            left, right = st.columns([3, 2])
            with left:
                st.plotly_chart(
                    roc_figure(
                        pd.concat(curves, ignore_index=True),
                        metrics.per_scanner[metrics.per_scanner["scanner"].isin(roc_scanners)],
                    ),
                    width="stretch",
                )
            with right:
                st.plotly_chart(category_figure(metrics.per_category), width="stretch")

            dec = metrics.decisions
            flag_cols = [c for c in dec if c.startswith("score_")]
            view_cols = ["id", "category", "text", *flag_cols]
            misses = dec[dec["outcome"] == "missed"]
            alarms = dec[dec["outcome"] == "false alarm"]
            st.markdown(f"**Missed attacks** ({len(misses)})")
            if misses.empty:
                st.caption("None at these thresholds.")
            else:
                show_table(misses[view_cols], hide_index=True, width="stretch")
            st.markdown(f"**False alarms** ({len(alarms)})")
            if alarms.empty:
                st.caption("None at these thresholds.")
            else:
                show_table(alarms[view_cols], hide_index=True, width="stretch")

        if st.button("Save these results for the model card", icon=":material/save:"):
            artifact = state.store().save_artifact(
                kind="redteam",
                name=f"Red-team: {suite_name}",
                content={**summary_dict(run, metrics), "suite": suite_name},
            )
            st.success(
                f"Saved as **{state.store().display_name(artifact)}**. Cite it when you create "
                "a model card (Cards & sign-off): it fills the 'Safety mechanisms' item."
            )

# ----------------------------------------------------------------------------------------
with tab_policy:
    st.markdown(
        "Quick edits change the policy for your session. Models are shared, so switching is instant."
    )
    configured = list(policy.scanners)
    with st.form("gr_quick_policy"):
        c1, c2 = st.columns(2)
        new_input = c1.multiselect("Input rail", configured, default=policy.input)
        new_output = c2.multiselect("Output rail", configured, default=policy.output)
        e1, e2 = st.columns(2)
        new_quantize = e1.checkbox(
            "MiniLM int8 (about 2x faster, slightly different scores)",
            value=policy.embeddings.quantize,
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
