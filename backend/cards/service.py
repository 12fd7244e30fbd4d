"""What the page and the CLI do with cards, in one place: create, edit, export, sign."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from backend.errors import StewardError
from backend.store import Artifact, Store

from .autofill import EVIDENCE_FILLERS, build_card
from .records import file_ref, resolve_record
from .render import Export, ExportContext, SignOffView, export_card
from .repository import CardRepository, SavedVersion
from .schema import CardDocument, RecordRef
from .signoff import card_status


def create_card(
    store: Store,
    kind: str,
    *,
    from_run: str | int | None = None,
    from_audit: str | int | None = None,
    from_evaluation: str | int | None = None,
    evidence: Sequence[tuple[str, str | int]] = (),
    dataset_id: int | None = None,
    title: str = "",
    author: str = "",
) -> SavedVersion:
    """Create a card auto-filled from the named records and save it as version 1.

    Records are named by the numbers every page and the CLI show: ``from_run=1`` is
    "Run #1", ``from_audit=2`` is "Audit #2" (``artifact:ID`` names a database id).
    ``evidence`` lists saved results to cite, e.g. ``[("redteam", 1), ("probes", 2)]``.
    """
    if kind not in ("model", "data"):
        raise StewardError("A card is either a 'model' card or a 'data' card.")

    def named(record_kind: str, spec) -> Artifact | None:
        return None if spec in (None, "") else resolve_record(store, record_kind, spec)

    run = named("run", from_run)
    audit = named("audit", from_audit)
    evaluation = named("evaluation", from_evaluation)
    cited = []
    for record_kind, spec in evidence:
        if record_kind not in EVIDENCE_FILLERS:
            raise StewardError(
                f"'{record_kind}' is not a kind of evidence "
                f"(one of: {', '.join(EVIDENCE_FILLERS)})."
            )
        cited.append(resolve_record(store, record_kind, spec))
    dataset = None
    if dataset_id is not None:
        dataset = store.get_dataset(int(dataset_id))
        if dataset is None:
            raise StewardError(f"There is no Dataset #{dataset_id}.")
    doc = build_card(
        store,
        kind,
        run=run,
        audit=audit,
        evaluation=evaluation,
        dataset=dataset,
        evidence=cited,
        title=title,
    )
    sources = ", ".join(r.label for r in doc.sources) or "no records"
    return CardRepository(store).create(doc, author=author, note=f"created from {sources}")


def export_context(store: Store, card_id: int, version: int | None = None) -> ExportContext:
    repo = CardRepository(store)
    row = repo.latest_version(card_id) if version is None else repo.get_version(card_id, version)
    status = card_status(store, card_id)
    label = status.label
    if version is not None and version != status.latest_version:
        label = f"Version {version} of {status.latest_version} (older version). {label}"
    return ExportContext(
        card_id=card_id,
        version=row.version,
        status=label,
        signoffs=[SignOffView.from_row(s) for s in repo.signoffs(card_id)],
    )


def export_saved_card(
    store: Store, card_id: int, fmt: str, *, version: int | None = None, strict: bool = False
) -> Export:
    """Export a saved version (default: latest) with its review status and sign-offs."""
    doc = CardRepository(store).load(card_id, version)
    return export_card(doc, fmt, export_context(store, card_id, version), strict=strict)


def attach_evidence(doc: CardDocument, item_key: str, ref: RecordRef) -> bool:
    """Add ``ref`` as evidence for one checklist item (no duplicates). True when added."""
    item = doc.checklist_item(item_key)
    if ref.key in {e.key for e in item.evidence}:
        return False
    item.evidence.append(ref.model_copy(update={"field": None}))
    return True


def detach_evidence(doc: CardDocument, item_key: str, ref_key: str) -> bool:
    item = doc.checklist_item(item_key)
    before = len(item.evidence)
    item.evidence = [e for e in item.evidence if e.key != ref_key]
    return len(item.evidence) != before


def store_evidence_file(
    evidence_dir: Path, name: str, data: bytes, *, max_mb: int = 50
) -> RecordRef:
    """Keep an uploaded evidence file under the workspace and cite it by SHA-256."""
    if len(data) > max_mb * 1024 * 1024:
        raise StewardError(f"The evidence file is larger than {max_mb} MB.")
    if not data:
        raise StewardError("The evidence file is empty.")
    import hashlib

    digest = hashlib.sha256(data).hexdigest()
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in Path(name).name)[:80] or "file"
    evidence_dir.mkdir(parents=True, exist_ok=True)
    path = evidence_dir / f"{digest[:12]}-{safe}"
    if not path.exists():
        path.write_bytes(data)
    return file_ref(path, label=Path(name).name)
