"""Finding, citing and re-hashing the store records a card is built from.

Every record a card cites is reduced to a :class:`~backend.cards.schema.RecordRef`
with a content hash. :func:`current_hash` recomputes that hash from what is in the
database (or on disk) *now*, never trusting a stored hash column, so an edit made
behind the application's back shows up as a different hash.
"""

from __future__ import annotations

import hashlib
from pathlib import Path, PurePosixPath, PureWindowsPath

from backend.errors import StewardError
from backend.store import KIND_TITLES, Artifact, Dataset, Store, content_hash, display_title

from .schema import RecordRef

ARTIFACT_KINDS = (
    "audit",
    "evaluation",
    "run",
    "reweighting",
    "card",
    "redteam",
    "probes",
    "mitigation",
    "privacy",
)


def artifact_ref(
    art: Artifact, *, store: Store, field: str | None = None, label: str = ""
) -> RecordRef:
    """A reference to ``art`` with the hash of its content as stored right now."""
    if art.kind not in ARTIFACT_KINDS:
        raise StewardError(f"Records of kind '{art.kind}' cannot be cited by a card.")
    return RecordRef(
        kind=art.kind,
        id=art.id,
        content_hash=content_hash(art.content),
        label=label or store.display_name(art),
        field=field,
    )


def public_location(path: object) -> str | None:
    """A stored path as a card may show it: never an absolute path on this machine.

    Files inside the Steward workspace read ``<workspace>/runs/…``; anything else keeps
    only its file name (a Hugging Face id or a relative path is shown unchanged).
    """
    if path is None or not str(path).strip():
        return None
    text = str(path).strip()
    if not (PurePosixPath(text).is_absolute() or PureWindowsPath(text).drive):
        return text
    from backend.config import get_settings  # noqa: PLC0415 - read per call (tests switch)

    home = get_settings().home.resolve()
    try:
        return f"<workspace>/{Path(text).resolve().relative_to(home).as_posix()}"
    except (ValueError, OSError):
        return PureWindowsPath(text).name if "\\" in text else PurePosixPath(text).name


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
        label=display_title("dataset", ds.id, ds.name),
        field=field,
    )


def dataset_version_ref(art: Artifact, *, field: str | None = None) -> RecordRef:
    """Cite a pinned dataset version by its rows' content hash (``verify`` re-hashes the file)."""
    from backend.dataset_versions import version_label, version_ref  # noqa: PLC0415

    pinned = version_ref(art)
    return RecordRef(
        kind="dataset_version",
        id=art.id,
        content_hash=pinned["content_hash"],
        label=version_label(pinned),
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
    if ref.kind == "dataset_version":  # the rows in the dataset's file now, re-hashed
        from backend.dataset_versions import current_content_hash  # noqa: PLC0415

        return current_content_hash(store, ref.id)
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
    """The artifact with database id ``artifact_id`` of ``kind`` (internal callers)."""
    art = store.get_artifact(int(artifact_id))
    if art is None or art.kind != kind:
        raise StewardError(f"No {KIND_TITLES.get(kind, kind).lower()} record {artifact_id}.")
    return art


def resolve_record(store: Store, kind: str, spec: str | int) -> Artifact:
    """The ``kind`` record a person named by its number: ``3`` is "Audit #3" for audits.

    Numbers are the ones every page, the CLI and the cards show (they start at 1 for each
    kind). ``artifact:ID`` names a record by its database id instead.
    """
    text = str(spec).strip().removeprefix("#")
    title = KIND_TITLES.get(kind, kind)
    if text.startswith("artifact:"):
        return get_artifact(store, _as_int(text.removeprefix("artifact:"), kind), kind)
    if kind == "run":
        return resolve_run(store, text)
    art = store.record_by_number(kind, _as_int(text, kind))
    if art is None:
        raise StewardError(f"There is no {title} #{text} (numbers start at 1).")
    return art


def resolve_run(store: Store, spec: str | int) -> Artifact:
    """The run summary of "Run #N" (``spec`` = N, as every page and the CLI show it).

    The newest ``run`` artifact of that fine-tune is used. ``artifact:ID`` names the run
    artifact by its database id instead.
    """
    text = str(spec).strip().removeprefix("#")
    if text.startswith("artifact:"):
        return get_artifact(store, _as_int(text.removeprefix("artifact:"), "run"), "run")
    number = _as_int(text, "run")
    job = store.record_by_number("run", number)
    if job is None:
        raise StewardError(
            f"There is no Run #{number} (see `python -m backend jobs`; numbers start at 1)."
        )
    runs = [a for a in store.list_artifacts("run", limit=10_000) if a.job_id == job.id]
    if not runs:
        raise StewardError(
            f"{store.display_name(job)} is {job.status} and has no run summary; "
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
        raise StewardError(f"'{text}' is not a valid {what} number (a whole number).") from None
