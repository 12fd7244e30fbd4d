"""The list of audit checks, in report order.

Adding a check means adding one file (a :class:`~backend.audit.protocol.AuditCheck`
subclass) plus its tests, and one line in :mod:`backend.audit.check_list`. Everything
else (the runner, the page, the findings, the alert observations, the card auto-fill)
iterates over :func:`check_classes`.
Classes are imported on first use, so reading the names (the CLI's ``--help``) stays cheap.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from backend.audit.check_list import CHECK_NAMES as CHECK_NAMES  # re-exported
from backend.audit.check_list import REGISTRY

if TYPE_CHECKING:  # pragma: no cover
    from backend.audit.protocol import AuditCheck, Finding, ReportContext
    from backend.observations import Observation


@cache
def check_classes() -> tuple[type[AuditCheck], ...]:
    """Every check class, in report order."""
    classes = []
    for name, module, attr in REGISTRY:
        cls = getattr(importlib.import_module(module), attr)
        if cls.name != name:  # pragma: no cover - a registry typo
            raise RuntimeError(f"Registry entry {name!r} points at a check named {cls.name!r}.")
        classes.append(cls)
    return tuple(classes)


def check_class(name: str) -> type[AuditCheck]:
    """The check class called ``name``."""
    for cls in check_classes():
        if cls.name == name:
            return cls
    raise KeyError(name)


def check_labels() -> dict[str, str]:
    """``{name: label}`` for the page."""
    return {cls.name: cls.label for cls in check_classes()}


def bias_checks() -> tuple[str, ...]:
    """Checks whose findings describe a bias of the data itself (cards' known biases)."""
    return tuple(cls.name for cls in check_classes() if cls.describes_bias)


def report_context(report: Mapping[str, Any], *, expect_no_pii: bool = False) -> ReportContext:
    """The sections of a stored report, loaded back into their typed models."""
    from backend.audit.config import AuditConfig  # noqa: PLC0415
    from backend.audit.protocol import ReportContext  # noqa: PLC0415

    raw_config = report.get("config") if isinstance(report.get("config"), Mapping) else None
    try:
        config = AuditConfig.from_dict(dict(raw_config)) if raw_config else None
    except Exception:  # an old or edited report: fall back on the defaults
        config = None
    if config is None:
        text = (report.get("columns") or {}).get("text") or "text"
        config = AuditConfig(text_col=str(text))
    dataset = report.get("dataset") if isinstance(report.get("dataset"), Mapping) else {}
    context = ReportContext(
        config=config,
        rows=int(report.get("rows") or 0),
        label_names=dict(dataset.get("label_names") or {}),
        expect_no_pii=expect_no_pii,
    )
    for cls in check_classes():
        try:
            section = cls.from_report(report)
        except ValueError:  # a section this version cannot read: leave it out
            section = None
        if section is not None:
            context.sections[cls.name] = section
    return context


def _sections(context: ReportContext):
    """``(check class, section)`` of every check in the report, in report order."""
    for cls in check_classes():
        section = context.sections.get(cls.name)
        if section is not None:
            yield cls, section


def report_findings(context: ReportContext) -> list[Finding]:
    """Every check's findings, in report order."""
    return [f for cls, section in _sections(context) for f in cls.findings(section, context)]


def report_observations(
    report: Mapping[str, Any], *, expect_no_pii: bool = False
) -> list[Observation]:
    """The numbers of a stored report that alert thresholds compare, from every check."""
    if not isinstance(report, Mapping):
        return []
    context = report_context(report, expect_no_pii=expect_no_pii)
    return [o for cls, section in _sections(context) for o in cls.observations(section, context)]
