"""Numbers as Steward shows them: one formatting helper for pages, the CLI and cards.

Cleaning (what counts as a number) is :func:`backend.observations.finite_number`; this
module only says how a number is written, and what stands in for a missing one.
"""

from __future__ import annotations

from typing import Any

from backend.observations import finite_number

__all__ = ["MISSING", "finite_number", "format_number"]

#: What a table cell or a sentence shows for a value that was not measured.
MISSING = "–"


def format_number(value: Any, spec: str = ".3f", *, missing: str = MISSING) -> str:
    """``value`` written with the format ``spec`` (``".3f"``, ``".1%"``, ``",d"``...), or
    ``missing`` when it is not a finite number."""
    number = finite_number(value)
    if number is None:
        return missing
    return format(round(number) if spec.endswith("d") else number, spec)
