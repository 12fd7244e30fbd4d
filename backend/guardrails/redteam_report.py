"""A saved red-team result, typed.

:func:`backend.guardrails.redteam.save_suite_results` (and the demo story) store the
suite's summary as a ``redteam`` artifact; readers (the card auto-fill) parse it once
through :class:`RedTeamResult`. Keys are those :func:`~backend.guardrails.redteam.summary_dict`
writes, so saved results load unchanged (see :mod:`backend.stored_reports`).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from backend.stored_reports import Part, StoredReport

__all__ = ["PolicyOutcome", "RedTeamResult", "ScannerOutcome"]

Number = int | float | None


class PolicyOutcome(Part):
    """The whole policy on the suite: a prompt is blocked when a blocking scanner flags it."""

    catch_rate: Number = None
    false_positive_rate: Number = None
    n_attacks: int | None = None
    n_benign: int | None = None
    caught: int | None = None
    false_alarms: int | None = None
    n_prompts: int | None = None


class ScannerOutcome(Part):
    """One scanner on the suite, at its threshold."""

    scanner: str = ""
    action: str | None = None
    threshold: Number = None
    catch_rate: Number = None
    false_positive_rate: Number = None
    flagged: int | None = None
    roc_auc: Number = None
    backend: str | None = None
    mean_latency_ms: Number = None


class RedTeamResult(StoredReport):
    """A red-team suite run through a guardrail policy, as saved for model cards."""

    what = "red-team result"

    suite: str | None = None
    policy: PolicyOutcome = Field(default_factory=PolicyOutcome)
    scanners: list[ScannerOutcome] = Field(default_factory=list)
    thresholds: dict[str, Number] = Field(default_factory=dict)
    misses: list[dict[str, Any]] = Field(default_factory=list)
    false_alarms: list[dict[str, Any]] = Field(default_factory=list)
    skipped_lines: list[Any] = Field(default_factory=list)
    measured_on: str | None = None
