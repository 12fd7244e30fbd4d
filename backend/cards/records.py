"""Finding, citing and re-hashing the store records a card is built from.

Every record a card cites is reduced to a :class:`~backend.cards.schema.RecordRef`
with a content hash. :func:`current_hash` recomputes that hash from what is in the
database (or on disk) *now*, never trusting a stored hash column, so an edit made
behind the application's back shows up as a different hash.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from backend.errors import StewardError
from backend.store import Artifact, Dataset, Store, content_hash

from .schema import RecordRef

ARTIFACT_KINDS = ("audit", "evaluation", "run", "reweighting", "card")


def artifact_ref(art: Artifact, *, field: str | None = None, label: str = "") -> RecordRef:
    """A reference to ``art`` with the hash of its content as stored right now."""
    if art.kind not in ARTIFACT_KINDS:
        raise StewardError(f"Records of kind '{art.kind}' cannot be cited by a card.")
    return RecordRef(
        kind=art.kind,
        id=art.id,
        content_hash=content_hash(art.content),
        label=label or artifact_label(art),
        field=field,
    )


def artifact_label(art: Artifact) -> str:
    name = f" “{art.name}”" if art.name else ""
    if art.kind == "card" and isinstance(art.content, dict) and art.content.get("card_id"):
        return f"{art.content.get('kind', '')} card #{art.content['card_id']}{name}".strip()
    extra = f" (job #{art.job_id})" if art.kind == "run" and art.job_id else ""
    return f"{art.kind} #{art.id}{name}{extra}"


def dataset_fingerprint(ds: Dataset) -> dict:
    """The fields of a dataset record that a card can cite (everything but timestamps)."""
    return {
        "name": ds.name,
        "source": ds.source,
        "location": ds.location,
        "format": ds.format,
        "n_rows": ds.n_rows,
        "columns": ds.columns,
        "roles": ds.roles,
        "synthetic": ds.synthetic,
        "description": ds.description,
    }


def dataset_ref(ds: Dataset, *, field: str | None = None) -> RecordRef:
    return RecordRef(
        kind="dataset",
        id=ds.id,
        content_hash=content_hash(dataset_fingerprint(ds)),
        label=f"dataset #{ds.id} “{ds.name}”",
        field=field,
    )


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_ref(path: str | Path, *, label: str = "") -> RecordRef:
    """Cite a file as evidence (e.g. an ethics approval PDF); its SHA-256 is recorded."""
    p = Path(path).expanduser().resolve()
    if not p.is_file():
        raise StewardError(f"Evidence file not found: {p}")
    return RecordRef(kind="file", path=str(p), content_hash=file_sha256(p), label=label or p.name)


def current_hash(store: Store, ref: RecordRef) -> str | None:
    """The record's hash as it is now, or None when the record no longer exists."""
    if ref.kind == "file":
        p = Path(ref.path or "")
        return file_sha256(p) if p.is_file() else None
    if ref.id is None:
        return None
    if ref.kind == "dataset":
        ds = store.get_dataset(ref.id)
        return None if ds is None else content_hash(dataset_fingerprint(ds))
    art = store.get_artifact(ref.id)
    if art is None or art.kind != ref.kind:
        return None
    return content_hash(art.content)


def stored_hash_mismatch(store: Store, ref: RecordRef) -> bool:
    """True when an artifact's stored hash column no longer matches its content."""
    if ref.kind in ("file", "dataset") or ref.id is None:
        return False
    art = store.get_artifact(ref.id)
    return art is not None and not art.verify_hash()


def get_artifact(store: Store, artifact_id: int, kind: str) -> Artifact:
    """The artifact ``artifact_id`` of ``kind``, or a StewardError a person understands."""
    art = store.get_artifact(int(artifact_id))
    if art is None:
        raise StewardError(f"No {kind} record with id {artifact_id}.")
    if art.kind != kind:
        raise StewardError(f"Record {artifact_id} is a {art.kind}, not a {kind}.")
    return art


def resolve_run(store: Store, spec: str | int) -> Artifact:
    """The run summary for a fine-tune.

    ``spec`` is the fine-tune's **job id** (what ``python -m backend jobs`` and the
    monitor page show); the newest ``run`` artifact of that job is used. Prefix it with
    ``artifact:`` (``artifact:12``) to name the run artifact's own id instead.
    """
    text = str(spec).strip()
    if text.startswith("artifact:"):
        return get_artifact(store, _as_int(text.removeprefix("artifact:"), "run"), "run")
    job_id = _as_int(text, "run")
    runs = [a for a in store.list_artifacts("run", limit=10_000) if a.job_id == job_id]
    if not runs:
        job = store.get_job(job_id)
        if job is None:
            raise StewardError(f"No fine-tune job with id {job_id} (see `python -m backend jobs`).")
        raise StewardError(
            f"Job #{job_id} ({job.kind}, {job.status}) has no run summary yet; "
            "cards can only be filled from a finished fine-tune."
        )
    return max(runs, key=lambda a: a.id)


def latest_audit_for_dataset(store: Store, dataset_id: int) -> Artifact | None:
    audits = [a for a in store.list_artifacts("audit", limit=10_000) if a.dataset_id == dataset_id]
    return max(audits, key=lambda a: a.id) if audits else None


def _as_int(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise StewardError(f"'{text}' is not a valid {what} id (a whole number).") from None
