"""Stream a dataset in chunks: CSV blocks, Parquet row groups, JSONL lines or a DataFrame.

Only the columns the audit needs are read. Malformed CSV rows and invalid JSON lines are
skipped *and counted* (with the first line numbers), never silently dropped. Each
:class:`Chunk` lazily computes the views the checks share (string texts, normalised
texts, word tokens, group labels) so that tokenising happens once per chunk.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from backend.datasets import detect_format
from backend.errors import DatasetError, os_error_message, require_utf8_name
from backend.observations import finite_number

MISSING = "(missing)"
#: Malformed line numbers kept for the report (the count is always exact).
_MAX_BAD_LINES = 20
#: Longest JSON line read: one record with megabytes of text is not a training example,
#: and parsing and tokenising it would cost seconds and gigabytes (a 50 MB line: 26 s, 1 GB).
MAX_JSONL_LINE_BYTES = 1_000_000


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
            self.path = Path(self.path).expanduser()
            require_utf8_name(self.path)
            if not self.path.exists():
                raise DatasetError(f"File not found: {self.path}")
            if self.path.is_dir():
                raise DatasetError(f"{self.path} is a folder, not a file.")
            try:
                with self.path.open("rb") as fh:
                    fh.read(1)
            except OSError as exc:
                raise DatasetError(f"Cannot read the file: {os_error_message(exc)}") from None
            self.fmt = self.fmt or detect_format(self.path.name)
            self.name = self.name or self.path.name
        else:
            self.fmt = "dataframe"
            self.name = self.name or "dataframe"

    @property
    def size_bytes(self) -> int | None:
        return self.path.stat().st_size if self.path is not None else None


@dataclass
class Malformed:
    """Rows that could not be parsed: exact count, first line numbers."""

    count: int = 0
    lines: list[int] = field(default_factory=list)
    #: Of ``count``: JSON lines longer than :data:`MAX_JSONL_LINE_BYTES`, skipped unread.
    too_long: int = 0

    def add(self, line: int | None) -> None:
        self.count += 1
        if line is not None and len(self.lines) < _MAX_BAD_LINES:
            self.lines.append(int(line))


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

    _last: tuple[object, Chunk] | None = None

    def __init__(self, batch) -> None:
        self.batch = batch
        names = batch.schema.names
        self.sensitive = [n[len(_GROUP_PREFIX) :] for n in names if n.startswith(_GROUP_PREFIX)]
        self.has_label = LABEL in names
        self.has_partition = PART in names

    @classmethod
    def of(cls, batch) -> Chunk:
        """The views of ``batch`` (cached for the most recent batch)."""
        last = cls._last
        if last is not None and last[0] is batch:
            return last[1]
        chunk = cls(batch)
        cls._last = (batch, chunk)  # holds the batch, so its id is not reused meanwhile
        return chunk

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
# Column listing and streaming
# --------------------------------------------------------------------------------------
def _sniff_delimiter(path: Path) -> str:
    with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as fh:
        sample = fh.read(65536)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _csv_header(path: Path, delimiter: str) -> list[str]:
    with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as fh:
        try:
            header = next(csv.reader(fh, delimiter=delimiter))
        except StopIteration as exc:
            raise DatasetError(f"{path.name} is empty.") from exc
    if not header or all(not h.strip() for h in header):
        raise DatasetError(f"{path.name}: the first line must be a header naming the columns.")
    return header


def list_columns(source: AuditSource) -> list[str]:
    """Column names of the source, read without loading the data."""
    if source.frame is not None:
        return [str(c) for c in source.frame.columns]
    assert source.path is not None
    if source.fmt == "csv":
        return _csv_header(source.path, _sniff_delimiter(source.path))
    if source.fmt == "parquet":
        pq = _parquet_file(source.path)
        return list(pq.schema_arrow.names)
    keys: dict[str, None] = {}
    with source.path.open("rb") as fh:
        for lineno, line in _json_lines(fh):
            if lineno > 200:
                break
            if line is None:
                continue
            try:
                obj = json.loads(line.decode("utf-8-sig", errors="replace"))
            except json.JSONDecodeError:
                continue
            if isinstance(obj, dict):
                keys.update(dict.fromkeys(map(str, obj)))
    if not keys:
        raise DatasetError(f"{source.name}: no JSON objects found in the first lines.")
    return list(keys)


def _parquet_file(path: Path):
    import pyarrow.parquet as pq  # noqa: PLC0415

    try:
        return pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise DatasetError(f"{path.name} could not be read as Parquet: {exc}") from exc


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
    assert source.path is not None
    if source.fmt == "csv":
        yield from _iter_csv(source.path, columns, chunk_rows, malformed)
    elif source.fmt == "parquet":
        yield from _iter_parquet(source.path, columns, chunk_rows)
    elif source.fmt == "jsonl":
        yield from _iter_jsonl(source.path, columns, chunk_rows, malformed)
    else:  # pragma: no cover - detect_format only returns the three above
        raise DatasetError(f"Unsupported format {source.fmt}.")


def _iter_csv(
    path: Path, columns: list[str], chunk_rows: int, malformed: Malformed
) -> Iterator[tuple[pd.DataFrame, float]]:
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.csv as pcsv  # noqa: PLC0415

    delimiter = _sniff_delimiter(path)
    header = _csv_header(path, delimiter)
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        raise DatasetError(
            f"{path.name}: duplicate column name(s) in the header: {', '.join(dupes)}."
        )
    # Arrow reads ahead, so the file position says little about progress: count lines
    # once (a fast C loop) and report rows done / lines.
    total_lines = max(1, _count_lines(path) - 1)

    def on_invalid(row) -> str:
        malformed.add(row.number)
        return "skip"

    # Every column as text: types inferred from the first block could break on a later one.
    convert = pcsv.ConvertOptions(
        column_types={c: pa.string() for c in header},
        include_columns=columns,
        strings_can_be_null=True,
        quoted_strings_can_be_null=False,
    )
    # ~120 bytes per row is typical for short-text datasets; blocks are re-chunked below.
    block = int(min(64 << 20, max(1 << 20, chunk_rows * 160)))
    with path.open("rb") as fh:
        try:
            reader = pcsv.open_csv(
                fh,
                read_options=pcsv.ReadOptions(block_size=block, use_threads=False),
                parse_options=pcsv.ParseOptions(
                    delimiter=delimiter, newlines_in_values=True, invalid_row_handler=on_invalid
                ),
                convert_options=convert,
            )
            buffered: list[pd.DataFrame] = []
            n_buffered = done = 0
            for batch in reader:
                buffered.append(batch.to_pandas(types_mapper=None).astype(object))
                n_buffered += batch.num_rows
                while n_buffered >= chunk_rows:
                    frame = pd.concat(buffered, ignore_index=True)
                    done += chunk_rows
                    yield _objects(frame.iloc[:chunk_rows]), min(0.99, done / total_lines)
                    rest = frame.iloc[chunk_rows:]
                    buffered, n_buffered = [rest], len(rest)
            if n_buffered:
                yield _objects(pd.concat(buffered, ignore_index=True)), 1.0
        except pa.ArrowInvalid as exc:
            if "invalid UTF8" in str(exc):
                where = re.search(r"Row #(\d+)", str(exc))
                at = f" (row {where.group(1)})" if where else ""
                raise DatasetError(
                    f"{path.name} is not valid UTF-8{at}. Re-save it as UTF-8 and try again."
                ) from exc
            raise DatasetError(f"{path.name} could not be parsed as CSV: {exc}") from exc
        except UnicodeDecodeError as exc:
            raise DatasetError(f"{path.name} is not valid UTF-8.") from exc


def _count_lines(path: Path) -> int:
    lines = 0
    with path.open("rb") as fh:
        while block := fh.read(16 << 20):
            lines += block.count(b"\n")
    return lines


def _objects(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.reset_index(drop=True).astype(object)
    return frame.where(frame.notna(), None)


def _iter_parquet(
    path: Path, columns: list[str], chunk_rows: int
) -> Iterator[tuple[pd.DataFrame, float]]:
    pq = _parquet_file(path)
    total = max(1, pq.metadata.num_rows)
    done = 0
    try:
        for batch in pq.iter_batches(batch_size=chunk_rows, columns=columns):
            done += batch.num_rows
            yield _objects(batch.to_pandas()), min(1.0, done / total)
    except Exception as exc:  # corrupt row group
        raise DatasetError(f"{path.name}: Parquet data could not be read ({exc}).") from exc


def _json_lines(fh, limit: int = MAX_JSONL_LINE_BYTES) -> Iterator[tuple[int, bytes | None]]:
    """``(line number, raw line)``; ``None`` for a line over ``limit`` bytes, which is
    skipped in 1 MB reads without being held in memory."""
    lineno = 0
    while True:
        raw = fh.readline(limit + 1)
        if not raw:
            return
        lineno += 1
        if len(raw) > limit and not raw.endswith(b"\n"):
            while True:  # skip the rest of the long line
                rest = fh.readline(1 << 20)
                if not rest or rest.endswith(b"\n"):
                    break
            yield lineno, None
            continue
        yield lineno, raw


def _iter_jsonl(
    path: Path, columns: list[str], chunk_rows: int, malformed: Malformed
) -> Iterator[tuple[pd.DataFrame, float]]:
    size = max(1, path.stat().st_size)
    with path.open("rb") as fh:
        head = fh.read(1024).lstrip()
    if head.startswith(b"["):
        # A JSON array is not streamable; read it whole (it was small enough to write so).
        try:
            records = json.loads(path.read_text(encoding="utf-8-sig"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise DatasetError(f"{path.name} is not valid JSON: {exc}") from exc
        frame = pd.DataFrame.from_records([r for r in records if isinstance(r, dict)])
        for r in records:
            if not isinstance(r, dict):
                malformed.add(None)
        for col in columns:
            if col not in frame.columns:
                frame[col] = None
        yield from iter_frames(AuditSource(frame=frame), columns, chunk_rows, malformed)
        return
    rows: list[list[object]] = []
    read = 0
    with path.open("rb") as fh:
        for lineno, raw in _json_lines(fh):
            if raw is None:
                malformed.add(lineno)
                malformed.too_long += 1
                read = fh.tell()
                continue
            read += len(raw)
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError):
                malformed.add(lineno)
                continue
            if not isinstance(obj, dict):
                malformed.add(lineno)
                continue
            rows.append([obj.get(c) for c in columns])
            if len(rows) >= chunk_rows:
                yield pd.DataFrame(rows, columns=columns, dtype=object), min(0.99, read / size)
                rows = []
    if rows:
        yield pd.DataFrame(rows, columns=columns, dtype=object), 1.0


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
