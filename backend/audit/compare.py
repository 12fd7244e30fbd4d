"""Compare two stored audit reports: the headline numbers side by side with deltas."""

from __future__ import annotations


def _get(report: dict, *path, default=None):
    node = report
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return default
        node = node[key]
    return node


def _headline(report: dict) -> dict[str, float | None]:
    rows = report.get("rows")
    out: dict[str, float | None] = {
        "Rows": rows,
        "Malformed rows": report.get("malformed_rows"),
        "Under-represented groups": (
            len(_get(report, "representation_summary", "flagged", default=[]))
            if "representation_summary" in report
            else None
        ),
        "Rows with PII (share)": _get(report, "pii", "share_rows_with_pii"),
        "Exact duplicates (share)": _get(report, "duplicates", "exact_share"),
        "Near duplicates (share)": _get(report, "duplicates", "near_share"),
        "Toxicity mean": _get(report, "toxicity", "mean"),
        "Toxic share (≥ threshold)": _get(report, "toxicity", "share_above_threshold"),
        "Empty or missing texts": (
            sum(
                _get(report, "text_stats", k, default=0)
                for k in ("empty", "whitespace_only", "missing")
            )
            if "text_stats" in report
            else None
        ),
    }
    for col, res in (_get(report, "label_skew", "columns", default={}) or {}).items():
        out[f"Label-rate gap by {col}"] = res.get("dp_difference")
    for col, groups in (report.get("representation") or {}).items():
        for group, v in groups.items():
            out[f"Share {col} = {group}"] = v.get("share")
    return out


def compare_reports(before: dict, after: dict) -> list[dict]:
    """Rows ``{metric, before, after, delta}`` for every headline metric in either report.

    ``delta`` is ``after - before`` when both are numbers, else ``None``.
    """
    a, b = _headline(before), _headline(after)
    rows = []
    for metric in dict.fromkeys([*a, *b]):
        va, vb = a.get(metric), b.get(metric)
        if va is None and vb is None:
            continue
        delta = vb - va if isinstance(va, int | float) and isinstance(vb, int | float) else None
        rows.append({"metric": metric, "before": va, "after": vb, "delta": delta})
    return rows
