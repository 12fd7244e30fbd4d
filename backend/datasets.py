"""Datasets: loaders, column-role inference and the demo workspace's registration.

Loaders read CSV, JSONL and Parquet from a path or an uploaded buffer, and Hugging Face
dataset ids through ``datasets`` (online; offline gives a clear message). Every problem
a user can cause raises :class:`~backend.errors.DatasetError` with a readable message;
nothing is written to the store until a file has been read successfully.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from backend.demo_data import DEMO_GROUPS
from backend.demo_data import generate_demo_dataset as generate_demo_dataset  # re-exported
from backend.errors import DatasetError
from backend.tabular import (
    MAX_JSONL_LINE_BYTES,
    Malformed,
    list_columns,
    read_frame,
    table_file,
)

SENSITIVE_NAME_HINTS = (
    "gender",
    "sex",
    "age",
    "age_group",
    "race",
    "ethnicity",
    "religion",
    "nationality",
    "disability",
    "sexual_orientation",
    "orientation",
    "identity",
    "language",
    "country",
    "region",
)
LABEL_NAME_HINTS = ("label", "labels", "target", "y", "class", "toxic", "is_toxic", "sentiment")
TEXT_NAME_HINTS = ("text", "comment", "comment_text", "sentence", "content", "prompt", "body")
DEMO_DATASET_NAME = "Demo: synthetic user comments"
DEMO_FILE = "comments.csv"
#: What the demo's label values mean (set at registration, used by every page).
DEMO_LABEL_NAMES = {"0": "not toxic", "1": "toxic"}


@dataclass
class ColumnRoles:
    """Which column holds the text, the label and the sensitive attributes."""

    text: str | None = None
    label: str | None = None
    sensitive: list[str] = field(default_factory=list)
    #: What each label value means, set once when the dataset is registered:
    #: ``{"1": "toxic", "0": "not toxic"}``. Every page names labels with it.
    label_names: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict | None) -> ColumnRoles:
        data = data or {}
        names = data.get("label_names") or {}
        return cls(
            text=data.get("text"),
            label=data.get("label"),
            sensitive=list(data.get("sensitive", [])),
            label_names={str(k): str(v) for k, v in names.items()}
            if isinstance(names, dict)
            else {},
        )

    def label_name(self, value: Any) -> str:
        """``toxic (label 1)`` when the value has a meaning, else ``label '1'``."""
        return label_name(self.label_names, value)


def label_name(names: dict | None, value: Any) -> str:
    """A label value as people read it: ``toxic (label 1)``, or ``label '1'`` unnamed."""
    key = _label_key(value)
    meaning = (names or {}).get(key)
    return f"{meaning} (label {key})" if meaning else f"label '{key}'"


def _label_key(value: Any) -> str:
    """Label values as stored keys: ``1``, ``1.0`` and ``"1"`` are all ``"1"``."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_label_names(text: str | dict | None) -> dict[str, str]:
    """``"1=toxic, 0=not toxic"`` (or a mapping) -> ``{"1": "toxic", "0": "not toxic"}``.

    Raises :class:`DatasetError` with the entry that is wrong, so the form and the CLI
    say the same thing.
    """
    if not text:
        return {}
    if isinstance(text, dict):
        pairs = [(k, str(v)) for k, v in text.items()]
    else:
        pairs = []
        for part in str(text).split(","):
            if not part.strip():
                continue
            value, sep, meaning = part.partition("=")
            if not sep:
                raise DatasetError(
                    f"Label meanings are 'value=meaning' pairs separated by commas "
                    f"(e.g. 1=toxic, 0=not toxic), not '{part.strip()}'."
                )
            pairs.append((value, meaning))
    out: dict[str, str] = {}
    for value, meaning in pairs:
        key, meaning = _label_key(value), meaning.strip()
        if not key or not meaning:
            raise DatasetError(f"Label meaning '{value}={meaning}' needs both a value and a name.")
        if len(meaning) > 60:
            raise DatasetError(f"Label meaning for {key} is longer than 60 characters.")
        if key in out:
            raise DatasetError(f"Label value {key} is given two meanings.")
        out[key] = meaning
    return out


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
# Column roles
# --------------------------------------------------------------------------------------
def infer_roles(frame: pd.DataFrame) -> ColumnRoles:
    """Guess the text, label and sensitive columns; the UI lets the user override."""
    cols = list(frame.columns)
    lower = {c: c.lower().strip() for c in cols}
    text_like = [c for c in cols if _is_text_column(frame[c])]
    text = next((c for c in cols if lower[c] in TEXT_NAME_HINTS and c in text_like), None)
    if text is None and text_like:
        text = max(text_like, key=lambda c: frame[c].dropna().astype(str).str.len().mean())
    label = None
    for c in cols:
        if c == text:
            continue
        if lower[c] in LABEL_NAME_HINTS and 2 <= frame[c].nunique(dropna=True) <= 20:
            label = c
            break
    sensitive = [
        c
        for c in cols
        if c not in (text, label)
        and any(lower[c] == h or lower[c].startswith(h + "_") for h in SENSITIVE_NAME_HINTS)
        and frame[c].nunique(dropna=True) >= 2
    ]
    return ColumnRoles(text=text, label=label, sensitive=sensitive)


def _is_text_column(col: pd.Series) -> bool:
    values = col.dropna()
    if values.empty or not _string_share(values) > 0.9:
        return False
    return values.astype(str).str.len().mean() >= 15


def _string_share(values: pd.Series) -> float:
    """Share of the (non-missing) values that are strings; a string column is all strings
    without looking at each value (a Python call per row on a million rows took seconds)."""
    if isinstance(values.dtype, pd.StringDtype):
        return 1.0
    return float(values.map(lambda v: isinstance(v, str)).mean())


def validate_roles(frame: pd.DataFrame, roles: ColumnRoles) -> list[str]:
    """Check chosen roles against the data; raise on errors, return warnings."""
    cols = set(frame.columns)
    missing = [c for c in [roles.text, roles.label, *roles.sensitive] if c and c not in cols]
    if missing:
        raise DatasetError(
            f"Column(s) not in the data: {', '.join(missing)}. "
            f"Available: {', '.join(map(str, frame.columns))}."
        )
    if roles.text is None:
        raise DatasetError("Choose the column that holds the text.")
    text_values = frame[roles.text].dropna()
    if text_values.empty:
        raise DatasetError(f"Text column '{roles.text}' is empty.")
    share_str = _string_share(text_values)
    if share_str < 0.5:
        raise DatasetError(
            f"Column '{roles.text}' does not hold text (only {share_str:.0%} of its values are "
            "strings). Choose another text column."
        )
    warnings = []
    if roles.label_names:
        if not roles.label:
            raise DatasetError("Label meanings need a label column.")
        present = {_label_key(v) for v in frame[roles.label].dropna().unique()[:1000]}
        unknown = sorted(set(roles.label_names) - present)
        if unknown:
            raise DatasetError(
                f"Label value(s) {', '.join(unknown)} do not occur in column '{roles.label}' "
                f"(its values: {', '.join(sorted(present)[:10])})."
            )
    if roles.label and frame[roles.label].nunique(dropna=True) < 2:
        warnings.append(f"Label column '{roles.label}' has a single value.")
    for col in roles.sensitive:
        n = frame[col].nunique(dropna=True)
        if n > 50:
            warnings.append(
                f"Sensitive column '{col}' has {n:,} distinct values; charts show the top groups "
                "and 'other'."
            )
    return warnings


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
