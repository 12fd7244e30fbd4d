"""The one base of the typed reports Steward stores as JSON (evaluations, run summaries,
red-team results).

A producer writes its report as plain JSON (the artifact's content, the CLI's ``--json``);
every reader parses it once, where it is read from the store, into the report's pydantic
model and then reads attributes. The stored keys are the model's field names, so reports
saved by earlier versions load unchanged:

* keys a report does not have take the field defaults (older reports);
* keys the model does not know are kept (``extra="allow"``: newer reports, hand-written ones);
* a value of the wrong type is a malformed report: :meth:`StoredReport.load` says so in one
  line (a :class:`~backend.errors.StewardError`), :meth:`StoredReport.load_readable` leaves
  that part out and keeps the rest (the card auto-fill, which fills what it can);
* every report has a ``schema_version``: a stored report without the key is version 1 (all
  reports saved so far). A producer that changes a report's layout writes the next version
  and raises the model's :attr:`StoredReport.SCHEMA_VERSION`, with a reader for the old
  one; :meth:`StoredReport.load` refuses a version newer than the code in one line.

This module imports nothing from the rest of the backend except the error type.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from backend.errors import StewardError

__all__ = ["Part", "StoredReport"]


class Part(BaseModel):
    """A nested part of a stored report: unknown keys are kept, missing ones default."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class StoredReport(Part):
    """Base of a stored report. Subclasses set :attr:`what` (``"evaluation"``...)."""

    #: What the report is, in the words of an error message ("This evaluation ...").
    what: ClassVar[str] = "report"
    #: The newest layout this code reads (and its producer writes).
    SCHEMA_VERSION: ClassVar[int] = 1

    #: The layout the stored report was written in (absent: 1, the first one).
    schema_version: int = Field(default=1, ge=1)

    @classmethod
    def load(cls, data: Any, *, name: str | None = None) -> Self:
        """The report parsed from stored JSON, or one clear :class:`StewardError`.

        ``name`` is the record's display name ("Evaluation #3 · ...") for the message.
        """
        if isinstance(data, cls):
            return data
        subject = name or f"This {cls.what}"
        if not isinstance(data, Mapping):
            raise StewardError(
                f"{subject} cannot be read: it is stored as {type(data).__name__}, "
                "not as a JSON object."
            )
        try:
            report = cls.model_validate(dict(data))
        except ValidationError as exc:
            raise StewardError(f"{subject} cannot be read: {_first_problem(exc)}.") from None
        if report.schema_version > cls.SCHEMA_VERSION:
            raise StewardError(
                f"{subject} was saved by a newer Steward (schema version "
                f"{report.schema_version}; this one reads up to {cls.SCHEMA_VERSION}): "
                "update Steward to read it."
            )
        return report

    @classmethod
    def load_readable(cls, data: Any) -> tuple[Self, list[str]]:
        """The readable parts of a stored report and the parts left out as malformed.

        A malformed item of a top-level list or mapping (one scanner row, one column's
        groups) is dropped, else the whole top-level key (it takes its default); the rest
        is kept. Never raises: content that is not a mapping reads as empty.
        """
        if isinstance(data, cls):
            return data, []
        raw = dict(data) if isinstance(data, Mapping) else {}
        dropped: list[str] = []
        while True:
            try:
                return cls.model_validate(raw), dropped
            except ValidationError as exc:
                removed = _drop_malformed(raw, exc)
                if not removed:  # pragma: no cover - a model-level error: nothing to drop
                    return cls(), sorted(raw)
                dropped += removed

    def to_dict(self) -> dict[str, Any]:
        """The report as stored JSON (the keys it was loaded with, defaults left out)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


def _drop_malformed(raw: dict[str, Any], exc: ValidationError) -> list[str]:
    """Remove from ``raw`` the items (else the top-level keys) ``exc`` complains about."""
    items: dict[str, set] = {}
    keys: set[str] = set()
    for err in exc.errors():
        loc = err["loc"]
        if not loc or loc[0] not in raw:
            continue
        key, value = str(loc[0]), raw[loc[0]]
        inner = loc[1] if len(loc) > 1 else None
        if (
            isinstance(value, dict)
            and inner in value
            or isinstance(value, list)
            and isinstance(inner, int)
            and 0 <= inner < len(value)
        ):
            items.setdefault(key, set()).add(inner)
        else:
            keys.add(key)
    removed = []
    for key in sorted(keys):
        raw.pop(key)
        removed.append(key)
    for key, inner in items.items():
        if key in keys:
            continue
        value = raw[key]  # copied before removing: the caller's data stays as it was
        if isinstance(value, dict):
            raw[key] = {k: v for k, v in value.items() if k not in inner}
        else:
            raw[key] = [v for i, v in enumerate(value) if i not in inner]
        removed += [f"{key}[{i!r}]" for i in sorted(inner, key=str)]
    return removed


def _first_problem(exc: ValidationError) -> str:
    """'key.path: problem', plus how many other keys are malformed: one line."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    # Of a number's alternatives (int, float), the float's message reads best.
    first = next(
        (e for e in errors if e["loc"][:-1] == first["loc"][:-1] and e["loc"][-1:] == ("float",)),
        first,
    )
    # A union reports each alternative ("value.int", "value.float"): name the key once.
    path = [str(p) for p in first["loc"] if p not in _UNION_TAGS]
    others = {e["loc"][0] for e in errors if e["loc"]} - {first["loc"][0] if first["loc"] else None}
    more = (
        f" (and {len(others)} other malformed key{'s' if len(others) > 1 else ''})"
        if others
        else ""
    )
    return f"{'.'.join(path) or 'content'}: {first['msg'].rstrip('.')}{more}"


_UNION_TAGS = frozenset({"int", "float", "str", "bool", "none", "list[float]", "dict[str,any]"})
