"""Fill a new card from store records (datasets, audits, runs, evaluations, evidence).

Each kind of record has its own filler in :mod:`backend.cards.fillers` (one protocol,
one registry); every value written carries a :class:`RecordRef` to the record and key it
came from. Records are parsed once into their typed reports; a malformed part of a record
means the fields it would fill stay empty, never an error. Numbers keep their units and
say whether they were measured or estimated when the record says so.
"""

from __future__ import annotations

from collections.abc import Sequence

from backend.errors import StewardError
from backend.privacy.audit import privacy_audit_for_run
from backend.store import Artifact, Dataset, Store
from backend.training.summary import RunSummary

from .fillers import (
    EVIDENCE_FILLERS,
    FILLERS,
    FillContext,
    fill_dataset_version,
    fill_monitoring_from_alerts,
)
from .records import latest_audit_for_dataset
from .schema import CardDocument

__all__ = ["EVIDENCE_FILLERS", "FILLERS", "build_card", "fill_monitoring_from_alerts"]


def build_card(
    store: Store,
    kind: str,
    *,
    run: Artifact | None = None,
    audit: Artifact | None = None,
    evaluation: Artifact | None = None,
    dataset: Dataset | None = None,
    evidence: Sequence[Artifact] = (),
    title: str = "",
) -> CardDocument:
    """A new card of ``kind`` auto-filled from the given records.

    ``evidence`` holds saved red-team, probe, mitigation and privacy results; each fills
    its fields and checklist item (see :data:`~backend.cards.fillers.EVIDENCE_FILLERS`).

    The dataset defaults to the run's ``dataset_id`` or the audit's dataset; a model card
    built from a run also picks up the newest audit of the run's dataset when no audit is
    given (recorded as a source like any other).
    """
    doc = CardDocument.new(kind, title)  # type: ignore[arg-type]
    if dataset is None and run is not None:
        ds_id = RunSummary.from_content(run.content)[0].dataset_number
        if ds_id is not None:
            dataset = store.get_dataset(ds_id)
    if dataset is None and audit is not None and audit.dataset_id:
        dataset = store.get_dataset(audit.dataset_id)
    if audit is None and dataset is not None and kind == "model" and run is not None:
        audit = latest_audit_for_dataset(store, dataset.id)
    if kind == "model" and run is not None and run.job_id is not None:
        other = [a for a in evidence if a.kind == "privacy" and a.job_id != run.job_id]
        if other:
            raise StewardError(
                f"{store.display_name(other[0])} is about another run than "
                f"{store.display_name(run)}: a card cites its own run's privacy audit."
            )
        privacy = privacy_audit_for_run(store, run.job_id)  # the run's own privacy audit
        if privacy is not None and privacy.id not in {a.id for a in evidence}:
            evidence = [*evidence, privacy]

    for art in evidence:
        if art.kind not in EVIDENCE_FILLERS:
            raise StewardError(f"A {art.kind} record cannot be cited as card evidence.")
    ctx = FillContext(store=store, dataset=dataset, run=run)
    if dataset is not None:
        FILLERS["dataset"].fill(doc, dataset, ctx)
    if audit is not None:
        FILLERS["audit"].fill(doc, audit, ctx)
    if run is not None:
        FILLERS["run"].fill(doc, run, ctx)
    if dataset is not None:  # after the run: the model card's training data names it
        fill_dataset_version(doc, store, dataset, run)
    if evaluation is not None:
        FILLERS["evaluation"].fill(doc, evaluation, ctx)
    for art in evidence:
        EVIDENCE_FILLERS[art.kind].fill(doc, art, ctx)
    fill_monitoring_from_alerts(doc, store, run=run, audit=audit, evaluation=evaluation)

    if not title:
        if kind == "model":
            name = doc.get_field("model_details", "name").value
            doc.title = name or (f"Model card for {store.display_name(run)}" if run else doc.title)
        elif dataset is not None:
            doc.title = f"Data card: {dataset.name}"
    return doc
