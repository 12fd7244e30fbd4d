"""Datasets in the workspace: loading a table, registering it, and the demo workspace.

:func:`load_table` reads CSV, JSONL and Parquet from a path or an uploaded buffer through
the one tabular reader (:mod:`backend.tabular`), and Hugging Face dataset ids through
``datasets`` (online; offline gives a clear message). Column roles live in
:mod:`backend.column_roles`, the demo generator in :mod:`backend.demo_data`. Every problem
a user can cause raises :class:`~backend.errors.DatasetError` with a readable message;
nothing is written to the store until a file has been read successfully.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from backend.column_roles import ColumnRoles, validate_roles
from backend.demo_data import DEMO_GROUPS, generate_demo_dataset
from backend.errors import DatasetError
from backend.tabular import (
    MAX_JSONL_LINE_BYTES,
    Malformed,
    list_columns,
    read_frame,
    table_file,
)

DEMO_DATASET_NAME = "Demo: synthetic user comments"
DEMO_FILE = "comments.csv"
#: What the demo's label values mean (set at registration, used by every page).
DEMO_LABEL_NAMES = {"0": "not toxic", "1": "toxic"}


@dataclass
class LoadedTable:
    """A table read from a file, with the lines that could not be parsed."""

    frame: pd.DataFrame
    format: str
    malformed_lines: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: Every column of the file, also those left out by ``load_table(columns=...)``.
    file_columns: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------
# Loading (the reader itself is backend.tabular, shared with the audit's stream)
# --------------------------------------------------------------------------------------
def load_table(
    source: str | Path | bytes | IO[bytes],
    *,
    fmt: str | None = None,
    name: str | None = None,
    strict: bool = True,
    max_bytes: int | None = None,
    columns: list[str] | None = None,
    optional_columns: tuple[str, ...] = (),
) -> LoadedTable:
    """Read a CSV, JSONL or Parquet file into a DataFrame.

    With ``strict=True`` a malformed row (ragged CSV line, invalid JSON line) raises a
    :class:`DatasetError` naming the line; with ``strict=False`` malformed lines are
    skipped but counted in ``LoadedTable.malformed_lines`` so callers can report them.
    ``columns`` keeps only those columns (read as the file is parsed, so a wide file
    costs memory and time for what is used only); missing ones are a DatasetError,
    except those in ``optional_columns``. CSV cells are parsed by Arrow, not one Python
    object per cell: a 200 MB file no longer needs gigabytes before a run samples it.
    """
    file = table_file(source, fmt=fmt, name=name, max_bytes=max_bytes)
    name = file.name
    malformed = Malformed()
    frame = read_frame(file, columns=columns, strict=strict, malformed=malformed)
    file_columns = [str(c) for c in frame.columns]
    if columns is not None:
        file_columns = [str(c) for c in list_columns(file)]
        present = set(frame.columns)
        missing = [c for c in columns if c not in present and c not in optional_columns]
        if missing:
            raise DatasetError(
                f"{name}: column(s) not found: {', '.join(missing)}. The file has: "
                f"{', '.join(file_columns[:50])}{' ...' if len(file_columns) > 50 else ''}."
            )
        frame = frame[[c for c in dict.fromkeys(columns) if c in present]]
    if frame.empty:
        if file.fmt == "jsonl" and not len(frame.columns):
            raise DatasetError(f"{name} has no valid JSON rows.")
        raise DatasetError(f"{name} has a header but no data rows.")
    if file.fmt == "csv":
        frame = frame.apply(_infer_column_dtype)
    frame.columns = [str(c) for c in frame.columns]
    table = LoadedTable(
        frame=frame,
        format=file.fmt,
        malformed_lines=list(malformed.lines),
        file_columns=file_columns,
    )
    if malformed.count:
        table.warnings.append(
            f"{malformed.count} malformed line(s) skipped"
            + (f" (first: line {malformed.lines[0]})." if malformed.lines else ".")
        )
        if malformed.too_long:
            table.warnings.append(
                f"{malformed.too_long:,} of them are JSON lines over "
                f"{MAX_JSONL_LINE_BYTES // 1_000_000} MB, skipped unread."
            )
    return table


def _infer_column_dtype(col: pd.Series) -> pd.Series:
    """Numbers stay numbers; empty strings become missing values.

    A text column is recognised from its first 1,000 values without converting the rest,
    so a long text column is never copied into Python objects.
    """
    col = col.replace("", np.nan)
    present = col.dropna()
    if present.empty:
        return col.astype("object")
    head = present.iloc[:1000]
    if pd.to_numeric(head, errors="coerce").isna().any():
        return col  # text (Arrow-backed strings, missing values NaN)
    converted = pd.to_numeric(col, errors="coerce")
    if converted.notna().sum() == len(present):
        if (converted.dropna() % 1 == 0).all():
            return converted.astype("Int64")
        return converted
    return col


def load_hf_dataset(
    dataset_id: str, *, split: str = "train", max_rows: int = 100_000
) -> LoadedTable:
    """Load a Hugging Face dataset by id (needs network, or the dataset in the local cache)."""
    if not re.fullmatch(r"[\w.\-]+(/[\w.\-]+)?", dataset_id or ""):
        raise DatasetError(f"'{dataset_id}' is not a valid Hugging Face dataset id (owner/name).")
    try:
        import datasets  # noqa: PLC0415 - heavy, imported on demand

        ds = datasets.load_dataset(dataset_id, split=split)
    except Exception as exc:  # datasets raises many types; all mean "could not get it"
        offline = "offline" in str(exc).lower() or "connection" in str(exc).lower()
        hint = (
            " You are offline (HF_HUB_OFFLINE=1) and it is not in the local cache; set "
            "STEWARD_OFFLINE=0 with network access, or download it as a file."
            if offline
            else ""
        )
        raise DatasetError(
            f"Could not load Hugging Face dataset '{dataset_id}' (split '{split}'): "
            f"{type(exc).__name__}.{hint}"
        ) from exc
    n = min(len(ds), max_rows)
    frame = ds.select(range(n)).to_pandas()
    warnings = [f"Only the first {max_rows:,} rows were loaded."] if len(ds) > max_rows else []
    return LoadedTable(frame=frame, format="huggingface", warnings=warnings)


# --------------------------------------------------------------------------------------
# Demo workspace (the generator itself is backend.demo_data)
# --------------------------------------------------------------------------------------
def ensure_demo_workspace(store, settings, *, force: bool = False):
    """Write the demo dataset under ``$STEWARD_HOME/demo`` and register it if missing.

    Returns the :class:`~backend.store.Dataset` row.
    """
    settings.ensure_dirs()
    path = settings.demo_dir / DEMO_FILE
    existing = store.find_dataset(location=str(path))
    if existing is not None and path.is_file() and not force:
        return existing
    frame = generate_demo_dataset()
    tmp = path.with_suffix(".tmp")
    frame.to_csv(tmp, index=False)
    tmp.replace(path)  # atomic: a half-written demo file is never seen
    roles = ColumnRoles(
        text="text", label="label", sensitive=list(DEMO_GROUPS), label_names=DEMO_LABEL_NAMES
    )
    if existing is not None:
        store.update_dataset(
            existing.id,
            n_rows=len(frame),
            columns=list(frame.columns),
            expect_no_pii=True,
            roles=roles.to_dict(),
        )
        return store.get_dataset(existing.id)
    return store.add_dataset(
        name=DEMO_DATASET_NAME,
        source="demo",
        location=str(path),
        format="csv",
        n_rows=len(frame),
        columns=list(frame.columns),
        roles=roles.to_dict(),
        synthetic=True,
        # Meant as fine-tuning data without personal data: the planted PII raises an alert.
        expect_no_pii=True,
        description=(
            "Synthetic comments generated by Steward (seeded) with planted problems: rare "
            "groups, annotation bias against one group, PII, duplicates. No real person."
        ),
    )


def register_dataset(
    store,
    *,
    frame: pd.DataFrame,
    name: str,
    source: str,
    location: str,
    fmt: str,
    roles: ColumnRoles,
    expect_no_pii: bool = False,
) -> Any:
    """Validate roles, then record a dataset and its content hash (nothing is stored if
    validation fails).

    ``expect_no_pii``: the owner says the data should hold no personal data, so an audit
    that finds PII raises an alert (``dataset_pii_rows``).
    """
    from backend.dataset_versions import register_version

    validate_roles(frame, roles)
    fields = {
        "name": name,
        "source": source,
        "location": location,
        "format": fmt,
        "n_rows": len(frame),
        "columns": [str(c) for c in frame.columns],
        "roles": roles.to_dict(),
        "synthetic": False,
        "expect_no_pii": bool(expect_no_pii),
    }
    # Registering the same path (or an upload under the same name) again makes a new
    # version of that dataset, with a diff, instead of a second dataset.
    return register_version(store, fields, frame)


def load_dataset_frame(dataset) -> pd.DataFrame:
    """Read a registered dataset back into memory."""
    if dataset.source == "huggingface":
        return load_hf_dataset(dataset.location).frame
    return load_table(dataset.location, fmt=dataset.format, strict=False).frame


def save_upload(settings, name: str, data: bytes) -> Path:
    """Keep an uploaded file under ``$STEWARD_HOME/uploads`` (content-addressed name).

    The bytes are validated by :func:`load_table` before this is called, so a bad
    upload never lands in the workspace.
    """
    import hashlib

    settings.ensure_dirs()
    digest = hashlib.sha256(data).hexdigest()[:12]
    safe = re.sub(r"[^\w.\-]+", "_", Path(name).name)[-80:] or "upload"
    path = settings.uploads_dir / f"{digest}-{safe}"
    if not path.exists():
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return path
