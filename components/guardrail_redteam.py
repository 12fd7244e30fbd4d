"""The guardrail page's red-team tab: run a labelled prompt file through the input rail,
re-score it with threshold sliders, save the results for a model card."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from backend.errors import StewardError
from backend.guardrails.redteam import (
    SHIPPED_PROMPTS,
    load_prompts,
    parse_prompts,
    roc_points,
    run_suite,
    save_suite_results,
    suite_metrics,
)
from components import state
from components.formatting import show_table
from components.guardrail_charts import category_figure, roc_figure
from components.guardrail_views import external_results


def render_redteam_tab(guard) -> None:
    """Draw the tab for ``guard`` (the session's warmed-up Guard)."""
    # The external figures get the wider half: three metrics side by side need ~200 px each.
    col_project, col_external = st.columns([2, 3], gap="large")
    with col_external:
        st.markdown("##### External sets (public data, not written here)")
        try:
            from backend.guardrails.harm_head import get_head
            from backend.guardrails.jailbreak_head import get_jailbreak_head
            from backend.guardrails.jailbreak_train import stored_rail_figures

            signal = guard.policy.settings("injection").signal
            rail = stored_rail_figures(get_jailbreak_head().meta, signal)
            external_results(get_head().meta, rail, signal)
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
        own = (
            " These figures are on **the project's own suite** (written by this project, so "
            "not an independent test; the external sets above are prompts nobody here wrote)."
            if suite_name == SHIPPED_PROMPTS.name
            else ""
        )
        st.caption(
            f"{len(run.frame)} prompts from **{suite_name}**, scanned once; the sliders re-score "
            f"the stored scores instantly.{own}"
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
            artifact = save_suite_results(state.store(), run, metrics, suite_name)
            st.success(
                f"Saved as **{state.store().display_name(artifact)}**. Cite it when you create "
                "a model card (Cards & sign-off): it fills the 'Safety mechanisms' item."
            )
