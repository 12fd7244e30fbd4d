"""Dataset audit: representation, label skew, PII, toxicity, duplicates, associations, stats.

One module per check (each streams chunks and returns a JSON-able section), a runner
that merges them into one report (:func:`run_audit`), and helpers to store the report as
an ``audit`` artifact, compare two reports and export an anonymised copy.

Names are imported lazily so that ``python -m backend --help`` (which imports
``backend.audit.cli``) does not load the checks.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "CHECKS": "backend.audit.config",
    "AuditConfig": "backend.audit.config",
    "load_reference": "backend.audit.config",
    "parse_reference": "backend.audit.config",
    "AuditSource": "backend.audit.source",
    "audit_dataset": "backend.audit.runner",
    "check_upload_size": "backend.audit.runner",
    "run_audit": "backend.audit.runner",
    "source_for_dataset": "backend.audit.runner",
    "submit_audit": "backend.audit.runner",
    "compare_reports": "backend.audit.compare",
    "export_anonymised": "backend.audit.export",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'backend.audit' has no attribute {name!r}")
