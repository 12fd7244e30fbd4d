"""Plain-language findings from a report: what a reviewer reads first.

Each finding is ``{"check", "severity" (warning | info | ok), "text"}``. Each check writes
its own (``findings(section, context)`` in its file); this module holds the wording helpers
they share and puts the lines together. Sentences are built from the numbers in the
report only; nothing here is estimated.
"""

from __future__ import annotations

_PII_NAMES = {
    "EMAIL": "email address",
    "PHONE": "phone number",
    "US_SSN": "US social security number",
    "CREDIT_CARD": "credit-card number",
    "IBAN": "IBAN",
    "IP_ADDRESS": "IP address",
    "API_KEY": "API key or secret",
    "STREET_ADDRESS": "street address",
    "PERSON": "person name",
}


def pii_name(entity: str, n: int = 1) -> str:
    name = _PII_NAMES.get(entity, entity.lower())
    if n == 1:
        return name
    if name.endswith("address"):
        return name + "es"
    if name == "API key or secret":
        return "API keys or secrets"
    return name + "s"


def pct(x: float | None) -> str:
    if x is None:
        return "n/a"
    if 0 < x < 0.001:
        return "<0.1 %"
    return f"{x * 100:.1f} %"


def plural(n: int, word: str, plural_form: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (plural_form or word + 's')}"


def alert_threshold(metric: str) -> float | None:
    """The alert threshold for ``metric`` (None when switched off), from the one alert
    config (``configs/alerts.yaml`` or ``STEWARD_ALERTS_CONFIG``; defaults when broken)."""
    from backend.alerts.config import config_or_defaults  # noqa: PLC0415 - read per report

    threshold = config_or_defaults()[0].get(metric)
    return None if threshold is None else threshold.value


def pii_summary(pii: dict) -> str:
    """Rows with PII and the findings by type, in numbers that add up.

    A row can hold several kinds of personal data, so the findings by type (each kind
    counted once per row) can add up to more than the rows: the sentence says both totals
    and lists every type, so the numbers reconcile.
    """
    rows = pii.get("rows_with_pii", 0)
    by_type = pii.get("rows_by_type") or pii.get("counts_by_type") or {}
    kinds = sorted(((e, c) for e, c in by_type.items() if c), key=lambda t: (-t[1], t[0]))
    total = sum(c for _, c in kinds)
    detail = ", ".join(f"{c:,} {pii_name(e, c)}" for e, c in kinds)
    several = (
        f"; a row can hold more than one kind, so the {total:,} findings exceed the {rows:,} rows"
        if total > rows
        else ""
    )
    return (
        f"{plural(rows, 'row')} ({pct(pii.get('share_rows_with_pii'))}) contain personal "
        f"data: {plural(total, 'finding')} of {plural(len(kinds), 'type')} ({detail}){several}."
    )


def build_findings(report: dict) -> list[dict]:
    """Findings in reading order: unreadable rows first, then each check's, in registry order.

    Every check writes its own lines (:meth:`~backend.audit.protocol.AuditCheck.findings`);
    this only adds the lines about the file itself.
    """
    from backend.audit.registry import report_context, report_findings  # noqa: PLC0415

    out: list[dict] = []
    if report.get("malformed_rows"):
        lines = report.get("malformed_lines") or []
        where = f" (first at line {lines[0]})" if lines else ""
        n = report["malformed_rows"]
        out.append(
            {
                "check": "data",
                "severity": "warning",
                "text": f"{plural(n, 'malformed row')} could not be parsed and "
                f"{'was' if n == 1 else 'were'} skipped{where}.",
            }
        )
    out.extend(f.model_dump() for f in report_findings(report_context(report)))
    return out
