"""Compare two stored audit reports: the headline numbers side by side with deltas.

Each check says which of its numbers are worth comparing
(:meth:`~backend.audit.protocol.AuditCheck.comparison`); this only lines them up.
"""

from __future__ import annotations

from backend.audit.registry import check_classes, report_context


def _headline(report: dict) -> dict[str, float | None]:
    out: dict[str, float | None] = {
        "Rows": report.get("rows"),
        "Malformed rows": report.get("malformed_rows"),
    }
    context = report_context(report)
    for cls in check_classes():
        section = context.sections.get(cls.name)
        if section is not None:
            out.update(cls.comparison(section))
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
