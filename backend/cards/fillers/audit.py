"""Card fields from a dataset audit report.

The audit's checks are listed in :mod:`backend.audit.registry`, and each writes its own
card lines: ``card_fields(section, context, card_kind)`` returns ``(card section, field
key, Markdown text)`` for a ``"model"`` or ``"data"`` card, and ``card_checklist(section,
context)`` the checklist items its section speaks to. The filler writes them, cited to the
check's key of the report, and adds what belongs to the whole report: the findings, the
audit's limits, the known biases and the row count. It names no check.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from backend.numbers import finite_number
from backend.store import Artifact

from ..formatting import bullets, fmt_num
from ..schema import CardDocument
from .base import FillContext, add_source, record_refs, set_value, suggest


class AuditFiller:
    """An audit fills the data card's coverage, PII, biases, duplicates and labels (the
    model card's data audit and sensitive data), and suggests the PII, bias and
    compliance checklist items."""

    kind: ClassVar[str] = "audit"
    evidence: ClassVar[bool] = False

    def fill(self, doc: CardDocument, record: Artifact, ctx: FillContext) -> None:
        _fill(doc, record, ctx)


def _sections(report: Mapping[str, Any]):
    """``(check class, section, context)`` of every check in the report, registry order."""
    from backend.audit.registry import check_classes, report_context  # noqa: PLC0415

    context = report_context(report)
    for cls in check_classes():
        section = context.sections.get(cls.name)
        if section is not None:
            yield cls, section, context


def _check_card_fields(
    report: Mapping[str, Any], card_kind: str
) -> Iterator[tuple[str, str, str, str]]:
    """``(check, card section, field key, text)`` from every check of the report."""
    for cls, section, context in _sections(report):
        for card_section, key, text in cls.card_fields(section, context, card_kind):
            yield cls.name, card_section, key, text


def _check_checklist(report: Mapping[str, Any]) -> Iterator[tuple[str, str, str, str]]:
    """``(check, checklist item, status, text)`` from every check of the report."""
    for cls, section, context in _sections(report):
        for item, status, text in cls.card_checklist(section, context):
            yield cls.name, item, status, text


def _fill(doc: CardDocument, art: Artifact, ctx: FillContext) -> None:
    c = art.content if isinstance(art.content, dict) else {}
    ref = record_refs(art, ctx.store)
    add_source(doc, ref())
    raw_findings = c.get("findings") if isinstance(c.get("findings"), list) else []
    findings = bullets(raw_findings, skip_ok=True)
    warnings = bullets(c.get("warnings") or [])
    # known biases: the audit's bias-type findings when they are tagged by check;
    # plain-sentence findings cannot be told apart, so the audit's warnings stand in
    # Audit checks whose findings describe a bias in the data (not a tool limitation):
    # the audit's registry says which.
    from backend.audit.registry import bias_checks  # noqa: PLC0415

    bias = bias_checks()
    bias_findings = [
        f
        for f in raw_findings
        if isinstance(f, Mapping)
        and f.get("check") in bias
        and f.get("severity") not in ("ok", "info")
    ]
    biases = bullets(bias_findings) if bias_findings else warnings
    if bias_findings and warnings:
        findings += "\n\nLimits of this audit:\n" + warnings

    if doc.kind == "model":
        set_value(doc, "factors_and_training_data", "data_audit", findings, ref("findings"))
    else:
        set_value(doc, "known_biases", "audit_findings", findings, ref("findings"))
        set_value(
            doc,
            "known_biases",
            "biases",
            biases,
            ref("findings" if bias_findings else "warnings"),
        )
        if finite_number(c.get("rows")) is not None:
            set_value(doc, "details", "size", fmt_num(c["rows"]), ref("rows"))

    for check, card_section, key, text in _check_card_fields(c, doc.kind):
        set_value(doc, card_section, key, text, ref(check))
    for check, item, status, text in _check_checklist(c):
        suggest(doc, item, status, text, [ref(check)])
    suggest(
        doc,
        "compliance_audit",
        "in_progress" if (c.get("warnings") or c.get("findings")) else "complete",
        "The dataset audit ran"
        + ("; its findings still need a decision." if c.get("findings") else " with no findings."),
        [ref()],
    )
