"""Tidy DataFrames from an audit report, for the charts and tables of the audit page."""

from __future__ import annotations

import re

import pandas as pd

from backend.audit.findings import pii_name

_PLACEHOLDER = re.compile(r"<([A-Z_]+)>")
# Characters that Streamlit Markdown would interpret.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>$:])")


def representation_frame(report: dict, column: str) -> pd.DataFrame:
    groups = (report.get("representation") or {}).get(column, {})
    rows = [
        {
            "group": g,
            "count": v["count"],
            "share": v["share"],
            "reference_share": v.get("reference_share"),
            "ratio": v.get("ratio"),
            "flagged": bool(v.get("flagged")),
            "note": v.get("reason") or "",
        }
        for g, v in groups.items()
    ]
    return pd.DataFrame(
        rows, columns=["group", "count", "share", "reference_share", "ratio", "flagged", "note"]
    )


def intersection_frame(report: dict, name: str) -> pd.DataFrame:
    inter = report.get("representation_summary", {}).get("intersections", {}).get(name, {})
    rows = []
    for key, v in inter.get("groups", {}).items():
        a, _, b = key.partition(" | ")
        rows.append(
            {"a": a, "b": b, "count": v["count"], "share": v["share"],
             "ratio_to_independence": v.get("ratio"), "small": v["flagged"]}
        )  # fmt: skip
    return pd.DataFrame(
        rows, columns=["a", "b", "count", "share", "ratio_to_independence", "small"]
    )


def label_rate_frame(report: dict, column: str) -> pd.DataFrame:
    res = report.get("label_skew", {}).get("columns", {}).get(column, {})
    rows = [
        {"group": g, "rate": v["rate"], "ci_low": v["ci_low"], "ci_high": v["ci_high"], "n": v["n"]}
        for g, v in res.get("groups", {}).items()
        if v["rate"] is not None
    ]
    return pd.DataFrame(rows, columns=["group", "rate", "ci_low", "ci_high", "n"])


def pii_frame(report: dict) -> pd.DataFrame:
    pii = report.get("pii") or {}
    rows = [
        {"type": pii_label(e), "entity": e, "rows": pii["rows_by_type"].get(e, 0),
         "matches": n}
        for e, n in pii.get("counts_by_type", {}).items()
        if n
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["type", "entity", "rows", "matches"])


def pii_label(entity: str) -> str:
    """Display name with a capital first letter ("IP address", "Email address")."""
    name = pii_name(entity)
    return name[:1].upper() + name[1:]


def highlight_placeholders(text: str) -> str:
    """Markdown for a redacted example with each ``<TYPE>`` placeholder highlighted."""
    parts = []
    pos = 0
    for m in _PLACEHOLDER.finditer(text):
        parts.append(_MD_SPECIAL.sub(r"\\\1", text[pos : m.start()]))
        parts.append(f":red-background[**{m.group(1)}**]")
        pos = m.end()
    parts.append(_MD_SPECIAL.sub(r"\\\1", text[pos:]))
    return "".join(parts).replace("\n", " ")


def toxicity_hist_frame(report: dict, column: str | None) -> pd.DataFrame:
    tox = report.get("toxicity") or {}
    edges = tox.get("histogram", {}).get("edges", [])
    series: dict[str, list[int]] = {}
    if column is None:
        series["all rows"] = tox.get("histogram", {}).get("counts", [])
    else:
        for g, v in tox.get("by_group", {}).get(column, {}).items():
            if v["n"]:
                series[g] = v["histogram"]
    rows = []
    for g, counts in series.items():
        total = sum(counts) or 1
        for i, c in enumerate(counts):
            rows.append(
                {"group": g, "bin_start": edges[i], "bin_end": edges[i + 1], "share": c / total}
            )
    return pd.DataFrame(rows, columns=["group", "bin_start", "bin_end", "share"])


def toxicity_group_frame(report: dict, column: str) -> pd.DataFrame:
    groups = (report.get("toxicity") or {}).get("by_group", {}).get(column, {})
    rows = [
        {"group": g, "share_above": v["share_above_threshold"], "mean": v["mean"], "n": v["n"]}
        for g, v in groups.items()
        if v["n"]
    ]
    return pd.DataFrame(rows, columns=["group", "share_above", "mean", "n"])


def cluster_size_frame(report: dict) -> pd.DataFrame:
    hist = (report.get("duplicates") or {}).get("cluster_size_histogram", {})
    rows = [{"size": int(k), "clusters": v} for k, v in hist.items()]
    return pd.DataFrame(rows, columns=["size", "clusters"]).sort_values("size")


def clusters_frame(report: dict) -> pd.DataFrame:
    dup = report.get("duplicates") or {}
    clusters = dup.get("top_clusters", [])
    rows = [
        {
            "rows": c["size"],
            "distinct texts": c["distinct_texts"],
            "kind": c["kind"],
            "example": c["examples"][0] if c["examples"] else "",
            "row numbers": ", ".join(map(str, c["rows"][:6])) + ("…" if c["size"] > 6 else ""),
        }
        for c in clusters
    ]
    return pd.DataFrame(rows, columns=["rows", "distinct texts", "kind", "example", "row numbers"])


def length_frame(report: dict) -> pd.DataFrame:
    bins = (report.get("text_stats") or {}).get("length_histogram", [])
    rows = [
        {"bin": f"{b['from']}–{b['to'] - 1}" if b["to"] else f"{b['from']}+", "count": b["count"]}
        for b in bins
    ]
    return pd.DataFrame(rows, columns=["bin", "count"])


def reports_frame(artifacts, *, names: dict[int, str] | None = None) -> pd.DataFrame:
    """One row per stored audit report (newest first), named by ``names`` (display names)."""
    rows = []
    for a in artifacts:
        c = a.content
        rows.append(
            {
                "report": (names or {}).get(a.id, a.name),
                "created": a.created_at.strftime("%Y-%m-%d %H:%M"),
                "dataset": c.get("dataset", {}).get("name", ""),
                "rows": c.get("rows"),
                "warnings": sum(f["severity"] == "warning" for f in c.get("findings", [])),
                "PII rows": (c.get("pii") or {}).get("rows_with_pii"),
                "exact dup. rows": (c.get("duplicates") or {}).get("exact_rows"),
            }
        )
    return pd.DataFrame(
        rows,
        columns=["report", "created", "dataset", "rows", "warnings", "PII rows", "exact dup. rows"],
    )
