"""The audit checks by name, in report order: one line per check.

A leaf (it imports nothing), so that the audit settings can name the checks while the
registry, which loads the check classes, reads those settings.
"""

from __future__ import annotations

#: ``(name, module, class)`` of every check, in the order the report lists them.
REGISTRY: tuple[tuple[str, str, str], ...] = (
    ("representation", "backend.audit.representation", "RepresentationCheck"),
    ("label_skew", "backend.audit.label_skew", "LabelSkewCheck"),
    ("pii", "backend.audit.pii", "PiiCheck"),
    ("toxicity", "backend.audit.toxicity", "ToxicityCheck"),
    ("duplicates", "backend.audit.duplicates", "DuplicatesCheck"),
    ("association", "backend.audit.association", "AssociationCheck"),
    ("text_stats", "backend.audit.text_stats", "TextStatsCheck"),
)

#: Check names, in report order.
CHECK_NAMES: tuple[str, ...] = tuple(name for name, _, _ in REGISTRY)

__all__ = ["CHECK_NAMES", "REGISTRY"]
