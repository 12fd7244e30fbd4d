"""The run page's privacy audit and the side-by-side privacy view of two runs."""

from __future__ import annotations

import streamlit as st

from backend.privacy.audit import privacy_audit_for_run, privacy_row
from backend.store import Job, Store
from components.formatting import plain_md, show_table
from components.privacy_charts import exposure_figure, loss_histogram_figure, roc_figure

_SHORT = {"loss_threshold": "Loss threshold", "calibrated": "Calibrated (LiRA-lite)"}
_LEVEL_BOX = {"chance": st.success, "low": st.info, "moderate": st.warning, "high": st.error}


def _tpr(value) -> str:
    return "–" if value is None else f"{value:.1%}"


def privacy_section(store: Store, job: Job) -> None:
    """The privacy audit of one finished run: verdict with its CI, attacks, histograms."""
    if job.status != "succeeded":
        return
    res = job.result or {}
    art = privacy_audit_for_run(store, job.id)
    st.markdown("##### Privacy audit: does this model leak its training data?")
    if art is None:
        skipped = (res.get("privacy") or {}).get("skipped")
        if skipped:
            st.caption(f"No privacy audit for this run: {skipped}.")
        elif res.get("task") == "causal_lm":
            st.caption(
                "Canary exposure is measured when canaries are planted before training "
                "(privacy.canaries.enabled in the run's config)."
            )
        else:
            st.caption(
                "No privacy audit for this run: it finished before Steward audited runs, or "
                "ran with privacy.membership.enabled set to false."
            )
        return
    content = art.content
    eps = content.get("epsilon")
    m = content.get("membership") or {}
    st.caption(
        f"{plain_md(store.display_name(art))} · measured after training · "
        + (f"DP-SGD, ε = {eps:.3g}" if eps is not None else "no differential privacy")
    )
    if m:
        _LEVEL_BOX.get(m.get("level"), st.info)(m["verdict"], icon=":material/policy:")
        attacks = m.get("attacks") or []
        cols = st.columns(len(attacks) + 1)
        for col, a in zip(cols, attacks, strict=False):
            col.metric(
                f"{_SHORT.get(a['attack'], a['label'])} · attack AUC",
                f"{a['auc']:.3f}",
                delta=f"95 % CI {a['ci_low']:.2f}–{a['ci_high']:.2f}",
                delta_color="off",
                delta_arrow="off",
                border=True,
                help=f"{a['label']}. 0.5 = the attacker guesses; 1.0 = the attacker always knows.",
            )
        best = max(attacks, key=lambda a: a["auc"]) if attacks else None
        if best is not None:
            cols[-1].metric(
                "TPR at 1 % / 0.1 % FPR",
                f"{_tpr(best['tpr_at_fpr'].get('0.01'))} / {_tpr(best['tpr_at_fpr'].get('0.001'))}",
                border=True,
                help="Share of training rows the strongest attack finds while wrongly "
                "accusing at most 1 % (0.1 %) of held-out rows.",
            )
        left, right = st.columns(2)
        left.plotly_chart(loss_histogram_figure(m), width="stretch", key=f"mia-hist-{job.id}")
        right.plotly_chart(roc_figure(m), width="stretch", key=f"mia-roc-{job.id}")
        notes = [
            f"{m['n_members']} training rows against {m['n_non_members']} held-out rows, "
            f"drawn at random (seed {m.get('seed', 0)}); the audit took "
            f"{m['duration_s']:.1f} s.",
        ]
        if m.get("reference"):
            notes.append(m["reference"])
        if m["n_non_members"] < 1000:
            notes.append(
                f"With {m['n_non_members']} held-out rows the smallest non-zero false-positive "
                f"rate is {1 / m['n_non_members']:.2%}, so the 0.1 % figure is the TPR at "
                "FPR 0."
            )
        st.caption(" ".join(notes))
    c = content.get("canaries") or {}
    if c:
        st.info(c.get("verdict", ""), icon=":material/key:")
        st.plotly_chart(
            exposure_figure(c["by_repetition"], max_exposure=c.get("max_possible_exposure")),
            width="stretch",
            key=f"canary-{job.id}",
        )
        st.caption(c.get("method", ""))


def privacy_comparison(store: Store, jobs: list[Job]) -> None:
    """ε, membership-attack AUC, canary exposure, accuracy and energy of runs side by side."""
    rows = [privacy_row(store, j) for j in jobs]
    st.markdown("##### Privacy side by side")
    table = {
        "": [
            "ε (differential privacy)",
            "Membership attack AUC (95 % CI)",
            "TPR at 1 % FPR",
            "Max canary exposure (bits)",
            "Accuracy",
            "Perplexity",
            "Energy",
        ]
    }
    for r in rows:
        energy = "–"
        if r["energy_kwh"] is not None:
            how = "measured" if r["energy_measured"] else "estimated"
            energy = f"{r['energy_kwh'] * 1000:.3f} Wh ({how})"
        unfinished = f"run {r['status']}" if r["status"] != "succeeded" else None
        if r["epsilon"] is not None:
            eps = f"{r['epsilon']:.3g}"
        else:
            eps = f"DP on, {unfinished}" if r["dp"] and unfinished else "no DP"
        table[r["run"]] = [
            eps,
            f"{r['mia_auc']:.3f} ({r['mia_ci'][0]:.2f}–{r['mia_ci'][1]:.2f})"
            if r["mia_auc"] is not None
            else (unfinished or "not audited"),
            _tpr(r["tpr_at_1pct_fpr"]),
            f"{r['max_exposure']:.2f}" if r["max_exposure"] is not None else "–",
            f"{r['accuracy']:.3f}" if r["accuracy"] is not None else "–",
            f"{r['perplexity']:.2f}" if r["perplexity"] is not None else "–",
            energy,
        ]
    show_table(table, width="stretch")
    verdicts = [f"**{plain_md(r['run'])}**: {r['verdict']}" for r in rows if r["verdict"]]
    if verdicts:
        st.caption("  \n".join(verdicts))
