"""Streamlit views of each audit check's section: one function per check, by check name.

:func:`components.audit_views.render_report_tabs` opens one tab per check of the registry
and draws it with the view registered here under the check's name, or, for a check without
one, a generic table of its section. A new check works on the page without an edit here.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from backend.audit.findings import pii_summary
from backend.column_roles import label_name
from components import audit_charts as charts
from components import audit_tables as tables
from components.formatting import show_table

View = Callable[..., None]
VIEWS: dict[str, View] = {}


def view(name: str) -> Callable[[View], View]:
    """Register the view of the check called ``name``."""

    def register(fn: View) -> View:
        VIEWS[name] = fn
        return fn

    return register


def pct(x: float | None) -> str:
    return "–" if x is None else f"{x * 100:.1f} %"


def escape(text: str) -> str:
    # Dollar signs would start LaTeX in Streamlit Markdown.
    return text.replace("$", "\\$")


def generic_view(report: dict, *, name: str, label: str, **_) -> None:
    """A check without its own view: its section as a JSON tree."""
    section = report.get(name)
    if section is None:
        _not_run(label, "the check was switched off.")
        return
    st.json(section, expanded=1)


def _not_run(what: str, why: str) -> None:
    st.info(f"{what} was not part of this audit: {why}")


@view("representation")
def _representation(report: dict, **_) -> None:
    rep = report.get("representation")
    if not rep:
        _not_run("Representation", "choose at least one sensitive column.")
        return
    summary = report.get("representation_summary", {})
    st.caption(
        f"Share of rows per group compared with the reference share "
        f"({'uploaded reference' if report['config'].get('reference') else 'uniform by default'}). "
        f"Red bars: below {summary.get('min_ratio', 0.5):g}× the reference or fewer than "
        f"{summary.get('min_count', 30)} rows."
    )
    columns = list(rep)
    col = st.segmented_control(
        "Sensitive column", columns, default=columns[0], key="audit-rep-col", required=True
    )
    df = tables.representation_frame(report, col)
    meta = summary.get("meta", {}).get(col, {})
    if meta.get("summarised"):
        st.caption(
            f"{meta['distinct_groups']:,} distinct values: the largest groups are shown, the "
            "rest are combined into 'other'."
        )
    st.plotly_chart(charts.representation_chart(df, title=f"{col}: share vs reference"))
    show_table(
        df,
        hide_index=True,
        column_config={
            "share": st.column_config.NumberColumn(format="percent"),
            "reference_share": st.column_config.NumberColumn("reference", format="percent"),
            "ratio": st.column_config.NumberColumn(format="%.2f"),
        },
    )
    inters = summary.get("intersections", {})
    if inters:
        st.markdown("##### Intersections")
        name = st.selectbox("Pair of columns", list(inters), key="audit-inter")
        idf = tables.intersection_frame(report, name)
        a, b = inters[name]["columns"]
        st.caption(
            f"{inters[name]['cells']} combinations, {inters[name]['small_cells']} with fewer "
            f"than {summary.get('min_count', 30)} rows ({inters[name]['shown']} shown)."
        )
        st.plotly_chart(charts.intersection_heatmap(idf, x=b, y=a, title=f"Rows per {a} × {b}"))


@view("label_skew")
def _label_skew(report: dict, **_) -> None:
    skew = report.get("label_skew")
    if not skew:
        _not_run("Label skew", "choose a label column and at least one sensitive column.")
        return
    names = (report.get("dataset") or {}).get("label_names") or {}
    st.caption(
        f"Share of rows labelled {label_name(names, skew['positive_label'])} per group, "
        f"with 95 % Wilson intervals. Chi-square "
        "tests whether label and group are independent; the parity difference is the largest "
        f"minus the smallest rate among groups with ≥ {skew['min_count']} rows. This is bias "
        "in the labels themselves, which a fine-tuned model would learn."
    )
    if skew.get("mode") == "binarised":
        st.caption("Continuous labels in [0, 1] were counted as positive at ≥ 0.5.")
    columns = list(skew["columns"])
    # Open on the column with the largest gap: that is what the reviewer came to see.
    widest = max(columns, key=lambda c: skew["columns"][c].get("dp_difference") or 0)
    col = st.segmented_control(
        "Sensitive column", columns, default=widest, key="audit-skew-col", required=True
    )
    res = skew["columns"][col]
    c = st.columns(3)
    c[0].metric(
        "Parity difference",
        f"{res['dp_difference']:.3f}" if res["dp_difference"] is not None else "–",
        help="Largest minus smallest label rate (groups with enough rows).",
    )
    c[1].metric("Chi-square", f"{res['chi2']:.1f}" if res["chi2"] is not None else "–")
    p = res["p_value"]
    c[2].metric("p-value", "–" if p is None else ("< 0.001" if p < 0.001 else f"{p:.3f}"))
    df = tables.label_rate_frame(report, col)
    st.plotly_chart(
        charts.label_rate_chart(df, overall=skew.get("overall_rate"), title=f"Label rate by {col}")
    )
    show_table(
        df,
        hide_index=True,
        column_config={
            k: st.column_config.NumberColumn(format="percent")
            for k in ("rate", "ci_low", "ci_high")
        },
    )


@view("pii")
def _pii(report: dict, *, export_slot=None, **_) -> None:
    pii = report.get("pii")
    if not pii:
        _not_run("PII detection", "the check was switched off.")
        return
    st.caption(pii["detector"] + ". Examples are stored and shown redacted.")
    df = tables.pii_frame(report)
    c = st.columns(3)
    c[0].metric("Rows with PII", f"{pii['rows_with_pii']:,}")
    c[1].metric("Share of rows", pct(pii["share_rows_with_pii"]))
    c[2].metric(
        "Findings (rows × type)",
        f"{int(df['rows'].sum()):,}" if not df.empty else "0",
        help="Each kind of personal data counted once per row that holds it.",
    )
    if df.empty:
        st.success("No PII found by the offline rules.")
    else:
        st.markdown(pii_summary(pii))
        st.plotly_chart(charts.pii_chart(df))
        st.markdown("##### Redacted examples")
        ordered = df.sort_values("rows", ascending=False)["entity"].tolist()
        for i, entity in enumerate(ordered):
            examples = pii["examples"].get(entity, [])
            label = f"{tables.pii_label(entity)} · {len(examples)} example(s)"
            with st.expander(label, expanded=i == 0):
                for ex in examples:
                    st.markdown(f"Row {ex['row']}: {tables.highlight_placeholders(ex['text'])}")
    if pii.get("by_group"):
        with st.expander("Share of rows with PII per group"):
            for col, groups in pii["by_group"].items():
                st.caption(col)
                show_table(
                    [
                        {"group": g, "rows": v["rows"], "with PII": v["share"]}
                        for g, v in groups.items()
                    ],
                    hide_index=True,
                    column_config={"with PII": st.column_config.NumberColumn(format="percent")},
                )
    if export_slot is not None:
        export_slot()


@view("toxicity")
def _toxicity(report: dict, **_) -> None:
    tox = report.get("toxicity")
    if not tox:
        _not_run("Toxicity", "the check was switched off.")
        return
    if tox["is_fallback"]:
        st.warning(
            f"Scored by the **{tox['backend']}**. {tox.get('fallback_reason') or ''} "
            "Put Detoxify's checkpoint in the torch hub cache (or give a local checkpoint) to "
            "use the real toxicity model.",
            icon=":material/info:",
        )
    else:
        st.success(f"Scored by **{tox['backend']}**.", icon=":material/verified:")
    c = st.columns(4)
    c[0].metric("Mean score", f"{tox['mean']:.3f}" if tox["mean"] is not None else "–")
    c[1].metric(f"Share ≥ {tox['threshold']:g}", pct(tox["share_above_threshold"]))
    c[2].metric(
        "Rows scored",
        f"{tox['scored_rows']:,}",
        help="Evenly spaced sample" if tox.get("sampled") else None,
    )
    rps = tox.get("rows_per_second")
    c[3].metric(
        "Rows per second",
        f"{rps:,.0f}" if rps else "–",
        help=f"Measured, batch size {tox['batch_size']}.",
    )
    options = ["All rows", *tox.get("by_group", {})]
    col = st.segmented_control(
        "Split by", options, default="All rows", key="audit-tox-col", required=True
    )
    column = None if col == "All rows" else col
    df = tables.toxicity_hist_frame(report, column)
    st.plotly_chart(
        charts.toxicity_histogram(
            df,
            threshold=tox["threshold"],
            title="Toxicity score distribution" + (f" by {column}" if column else ""),
        )  # fmt: skip
    )
    if column:
        gdf = tables.toxicity_group_frame(report, column)
        st.plotly_chart(charts.group_share_above_chart(gdf, overall=tox["share_above_threshold"]))
    if tox.get("top_examples"):
        with st.expander("Highest-scoring rows (PII redacted)"):
            show_table(
                tox["top_examples"],
                hide_index=True,
                column_config={"score": st.column_config.NumberColumn(format="%.3f")},
            )


@view("duplicates")
def _duplicates(report: dict, **_) -> None:
    dup = report.get("duplicates")
    if not dup:
        _not_run("Duplicate detection", "the check was switched off.")
        return
    st.caption(dup["method"] + ".")
    c = st.columns(4)
    c[0].metric("Exact duplicate rows", f"{dup['exact_rows']:,}", pct(dup["exact_share"]), delta_color="off", delta_arrow="off",
                help="Rows that repeat an earlier row (after case-folding and whitespace).")  # fmt: skip
    c[1].metric("Near-duplicate rows", f"{dup['near_rows']:,}", pct(dup["near_share"]), delta_color="off", delta_arrow="off",
                help="Rows in a cluster of similar (not identical) texts, exact repeats excluded.")  # fmt: skip
    c[2].metric("Clusters", f"{dup['cluster_count']:,}")
    c[3].metric("Distinct texts", f"{dup['distinct_texts']:,}")
    for leak in dup.get("leakage", []):
        n = leak["exact_rows"] + leak["near_rows"]
        text = (
            f"**Leakage {leak['from']} → {leak['to']}**: {n:,} of {leak['rows']:,} rows "
            f"({pct(leak['share'])}) also appear in '{leak['to']}' "
            f"({leak['exact_rows']:,} exact, {leak['near_rows']:,} near)."
        )
        (st.warning if n else st.success)(escape(text))
    sizes = tables.cluster_size_frame(report)
    if not sizes.empty:
        st.plotly_chart(charts.cluster_size_chart(sizes))
        st.markdown("##### Largest clusters")
        show_table(tables.clusters_frame(report), hide_index=True)


@view("association")
def _association(report: dict, **_) -> None:
    assoc = report.get("association")
    if not assoc:
        _not_run("Identity-term association", "the check was switched off.")
        return
    st.caption(
        "Normalised PMI between words and groups: 0 = independent, 1 = the word only appears "
        f"with the group. Words need ≥ {assoc['min_count']} rows. Computed on "
        f"{assoc['rows_used']:,} rows."
    )
    options = [*assoc.get("by_column", {}), "identity terms in the text"]
    choice = st.segmented_control(
        "Groups from", options, default=options[0], key="audit-npmi", required=True
    )
    if choice == "identity terms in the text":
        heat = assoc.get("identity_heatmap", {})
        label_rows = [
            {
                "term": t,
                "rows": v["rows"],
                **{f"nPMI with label {k}": x for k, x in v["label_npmi"].items()},
            }
            for t, v in assoc.get("identity_terms", {}).items()
        ]
    else:
        res = assoc["by_column"][choice]
        heat = res.get("heatmap", {})
        label_rows = [
            {"group": g, **{f"nPMI with label {k}": x for k, x in labels.items()}}
            for g, labels in res.get("label_npmi", {}).items()
        ]
    if heat.get("rows"):
        st.plotly_chart(charts.npmi_heatmap(heat["rows"], heat["columns"], heat["values"],
                                            title="Words most associated with each group"))  # fmt: skip
    else:
        st.info("No word is frequent enough with any group to measure an association.")
    if label_rows and any(len(r) > 2 for r in label_rows):
        st.markdown("##### Labels and groups")
        show_table(label_rows, hide_index=True)


@view("text_stats")
def _text_stats(report: dict, **_) -> None:
    stats = report.get("text_stats")
    if not stats:
        _not_run("Text statistics", "the check was switched off.")
        return
    c = st.columns(5)
    c[0].metric(
        "Median length",
        f"{stats['chars']['p50']} chars" if stats["chars"]["p50"] is not None else "–",
    )
    c[1].metric("Empty / whitespace", f"{stats['empty'] + stats['whitespace_only']:,}")
    c[2].metric("Missing", f"{stats['missing']:,}")
    c[3].metric("Non-text values", f"{stats['non_text']:,}")
    c[4].metric("Longest", f"{stats['chars']['max']:,} chars" if stats["chars"]["max"] else "–")
    st.plotly_chart(charts.length_histogram(tables.length_frame(report)))
    if stats.get("script_shares"):
        st.markdown("##### Writing systems")
        show_table(
            [{"script": k, "share of rows": v} for k, v in stats["script_shares"].items()],
            hide_index=True,
            column_config={"share of rows": st.column_config.NumberColumn(format="percent")},
        )
    st.caption(stats["language_detection"])
