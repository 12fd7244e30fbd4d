"""Dataset audit: representation, label skew, PII, toxicity, duplicates, associations, stats.

One module per check (each streams chunks and returns a JSON-able section), a runner
that merges them into one report (:func:`run_audit`), and helpers to store the report as
an ``audit`` artifact, compare two reports and export an anonymised copy.
"""

from backend.audit.compare import compare_reports
from backend.audit.config import CHECKS, AuditConfig, load_reference, parse_reference
from backend.audit.export import export_anonymised
from backend.audit.runner import (
    audit_dataset,
    check_upload_size,
    run_audit,
    source_for_dataset,
    submit_audit,
)
from backend.audit.source import AuditSource

__all__ = [
    "CHECKS",
    "AuditConfig",
    "AuditSource",
    "audit_dataset",
    "check_upload_size",
    "compare_reports",
    "export_anonymised",
    "load_reference",
    "parse_reference",
    "run_audit",
    "source_for_dataset",
    "submit_audit",
]
