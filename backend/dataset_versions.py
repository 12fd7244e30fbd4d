"""Pinned dataset versions: an order-independent content hash of a dataset's rows.

The hash is computed in one streaming pass over the file: every row (a CSV record or a
JSONL line, as raw bytes) gets a 128-bit xxh3 hash and the row hashes are summed, so the
same rows in any order give the same hash while any added, removed or edited row changes
it. The header (column names) is mixed in, so a renamed column changes the version too.
Parquet files and Hugging Face datasets are hashed batch by batch from their values.

xxh3 is fast (a few hundred MB/s here) but not a cryptographic hash: it detects changes,
accidental or careless, and is not a commitment against someone forging a file with the
same hash on purpose (sign-offs keep SHA-256 hashes of the records that cite it).

A version is recorded when a dataset is registered, audited or used for training, as a
``dataset_version`` record; re-registering a changed file makes a new version with a diff
summary (rows added and removed, columns added and removed). Per-row 64-bit fingerprints
are kept next to the workspace database (``dataset_versions/``) for that diff.
"""

from __future__ import annotations

import contextlib
import csv
import io
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import xxhash

from backend.errors import DatasetError, StewardError
from backend.store import Artifact, Dataset, Store

VERSION_KIND = "dataset_version"
METHOD = "xxh3-128 per row, summed mod 2^64 per half (order-independent), header mixed in"
CHUNK_BYTES = 16 << 20
_EMPTY = np.frombuffer(xxhash.xxh3_128_digest(b""), dtype="<u8")


@dataclass
class Fingerprint:
    """The content hash of a table and what it was computed over."""

    content_hash: str
    n_rows: int
    columns: list[str]
    n_bytes: int
    seconds: float
    #: One 64-bit fingerprint per row, sorted (for diffs between versions).
    row_hashes: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0, np.uint64))

    @property
    def mb_per_s(self) -> float:
        return self.n_bytes / 1e6 / max(self.seconds, 1e-9)


def _finish(
    sums: np.ndarray, header: bytes, n_rows: int, parts: list[np.ndarray], columns, nbytes, t0
):
    digest = xxhash.xxh3_128_hexdigest(
        b"steward-rows-v1\x00" + header + b"\x00" + sums.astype("<u8").tobytes()
    )
    rows = np.sort(np.concatenate(parts)) if parts else np.zeros(0, np.uint64)
    return Fingerprint(digest, n_rows, list(columns), nbytes, time.perf_counter() - t0, rows)


def _csv_records(buf: bytes) -> tuple[list[bytes], bytes]:
    """Split ``buf`` (starting at a record) into whole CSV records and the unfinished tail.

    A newline inside a quoted field does not end a record: quotes before each newline are
    counted (RFC 4180 doubles a quote inside a field, which keeps the parity right)."""
    last = buf.rfind(b"\n")
    if last < 0:
        return [], buf
    if b'"' not in buf:
        return buf[:last].split(b"\n"), buf[last + 1 :]
    arr = np.frombuffer(buf, dtype=np.uint8)
    newlines = np.flatnonzero(arr == 10)
    quotes = np.flatnonzero(arr == 34)
    ends = newlines[(np.searchsorted(quotes, newlines) & 1) == 0]
    if len(ends) == 0:
        return [], buf
    if len(ends) == len(newlines):
        return buf[: ends[-1]].split(b"\n"), buf[ends[-1] + 1 :]
    starts = np.r_[0, ends[:-1] + 1]
    return [buf[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)], buf[
        ends[-1] + 1 :
    ]


def _line_records(buf: bytes) -> tuple[list[bytes], bytes]:
    last = buf.rfind(b"\n")
    if last < 0:
        return [], buf
    return buf[:last].split(b"\n"), buf[last + 1 :]


def _hash_records(records: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """(sum of the 128-bit row hashes as two uint64, 64-bit fingerprints of non-empty rows)."""
    pairs = np.frombuffer(b"".join(map(xxhash.xxh3_128_digest, records)), dtype="<u8")
    pairs = pairs.reshape(-1, 2)
    empty = (pairs[:, 0] == _EMPTY[0]) & (pairs[:, 1] == _EMPTY[1])
    if empty.any():
        pairs = pairs[~empty]
    return pairs.sum(axis=0, dtype=np.uint64), pairs[:, 0].copy()


def _csv_header(line: bytes) -> list[str]:
    text = line.decode("utf-8", errors="replace")
    try:
        delimiter = csv.Sniffer().sniff(text, delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    return next(csv.reader(io.StringIO(text), delimiter=delimiter), [])


def fingerprint_file(path: str | Path, fmt: str) -> Fingerprint:
    """Hash a CSV or JSONL file in one streaming pass (Parquet: batch by batch)."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"File not found: {path}")
    if fmt == "parquet":
        return _fingerprint_parquet(path)
    t0 = time.perf_counter()
    split = _csv_records if fmt == "csv" else _line_records
    sums = np.zeros(2, dtype=np.uint64)
    parts: list[np.ndarray] = []
    header: bytes | None = None if fmt == "csv" else b""
    n_rows, nbytes, carry, started = 0, 0, b"", False
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(CHUNK_BYTES)
            nbytes += len(chunk)
            if not started:
                chunk = chunk.removeprefix(b"\xef\xbb\xbf")
                if fmt == "jsonl" and chunk.lstrip().startswith(b"["):
                    return _fingerprint_frame_of(path, fmt, t0)  # a JSON array, not lines
                started = True
            buf = carry + chunk if chunk else carry + b"\n"  # the end flushes the last row
            tail = b""
            if b"\r" in buf:
                if chunk and buf.endswith(b"\r"):  # a CRLF cut by the chunk boundary
                    buf, tail = buf[:-1], b"\r"
                buf = buf.replace(b"\r\n", b"\n")
            records, carry = split(buf)
            carry += tail
            if header is None and records:
                header, records = records[0], records[1:]
            if records:
                s, fp = _hash_records(records)
                sums += s
                parts.append(fp)
                n_rows += len(fp)
            if not chunk:
                break
    header = header or b""
    columns = _csv_header(header) if fmt == "csv" else []
    if fmt == "jsonl":
        columns = _jsonl_columns(path)
    return _finish(sums, header, n_rows, parts, columns, nbytes, t0)


def _jsonl_columns(path: Path) -> list[str]:
    import json

    with path.open("rb") as fh:
        for line in fh:
            if line.strip():
                try:
                    obj = json.loads(line)
                except ValueError:
                    return []
                return [str(k) for k in obj] if isinstance(obj, dict) else []
    return []


def fingerprint_frame(frame, *, header_extra: bytes = b"") -> Fingerprint:
    """Hash a DataFrame's rows (Hugging Face datasets, Parquet batches, JSON arrays)."""
    t0 = time.perf_counter()
    sums, parts = _frame_sums(frame)
    columns = [str(c) for c in frame.columns]
    header = header_extra + "\x1f".join(columns).encode("utf-8")
    nbytes = int(frame.memory_usage(deep=True, index=False).sum())
    return _finish(sums, header, len(frame), parts, columns, nbytes, t0)


def _frame_sums(frame) -> tuple[np.ndarray, list[np.ndarray]]:
    import pandas as pd

    as_text = frame.astype(str)
    a = pd.util.hash_pandas_object(as_text, index=False, hash_key="steward-rows-k01").to_numpy()
    b = pd.util.hash_pandas_object(as_text, index=False, hash_key="steward-rows-k02").to_numpy()
    sums = np.array([a.sum(dtype=np.uint64), b.sum(dtype=np.uint64)], dtype=np.uint64)
    return sums, [a.astype(np.uint64)]


def _fingerprint_parquet(path: Path) -> Fingerprint:
    import pyarrow.parquet as pq

    t0 = time.perf_counter()
    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for corrupt files
        raise DatasetError(f"{path.name} could not be read as Parquet: {exc}") from None
    columns = [str(c) for c in pf.schema_arrow.names]
    sums = np.zeros(2, dtype=np.uint64)
    parts, n_rows = [], 0
    for batch in pf.iter_batches(batch_size=100_000):
        frame = batch.to_pandas()
        s, fp = _frame_sums(frame)
        sums += s
        parts += fp
        n_rows += len(frame)
    header = b"parquet\x1f" + "\x1f".join(columns).encode("utf-8")
    return _finish(sums, header, n_rows, parts, columns, path.stat().st_size, t0)


def _fingerprint_frame_of(path: Path, fmt: str, t0: float) -> Fingerprint:
    """A JSON file holding one array of row objects (read whole: such files are small)."""
    import json

    import pandas as pd

    try:
        records = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path.name} is not a JSON array of rows: {exc}") from None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise DatasetError(f"{path.name}: expected a list of objects, one per row.")
    fp = fingerprint_frame(pd.DataFrame.from_records(records), header_extra=b"json-array\x1f")
    fp.seconds = time.perf_counter() - t0
    fp.n_bytes = path.stat().st_size
    return fp


def fingerprint_dataset(dataset: Dataset) -> Fingerprint:
    """The fingerprint of a registered dataset's file as it is now.

    Hugging Face datasets are hashed from the rows loaded when they are registered (see
    :func:`register_version`); re-reading them would need the Hub, so they have no file
    check here.
    """
    if dataset.source == "huggingface":
        raise DatasetError(
            f"Dataset #{dataset.id} comes from the Hugging Face Hub: its version is the one "
            "hashed when it was registered."
        )
    return fingerprint_file(dataset.location, dataset.format)


# -- versions -------------------------------------------------------------------------------


def _fingerprints_dir() -> Path:
    from backend.config import get_settings

    folder = get_settings().home / "dataset_versions"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _rows_path(dataset_id: int, content_hash: str) -> Path:
    return _fingerprints_dir() / f"dataset-{dataset_id}-{content_hash}.npy"


def versions(store: Store, dataset_id: int) -> list[Artifact]:
    """Every version of a dataset, oldest first."""
    arts = [
        a for a in store.list_artifacts(VERSION_KIND, limit=100_000) if a.dataset_id == dataset_id
    ]
    return sorted(arts, key=lambda a: a.id)


def latest_version(store: Store, dataset_id: int) -> Artifact | None:
    found = versions(store, dataset_id)
    return found[-1] if found else None


def row_diff(old: np.ndarray, new: np.ndarray) -> tuple[int, int]:
    """(rows added, rows removed) between two sorted multisets of row fingerprints."""
    ov, oc = np.unique(old, return_counts=True)
    nv, nc = np.unique(new, return_counts=True)
    both, oi, ni = np.intersect1d(ov, nv, assume_unique=True, return_indices=True)
    common = np.minimum(oc[oi], nc[ni]).sum() if len(both) else 0
    return int(len(new) - common), int(len(old) - common)


def _diff(store: Store, previous: Artifact, fp: Fingerprint, dataset_id: int) -> dict:
    old = previous.content
    diff: dict = {
        "from_version": old.get("version"),
        "rows_before": old.get("n_rows"),
        "rows_after": fp.n_rows,
        "columns_added": [c for c in fp.columns if c not in (old.get("columns") or [])],
        "columns_removed": [c for c in (old.get("columns") or []) if c not in fp.columns],
    }
    path = _rows_path(dataset_id, old.get("content_hash", ""))
    if path.is_file():
        added, removed = row_diff(np.load(path, allow_pickle=False), fp.row_hashes)
        diff |= {"rows_added": added, "rows_removed": removed}
    else:
        diff["note"] = "The previous version's row fingerprints are gone: only sizes compared."
    if diff["columns_added"] or diff["columns_removed"]:
        diff["note"] = (
            "Columns changed: rows are compared whole, so every row counts as removed and "
            "added again."
        )
    return diff


def diff_summary(diff: dict | None) -> str:
    """One line: ``+12 rows, −3 rows; column 'x' added`` (or "first version")."""
    if not diff:
        return "first version"
    bits = []
    if "rows_added" in diff:
        bits.append(f"+{diff['rows_added']:,} rows, −{diff['rows_removed']:,} rows")
    else:
        bits.append(f"{diff.get('rows_before', 0):,} → {diff.get('rows_after', 0):,} rows")
    for key, word in (("columns_added", "added"), ("columns_removed", "removed")):
        cols = diff.get(key) or []
        if cols:
            bits.append(f"column(s) {', '.join(repr(c) for c in cols)} {word}")
    return "; ".join(bits)


def record_version(
    store: Store, dataset: Dataset, *, reason: str, fingerprint: Fingerprint | None = None
) -> Artifact:
    """Hash the dataset now; return its current version (a new one when the data changed).

    ``reason`` says why it was hashed: ``registered``, ``re-registered``, ``audited`` or
    ``training``. An unchanged dataset keeps its version (its ``seen`` list grows).
    """
    previous = latest_version(store, dataset.id)
    if fingerprint is None and dataset.source == "huggingface" and previous is not None:
        return previous  # hashed from the rows loaded at registration (no Hub access here)
    try:
        fp = fingerprint or fingerprint_dataset(dataset)
    except OSError as exc:
        raise DatasetError(f"Cannot read dataset #{dataset.id} to hash it: {exc}") from None
    if previous is not None and previous.content.get("content_hash") == fp.content_hash:
        return previous
    path = _rows_path(dataset.id, fp.content_hash)
    if not path.is_file():
        tmp = path.with_suffix(".tmp.npy")
        np.save(tmp, fp.row_hashes, allow_pickle=False)
        tmp.replace(path)
    number = (previous.content.get("version", 0) if previous is not None else 0) + 1
    content = {
        "dataset_id": dataset.id,
        "version": number,
        "content_hash": fp.content_hash,
        "n_rows": fp.n_rows,
        "columns": fp.columns,
        "n_bytes": fp.n_bytes,
        "format": dataset.format,
        "reason": reason,
        "method": METHOD,
        "hash_seconds": round(fp.seconds, 4),
        "diff": _diff(store, previous, fp, dataset.id) if previous is not None else None,
    }
    return store.save_artifact(
        kind=VERSION_KIND,
        name=f"v{number} of {dataset.name}",
        content=content,
        dataset_id=dataset.id,
    )


def pin(store: Store, dataset_id: int | None, *, reason: str) -> dict | None:
    """The version a record cites: ``{dataset_id, version, content_hash, n_rows,
    version_id}`` (None for data that is not a registered dataset)."""
    if dataset_id is None:
        return None
    dataset = store.get_dataset(int(dataset_id))
    if dataset is None:
        return None
    art = record_version(store, dataset, reason=reason)
    return version_ref(art)


def version_ref(art: Artifact) -> dict:
    c = art.content
    return {
        "dataset_id": c["dataset_id"],
        "version": c["version"],
        "content_hash": c["content_hash"],
        "n_rows": c["n_rows"],
        "version_id": art.id,
    }


def version_label(ref: dict) -> str:
    """``Dataset #1 v2 (rows 3f9a1c2e…)``."""
    return f"Dataset #{ref['dataset_id']} v{ref['version']} (rows {ref['content_hash'][:12]})"


# -- checking a cited version ---------------------------------------------------------------

_stat_cache: dict[tuple, str] = {}


def current_content_hash(store: Store, version_id: int) -> str | None:
    """The content hash of the cited version's dataset as its file is *now* (None when the
    version record or the file is gone). Re-hashed whenever the file's size, times or inode
    changed since the last check in this process."""
    art = store.get_artifact(version_id)
    if art is None or art.kind != VERSION_KIND:
        return None
    dataset = store.get_dataset(int(art.content.get("dataset_id", -1)))
    if dataset is None:
        return None
    if dataset.source == "huggingface":  # no file: the version hashed at registration
        return art.content.get("content_hash")
    path = Path(dataset.location)
    try:
        st = path.stat()
    except OSError:
        return None
    key = (str(path), dataset.format, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    if key not in _stat_cache:
        try:
            _stat_cache[key] = fingerprint_file(path, dataset.format).content_hash
        except (OSError, StewardError):
            return None
    return _stat_cache[key]


# -- registration ---------------------------------------------------------------------------


def _same_dataset(store: Store, source: str, location: str, name: str) -> Dataset | None:
    """The dataset a registration repeats: the same path or Hugging Face id, or an upload
    under the same name (uploads are stored under content-addressed file names)."""
    found = None
    for ds in store.list_datasets():
        if ds.source != source:
            continue
        if (source == "upload" and ds.name == name) or (
            source != "upload" and ds.location == location
        ):
            found = ds
    return found


def register_version(store: Store, fields: dict, frame) -> Dataset:
    """Add a dataset, or update the one it re-registers, and record its current version.

    A file that cannot be hashed right now (it moved since it was read) gets its first
    version when it is next audited or trained on.
    """
    previous = _same_dataset(store, fields["source"], fields["location"], fields["name"])
    if previous is None:
        dataset, reason = store.add_dataset(**fields), "registered"
    else:
        store.update_dataset(previous.id, **{k: v for k, v in fields.items() if k != "synthetic"})
        dataset, reason = store.get_dataset(previous.id), "re-registered"
    fp = (
        fingerprint_frame(frame, header_extra=b"hf\x1f")
        if dataset.source == "huggingface"
        else None
    )
    with contextlib.suppress(DatasetError):
        record_version(store, dataset, reason=reason, fingerprint=fp)
    return dataset


def pin_quietly(
    store: Store, dataset_id: int | None, *, reason: str, notes: list[str]
) -> dict | None:
    """:func:`pin`, with a problem (a moved file) added to ``notes`` instead of raised."""
    try:
        return pin(store, dataset_id, reason=reason)
    except StewardError as exc:
        notes.append(f"The dataset's version could not be pinned: {exc}")
        return None


def pin_for_record(store: Store, *, job_id: int | None, dataset_id: int | None) -> dict | None:
    """The version a record about a run cites: the one the run trained on (pinned at its
    start), else the dataset's version now; None when neither is known."""
    job = store.get_job(job_id) if job_id is not None else None
    pinned = (job.result or {}).get("dataset_version") if job is not None else None
    if pinned:
        return pinned
    return pin_quietly(store, dataset_id, reason="evaluated", notes=[])
