"""Stream a dataset in chunks: CSV blocks, Parquet row groups, JSONL lines or a DataFrame.

Only the columns the audit needs are read. Malformed CSV rows and invalid JSON lines are
skipped *and counted* (with the first line numbers), never silently dropped. Each
:class:`Chunk` lazily computes the views the checks share (string texts, normalised
texts, word tokens, group labels) so that tokenising happens once per chunk.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from backend.errors import DatasetError
from backend.observations import finite_number
from backend.tabular import Malformed, TableFile, check_path, detect_format
from backend.tabular import iter_frames as iter_table_frames
from backend.tabular import list_columns as table_columns

MISSING = "(missing)"
#: Arrow's CSV block for the audit's stream (the reader's default is 8 MB): the reader's
#: read-ahead buffers scale with it, and at 8 MB they made the peak memory swing by
#: ~200 MB from run to run. A file with a longer row is read again with the default block.
CSV_BLOCK_BYTES = 1 << 20
#: Batches whose shared views :meth:`Chunk.of` keeps (the current one, one read ahead and
#: one on a second thread).
_RECENT_CHUNKS = 3


@dataclass
class AuditSource:
    """A file path (CSV, JSONL, Parquet) or an in-memory DataFrame to audit."""

    path: Path | None = None
    frame: pd.DataFrame | None = None
    name: str = ""
    fmt: str | None = None

    def __post_init__(self) -> None:
        if (self.path is None) == (self.frame is None):
            raise ValueError("Give exactly one of path or frame.")
        if self.path is not None:
            self.path = check_path(self.path)
            self.fmt = self.fmt or detect_format(self.path.name)
            self.name = self.name or self.path.name
        else:
            self.fmt = "dataframe"
            self.name = self.name or "dataframe"

    @property
    def size_bytes(self) -> int | None:
        return self.path.stat().st_size if self.path is not None else None


#: Trimmed from both ends of every word token.
_PUNCT = "!\"#$%&'()*+,./:;<=>?@[\\]^_`{|}~-’‘“”«»…–—¿¡"


def normalise_text(text: str) -> str:
    """Python twin of :attr:`Chunk.normalised_arrow` (lower-case, collapsed whitespace)."""
    return " ".join(text.lower().split())


#: Column names of the canonical record batch every check reads (see :func:`canonical_batch`).
ROW = "__row"
TEXT = "__text"
NON_TEXT = "__non_text"
LABEL = "__label"
PART = "__part"
_GROUP_PREFIX = "__g:"


def group_field(column: str) -> str:
    """Name of a sensitive column's field in the canonical batch."""
    return _GROUP_PREFIX + column


def canonical_batch(
    frame: pd.DataFrame,
    *,
    text_col: str,
    label_col: str | None = None,
    sensitive: list[str] | tuple[str, ...] = (),
    start_row: int = 0,
    partition: np.ndarray | str | None = None,
    label_mode: str = "categorical",
):
    """One chunk of a dataset as the typed Arrow record batch the checks read.

    Fields: ``__row`` (0-based row number in the file, int64), ``__text`` (string; null for
    missing and non-string values), ``__non_text`` (a value is present but not a string),
    ``__label`` (normalised label string, null when missing; only with a label column),
    ``__part`` (split or file of each row, for leakage; only when given) and one
    ``__g:<column>`` string field per sensitive column (``(missing)`` for missing values).
    Normalising once here means every check, locally or on a Ray worker, sees the same
    values.
    """
    import pyarrow as pa  # noqa: PLC0415

    n = len(frame)
    column = frame[text_col]
    if pd.api.types.infer_dtype(column, skipna=True) in ("string", "empty"):
        # Every value is a string or missing (the usual case): one vectorised conversion
        # instead of two Python loops over the rows.
        text_array = pa.array(column, type=pa.large_string(), from_pandas=True)
        non_text_array = pa.array(np.zeros(n, dtype=bool))
    else:
        raw = column.tolist()
        texts = [t if isinstance(t, str) else None for t in raw]
        non_text = [t is not None and not isinstance(t, str) and not _is_nan(t) for t in raw]
        text_array = pa.array(texts, type=pa.large_string())
        non_text_array = pa.array(non_text, type=pa.bool_())
    arrays = {
        ROW: pa.array(np.arange(start_row, start_row + n, dtype=np.int64)),
        TEXT: text_array,
        NON_TEXT: non_text_array,
    }
    if label_col:
        arrays[LABEL] = pa.array(_labels(frame[label_col], label_mode).tolist(), type=pa.string())
    if partition is not None:
        if isinstance(partition, str):
            arrays[PART] = pa.array([partition] * n, type=pa.string())
        else:
            arrays[PART] = pa.array(partition.tolist(), type=pa.string())
    for col in sensitive:
        arrays[group_field(col)] = pa.array(_groups(frame[col]).tolist(), type=pa.string())
    return pa.RecordBatch.from_pydict(arrays)


def _groups(values: pd.Series) -> np.ndarray:
    if pd.api.types.infer_dtype(values, skipna=True) == "string":
        # Fast path (CSV columns are all strings): vectorised strip + missing.
        stripped = _strip_strings(values)
        return np.where(stripped == "", MISSING, stripped).astype(object)
    return np.array(
        [MISSING if _is_missing(v) else _group_str(v) for v in values.tolist()], dtype=object
    )


def _labels(series: pd.Series, label_mode: str) -> np.ndarray:
    values = series.tolist()
    if label_mode == "binarised":
        out = []
        for v in values:
            num = finite_number(v, booleans=True)
            out.append(None if num is None else ("1" if num >= 0.5 else "0"))
        return np.array(out, dtype=object)
    if pd.api.types.infer_dtype(series, skipna=True) == "string":
        import pyarrow as pa  # noqa: PLC0415
        import pyarrow.compute as pc  # noqa: PLC0415

        stripped = _strip_strings(series)
        # "1.0" and "1" are the same label; empty strings are missing.
        cleaned = pc.replace_substring_regex(
            pa.array(stripped, pa.large_string()), r"^(-?\d+)\.0+$", r"\1"
        ).to_numpy(zero_copy_only=False)
        return np.where(stripped == "", None, cleaned).astype(object)
    return np.array([None if _is_missing(v) else _label_str(v) for v in values], dtype=object)


class Chunk:
    """Shared, lazily computed views of one canonical record batch.

    Several checks read the same batch one after another: :meth:`of` returns the same
    :class:`Chunk` for the same batch object, so tokenising happens once per batch.
    """

    #: The views of the most recent batches, ``(batch, chunk)``: checks on two threads and
    #: a batch read ahead must not evict each other's views.
    _recent: list[tuple[object, Chunk]] = []
    _recent_lock = threading.Lock()

    def __init__(self, batch) -> None:
        self.batch = batch
        names = batch.schema.names
        self.sensitive = [n[len(_GROUP_PREFIX) :] for n in names if n.startswith(_GROUP_PREFIX)]
        self.has_label = LABEL in names
        self.has_partition = PART in names

    @classmethod
    def of(cls, batch) -> Chunk:
        """The views of ``batch`` (cached for the most recent batch)."""
        with cls._recent_lock:
            for seen, chunk in cls._recent:
                if seen is batch:
                    return chunk
            chunk = cls(batch)
            # Holding the batch keeps its identity from being reused meanwhile.
            cls._recent = [(batch, chunk), *cls._recent[: _RECENT_CHUNKS - 1]]
            return chunk

    @classmethod
    def forget(cls) -> None:
        """Drop the kept views (the stream has ended: they would hold its last batches)."""
        with cls._recent_lock:
            cls._recent = []

    def __len__(self) -> int:
        return self.batch.num_rows

    @cached_property
    def rows(self) -> np.ndarray:
        """0-based row number of each row in the dataset."""
        return self.batch.column(ROW).to_numpy(zero_copy_only=False).astype(np.int64)

    @property
    def start_row(self) -> int:
        return int(self.rows[0]) if len(self.rows) else 0

    @cached_property
    def texts(self) -> list[str | None]:
        """Text values; missing and non-string values are ``None``."""
        return self.arrow_text.to_pylist()

    @cached_property
    def non_text_mask(self) -> np.ndarray:
        """Values that are present but not strings (numbers, lists, booleans...)."""
        return self.batch.column(NON_TEXT).to_numpy(zero_copy_only=False).astype(bool)

    @property
    def arrow_text(self):
        """The texts as an Arrow string array (null for missing and non-string values)."""
        return self.batch.column(TEXT)

    @cached_property
    def partition(self) -> np.ndarray | None:
        """Split or file of each row (for leakage), or ``None``."""
        if not self.has_partition:
            return None
        return np.asarray(self.batch.column(PART).to_numpy(zero_copy_only=False), dtype=object)

    @cached_property
    def split_lower(self):
        """Lower-cased texts split on whitespace (Arrow list array; null for missing)."""
        import pyarrow.compute as pc  # noqa: PLC0415

        return pc.utf8_split_whitespace(pc.utf8_trim_whitespace(pc.utf8_lower(self.arrow_text)))

    @cached_property
    def normalised_arrow(self):
        """Lower-cased, whitespace-collapsed texts ("" for missing): the exact-duplicate key."""
        import pyarrow as pa  # noqa: PLC0415
        import pyarrow.compute as pc  # noqa: PLC0415

        joined = pc.binary_join(self.split_lower, pa.scalar(" ", pa.large_string()))
        return pc.fill_null(joined, "")

    @cached_property
    def normalised(self) -> list[str]:
        return self.normalised_arrow.to_pylist()

    @cached_property
    def token_array(self):
        """Word tokens per row (Arrow list array): whitespace-split words with surrounding
        punctuation trimmed ("co-op" and "don't" stay whole); rows without words are empty.
        """
        import pyarrow as pa  # noqa: PLC0415
        import pyarrow.compute as pc  # noqa: PLC0415

        split = self.split_lower
        n = len(split)
        lengths = pc.fill_null(pc.list_value_length(split), 0).to_numpy(zero_copy_only=False)
        trimmed = pc.utf8_trim(pc.list_flatten(split), characters=_PUNCT)
        keep = pc.greater(pc.utf8_length(trimmed), 0).to_numpy(zero_copy_only=False)
        rows = np.repeat(np.arange(n), lengths.astype(np.int64))
        counts = np.bincount(rows[keep], minlength=n)
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        return pa.LargeListArray.from_arrays(pa.array(offsets), trimmed.filter(pa.array(keep)))

    @cached_property
    def token_lists(self) -> list[list[str]]:
        """:attr:`token_array` as Python lists (empty list for rows without words)."""
        return [toks or [] for toks in self.token_array.to_pylist()]

    def groups(self, col: str) -> np.ndarray:
        """Group label per row as strings; missing values are ``(missing)``."""
        cache = self.__dict__.setdefault("_groups", {})
        if col not in cache:
            column = self.batch.column(group_field(col))
            cache[col] = np.asarray(column.to_numpy(zero_copy_only=False), dtype=object)
        return cache[col]

    @cached_property
    def labels(self) -> np.ndarray | None:
        """Normalised label per row (``None`` when missing)."""
        if not self.has_label:
            return None
        return np.asarray(self.batch.column(LABEL).to_numpy(zero_copy_only=False), dtype=object)


def _strip_strings(values: pd.Series) -> np.ndarray:
    """Stripped strings as an object array, "" for missing (Arrow, vectorised)."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415

    arr = pa.array(values.tolist(), type=pa.large_string(), from_pandas=True)
    out = pc.fill_null(pc.utf8_trim_whitespace(arr), "")
    return np.asarray(out.to_numpy(zero_copy_only=False), dtype=object)


def pair_counts(a: np.ndarray, b: np.ndarray) -> dict[tuple, int]:
    """Counts of each (a, b) value pair, vectorised (factorize + bincount)."""
    if len(a) == 0:
        return {}
    ca, ua = pd.factorize(a, use_na_sentinel=False)
    cb, ub = pd.factorize(b, use_na_sentinel=False)
    counts = np.bincount(ca.astype(np.int64) * len(ub) + cb, minlength=len(ua) * len(ub))
    nz = np.flatnonzero(counts)
    return {(ua[k // len(ub)], ub[k % len(ub)]): int(counts[k]) for k in nz.tolist()}


def value_counts(a: np.ndarray) -> dict:
    """Counts of each value, vectorised."""
    if len(a) == 0:
        return {}
    codes, uniques = pd.factorize(a, use_na_sentinel=False)
    counts = np.bincount(codes)
    return {uniques[i]: int(c) for i, c in enumerate(counts.tolist()) if c}


def _is_nan(v: object) -> bool:
    return isinstance(v, float) and math.isnan(v)


def _is_missing(v: object) -> bool:
    if v is None or v is pd.NA or v is pd.NaT or _is_nan(v):
        return True
    return isinstance(v, str) and not v.strip()


def _group_str(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _label_str(v: object) -> str:
    if isinstance(v, bool | np.bool_):
        return "1" if v else "0"
    if isinstance(v, float | np.floating) and float(v).is_integer():
        return str(int(v))
    if isinstance(v, str):
        s = v.strip()
        try:
            f = float(s)
        except ValueError:
            return s
        return str(int(f)) if f.is_integer() else s
    return str(v)


# --------------------------------------------------------------------------------------
# Column listing and streaming (the reader is backend.tabular, shared with load_table)
# --------------------------------------------------------------------------------------
def _table_file(source: AuditSource) -> TableFile:
    assert source.path is not None and source.fmt is not None
    return TableFile(name=source.path.name, fmt=source.fmt, path=source.path)


def list_columns(source: AuditSource) -> list[str]:
    """Column names of the source, read without loading the data."""
    if source.frame is not None:
        return [str(c) for c in source.frame.columns]
    return table_columns(_table_file(source))


def iter_frames(
    source: AuditSource, columns: list[str], chunk_rows: int, malformed: Malformed
) -> Iterator[tuple[pd.DataFrame, float]]:
    """Yield ``(frame, fraction_done)`` with only ``columns``, as object columns."""
    if source.frame is not None:
        frame = source.frame
        n = len(frame)
        for start in range(0, n, chunk_rows):
            part = frame.iloc[start : start + chunk_rows][columns]
            yield part.astype(object).where(part.notna(), None), min(1.0, (start + len(part)) / n)
        return
    done = 0  # rows yielded so far
    for block in (CSV_BLOCK_BYTES, None):
        attempt = Malformed()
        chunks = iter_table_frames(
            _table_file(source),
            columns=columns,
            chunk_rows=chunk_rows,
            malformed=attempt,
            block_bytes=block,
        )
        seen = 0  # rows read in this attempt
        try:
            for frame, fraction in chunks:
                seen += len(frame)
                if seen <= done:
                    continue  # yielded by the first attempt
                if seen - len(frame) < done:
                    frame = frame.iloc[done - (seen - len(frame)) :]
                done = seen
                yield _objects(frame.reindex(columns=columns)), fraction
        except DatasetError as exc:
            # A row longer than the small block: read again with the reader's default
            # block, skipping the rows already audited.
            if block is None or "straddl" not in str(exc):
                raise
            continue
        finally:
            malformed.count, malformed.lines = attempt.count, attempt.lines
            malformed.too_long = attempt.too_long
        return


def arrow_frame(table, columns: list[str]) -> pd.DataFrame:
    """Rows read by Arrow elsewhere (the Ray engine's workers) as :func:`iter_frames`
    yields them: only ``columns``, object values, ``None`` for missing."""
    return _objects(table.to_pandas().reindex(columns=columns))


def _objects(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.reset_index(drop=True).astype(object)
    return frame.where(frame.notna(), None)


def check_text_column(frame: pd.DataFrame, text_col: str) -> None:
    """Refuse a text column that holds numbers or categories (with a clear message)."""
    values = [v for v in frame[text_col].tolist() if not _is_missing(v)]
    if not values:
        return  # an all-empty first chunk is reported by the text statistics
    non_str = sum(not isinstance(v, str) for v in values)
    numeric = sum(isinstance(v, str) and finite_number(v) is not None for v in values)
    share = (non_str + numeric) / len(values)
    if share >= 0.9:
        raise DatasetError(
            f"Column '{text_col}' does not hold text: {share:.0%} of its values are numbers or "
            "other non-text values. Choose the column that holds the text."
        )
    strings = [v for v in values if isinstance(v, str)]
    if len(strings) >= 200:
        distinct = len(set(strings))
        mean_len = sum(map(len, strings)) / len(strings)
        if distinct <= 20 and mean_len < 15:
            raise DatasetError(
                f"Column '{text_col}' looks like a category column ({distinct} distinct short "
                "values), not free text. Choose the column that holds the text."
            )
