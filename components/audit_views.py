"""Streamlit rendering of one audit report: findings, then one tab per check.

The page decides *which* report to show; these functions only draw it, iterating over the
check registry (headline tiles from each check, one tab per check drawn by its view in
:mod:`components.audit_check_views`).
"""

from __future__ import annotations

import json

import streamlit as st

from backend.audit.protocol import Headline
from backend.audit.registry import check_classes, report_context
from components import state
from components.audit_check_views import VIEWS, escape, generic_view
from components.formatting import show_table

_SEVERITY = {
    "warning": ":orange[:material/warning:]",
    "info": ":blue[:material/info:]",
    "ok": ":green[:material/check_circle:]",
}


def render_findings(report: dict) -> None:
    """Headline metrics and the plain-language findings."""
    context = report_context(report)
    tiles = [
        Headline("Rows audited", f"{report['rows']:,}", help="Measured: rows read from the file.")
    ]
    for cls in check_classes():
        tiles.extend(cls.headline(context.sections.get(cls.name)))
    for col, tile in zip(st.columns(len(tiles)), tiles, strict=True):
        col.metric(
            tile.label, tile.value, tile.delta, delta_color="off", delta_arrow="off", help=tile.help
        )
    for f in report.get("findings", []):
        st.markdown(f"{_SEVERITY.get(f['severity'], '')} {escape(f['text'])}")
    if report.get("warnings"):
        with st.expander(f"Notes on this audit ({len(report['warnings'])})"):
            for w in report["warnings"]:
                st.markdown(f"- {escape(w)}")


def render_report_tabs(report: dict, *, export_slot=None) -> None:
    """One tab per check of the registry (its view, or a generic one), then the raw report."""
    classes = check_classes()
    names = [cls.label for cls in classes] + ["Raw report"]
    tabs = state.tabs(names, key="audit-report-tab")
    for cls, tab in zip(classes, tabs, strict=False):
        with tab:
            VIEWS.get(cls.name, generic_view)(
                report, name=cls.name, label=cls.label, export_slot=export_slot
            )
    with tabs[-1]:
        st.download_button(
            "Download the JSON report",
            json.dumps(report, indent=2, ensure_ascii=False, default=str),
            file_name=f"audit-{report.get('dataset', {}).get('name', 'dataset')}.json",
            mime="application/json",
            icon=":material/download:",
        )
        timings = report.get("timings", {})
        if timings:
            st.caption(
                "Measured time per check (s): "
                + ", ".join(f"{k} {v:.2f}" for k, v in timings.items())
                + f" · total {report.get('elapsed_s', 0):.1f} s"
                + f" · engine: {(report.get('engine') or {}).get('description', 'this process')}"
            )
        st.json(report, expanded=False)


def _fmt_metric(metric: str, value) -> str:
    if value is None:
        return "–"
    if "share" in metric.lower() or metric.startswith("Share "):
        return f"{value * 100:.2f} %"
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:.3f}"


def _fmt_delta(metric: str, value) -> str:
    if value is None:
        return "–"
    if "share" in metric.lower() or metric.startswith("Share "):
        return f"{value * 100:+.2f} pp"
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):+,}"
    return f"{value:+.3f}"


def render_comparison(rows: list[dict], before_name: str, after_name: str) -> None:
    """Table of headline metrics of two reports with their deltas (pp = percentage points)."""
    table = [
        {
            "metric": r["metric"],
            before_name: _fmt_metric(r["metric"], r["before"]),
            after_name: _fmt_metric(r["metric"], r["after"]),
            "change": _fmt_delta(r["metric"], r["delta"]),
        }
        for r in rows
    ]
    show_table(table, hide_index=True)
    st.caption("Shares in %, changes of shares in percentage points (pp).")
