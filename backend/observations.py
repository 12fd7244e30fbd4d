"""What a producer measured, in one shape every listener understands.

A producer (an audit check, a fairness evaluation, a fine-tune's metrics, the guardrail
output rail) describes each value it measured as an :class:`Observation` and hands them
to the store with its record. The store passes them to its one after-write hook; the
alert service listens there and compares them with the thresholds file. Producers never
call the alert service, and listeners never learn a producer's report layout.

This module is a leaf: it imports nothing from the rest of the backend, so every layer
can use it without an import cycle.
"""

from __future__ import annotations

import hashlib
import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Observation", "finite_number", "short_digest"]


@dataclass(frozen=True)
class Observation:
    """One value of one metric about one record.

    Parameters
    ----------
    metric
        The threshold name in ``configs/alerts.yaml`` (``dataset_toxic_share``,
        ``bias_disparity``, ``run_energy_kwh``...), or a store metric name for values a
        run writes.
    value
        The measured number.
    record
        What was measured, stable across re-measurements: ``dataset:3``, ``run:12``,
        ``evaluated:<hash of the source>``, ``text:<digest>``. Empty when the producer
        cannot tell (the store's hook then names the record it landed with).
    context
        Words and parts for the message: ``part`` tells several values of one metric on
        the same record apart (the gap of each sensitive column), ``what`` says in plain
        words what was measured.
    """

    metric: str
    value: float
    record: str = ""
    context: Mapping[str, Any] = field(default_factory=dict, hash=False)

    @property
    def part(self) -> str:
        return str(self.context.get("part") or "")

    @property
    def what(self) -> str:
        return str(self.context.get("what") or "")

    def with_record(self, record: str) -> Observation:
        """This observation about ``record`` (kept when the producer already named one)."""
        if self.record:
            return self
        return Observation(self.metric, self.value, record, self.context)


def finite_number(value: Any, *, booleans: bool = False) -> float | None:
    """``value`` as a float when it is a finite number (or a number written as text, as
    stored JSON and CSV cells may hold it); otherwise ``None``.

    ``None``, other text, NaN and infinities are not measurements, nor are booleans unless
    ``booleans`` (a label column, where True/False mean 1/0). The one number-cleaning
    helper of the backend: reports, cards, alerts, telemetry and the audit's reader use it.
    """
    if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):
        value = value.item()  # a 0-d numpy array, e.g. a rate computed from one count vector
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    elif isinstance(value, bool) or getattr(getattr(value, "dtype", None), "kind", "") == "b":
        if not booleans:
            return None
        value = float(value)
    elif not isinstance(value, numbers.Real):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def short_digest(text: str) -> str:
    """A short, stable name for a record known only by its text (``evaluated:<digest>``)."""
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:16]
