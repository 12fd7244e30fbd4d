"""The one protocol of the card fillers, and how they write into a card.

A filler reads one kind of record (a run, an audit, an evaluation, a red-team result...)
and writes card fields and checklist suggestions, each value with the
:class:`~backend.cards.schema.RecordRef` it came from. Records are parsed once into
their typed report (:mod:`backend.stored_reports`); a malformed part of a record is left
out and the fields it would fill stay empty, never an error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from backend.store import Artifact, Dataset, Store

from ..formatting import short
from ..records import artifact_ref
from ..schema import CardDocument, ChecklistItem, RecordRef

__all__ = [
    "FillContext",
    "RecordFiller",
    "add_source",
    "cite",
    "append_value",
    "record_refs",
    "set_value",
    "suggest",
]


@dataclass
class FillContext:
    """What a filler may read besides its own record."""

    store: Store
    #: The card's dataset (a model card's training data), when known.
    dataset: Dataset | None = None
    #: The run the card is about (a model card), when known.
    run: Artifact | None = None


class RecordFiller(Protocol):
    """Fills a card from one kind of record."""

    #: The record kind it reads (``"run"``, ``"audit"``, ``"redteam"``...).
    kind: ClassVar[str]
    #: Whether a card may cite it as evidence (``--evidence KIND:N``, the page's picker).
    evidence: ClassVar[bool]

    def fill(self, doc: CardDocument, record: Any, ctx: FillContext) -> None:
        """Write what ``record`` says into ``doc`` (values carry their RecordRef)."""


def record_refs(art: Artifact, store: Store) -> Callable[[str | None], RecordRef]:
    """``ref(key)``: the record's reference, pointing at ``key`` of its content."""
    base = artifact_ref(art, store=store)

    def ref(key: str | None = None) -> RecordRef:
        return base.model_copy(update={"field": key})

    return ref


def cite(doc: CardDocument, record: Artifact, ctx: FillContext) -> RecordRef:
    """The record's reference, listed among the card's sources."""
    ref = artifact_ref(record, store=ctx.store)
    add_source(doc, ref)
    return ref


def set_value(doc: CardDocument, section: str, key: str, value: Any, ref: RecordRef) -> bool:
    """Write an auto-filled value with its provenance; skip empty values."""
    if value is None:
        return False
    text = value if isinstance(value, str) else short(value)
    if not text.strip():
        return False
    fld = doc.get_field(section, key)
    fld.value = text
    fld.source = ref
    fld.edited = False
    return True


def append_value(doc: CardDocument, section: str, key: str, text: str, ref: RecordRef) -> None:
    """Add ``text`` below what the field already holds (a person's value is kept)."""
    fld = doc.get_field(section, key)
    if not text.strip():
        return
    if fld.value.strip() and (fld.edited or fld.source is None or fld.source.key != ref.key):
        if text not in fld.value:
            fld.value = fld.value.rstrip() + "\n\n" + text
        return
    set_value(doc, section, key, text, ref)


def add_source(doc: CardDocument, ref: RecordRef) -> None:
    """List the record among the card's sources (once)."""
    if ref.key not in {r.key for r in doc.sources}:
        doc.sources.append(ref.model_copy(update={"field": None}))


def suggest(
    doc: CardDocument, key: str, status: str, notes: str, evidence: list[RecordRef]
) -> None:
    """Suggest a checklist status and attach evidence, unless a person already set it."""
    item: ChecklistItem = doc.checklist_item(key)
    known = {e.key for e in item.evidence}
    for ref in evidence:
        if ref.key not in known:
            item.evidence.append(ref.model_copy(update={"field": None}))
            known.add(ref.key)
    if item.status == "not_started" or item.auto:
        item.status = status  # type: ignore[assignment]
        item.notes = notes
        item.auto = True
