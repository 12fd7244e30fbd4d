"""One tabular reader: CSV, JSONL and Parquet files, streamed in chunks or read whole.

Every part of Steward that reads a user's table comes here: the upload form, fairness and
fine-tuning through :func:`backend.datasets.load_table` (the whole table, or only the
named columns), and the dataset audit chunk by chunk (:func:`iter_frames`), for files
larger than memory. A whole-table read is the streamed chunks put together, so both see
the same rows, the same malformed lines and the same errors.

* **CSV** is parsed by Arrow (``pyarrow.csv``, in C++), one block at a time, every column as
  text (types guessed from a first block can break on a later one). Only the named columns
  are converted, so a 100,000-column file costs what its used columns cost. The delimiter
  is sniffed from the first 64 KiB (``,``, ``;``, tab or ``|``).
* **JSONL** is read line by line; a line longer than :data:`MAX_JSONL_LINE_BYTES` is skipped
  unread and named. A JSON array of objects is accepted too (read whole: it cannot stream).
* **Parquet** is read row group by row group, with only the named columns.

Malformed rows (ragged CSV lines, invalid JSON lines) raise a :class:`DatasetError` that
names the line with ``strict=True``; otherwise they are skipped and counted in a
:class:`Malformed`, with their first line numbers, never silently dropped. Everything a
user can get wrong ends in one readable :class:`DatasetError` line.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, BinaryIO

import pandas as pd

from backend.errors import DatasetError, os_error_message, over_size_limit, require_utf8_name

FORMATS = ("csv", "jsonl", "parquet")
#: Widest CSV read without naming the columns to keep (a 100,000-column file took 103 s
#: through Python's csv module).
MAX_COLUMNS = 10_000
#: Longest JSON line read: one record with megabytes of text is not a training example,
#: and parsing and tokenising it would cost seconds and gigabytes (a 50 MB line: 26 s, 1 GB).
MAX_JSONL_LINE_BYTES = 1_000_000
#: Malformed line numbers kept for reports (the count is always exact).
MAX_BAD_LINES = 20
_SNIFF_BYTES = 65536
#: Arrow CSV block size: ~8 MB parses at full speed and bounds what one block holds.
_CSV_BLOCK_BYTES = 8 << 20


def detect_format(name: str) -> str:
    """Format from a file name: csv, jsonl (also .json, .ndjson) or parquet."""
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix in ("csv", "tsv", "txt"):
        return "csv"
    if suffix in ("jsonl", "ndjson", "json"):
        return "jsonl"
    if suffix in ("parquet", "pq"):
        return "parquet"
    raise DatasetError(
        f"Unsupported file type '.{suffix}' for {Path(name).name}: use CSV, JSONL or Parquet."
    )


@dataclass
class Malformed:
    """Rows that could not be parsed: exact count, first line numbers."""

    count: int = 0
    lines: list[int] = field(default_factory=list)
    #: Of ``count``: JSON lines longer than :data:`MAX_JSONL_LINE_BYTES`, skipped unread.
    too_long: int = 0

    def add(self, line: int | None) -> None:
        self.count += 1
        if line is not None and len(self.lines) < MAX_BAD_LINES:
            self.lines.append(int(line))


@dataclass(frozen=True)
class TableFile:
    """A table to read: a file on disk, or the bytes of an upload, with its name and format."""

    name: str
    fmt: str
    path: Path | None = None
    data: bytes | None = None

    def open(self) -> BinaryIO:
        if self.data is not None:
            return io.BytesIO(self.data)
        assert self.path is not None
        return self.path.open("rb")

    @property
    def size(self) -> int:
        if self.data is not None:
            return len(self.data)
        assert self.path is not None
        return self.path.stat().st_size


def check_path(source: str | Path) -> Path:
    """The path of a readable file, or one clear :class:`DatasetError` saying why not."""
    path = Path(source).expanduser()
    require_utf8_name(path)
    if not path.exists():
        raise DatasetError(f"File not found: {path}")
    if path.is_dir():
        raise DatasetError(f"{path} is a folder, not a file.")
    try:
        with path.open("rb") as fh:
            fh.read(1)
    except OSError as exc:
        raise DatasetError(f"Cannot read the file: {os_error_message(exc)}") from None
    return path


def table_file(
    source: str | Path | bytes | IO[bytes],
    *,
    fmt: str | None = None,
    name: str | None = None,
    max_bytes: int | None = None,
) -> TableFile:
    """Check a path, upload buffer or bytes and say what format it is read as.

    Refuses, in one line each: a missing, unreadable or too large file, an unknown format,
    an empty file, and a binary file given as CSV or JSONL.
    """
    path = data = None
    if isinstance(source, bytes):
        data, found = source, "upload"
    elif hasattr(source, "read"):
        data, found = source.read(), getattr(source, "name", "upload")
    else:
        path = check_path(source)
        found = path.name
    name = name or found
    size = len(data) if data is not None else path.stat().st_size  # type: ignore[union-attr]
    if max_bytes is not None and size > max_bytes:
        raise DatasetError(over_size_limit(name, size, max_bytes))
    fmt = fmt or detect_format(name)
    if fmt not in FORMATS:
        raise DatasetError(f"Unknown format '{fmt}': use one of {', '.join(FORMATS)}.")
    table = TableFile(name=name, fmt=fmt, path=path, data=data)
    with table.open() as fh:
        head = fh.read(_SNIFF_BYTES)
        blank = not head.strip()
        while blank and (block := fh.read(1 << 20)):  # whitespace so far: look further
            blank = not block.strip()
    if blank:
        raise DatasetError(f"{name} is empty.")
    if fmt == "parquet":
        if not head.startswith(b"PAR1"):
            raise DatasetError(f"{name} is not a Parquet file (missing PAR1 header).")
    elif b"\x00" in head[:8192]:
        raise DatasetError(
            f"{name} looks like a binary file, not text. Upload a CSV, JSONL or Parquet file."
        )
    return table


# --------------------------------------------------------------------------------------
# Columns
# --------------------------------------------------------------------------------------
def sniff_delimiter(file: TableFile) -> str:
    """The CSV delimiter (``,``, ``;``, tab or ``|``) guessed from the first 64 KiB."""
    with file.open() as fh:
        sample = fh.read(_SNIFF_BYTES).decode("utf-8-sig", errors="replace")
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def csv_header(file: TableFile, delimiter: str) -> list[str]:
    """The CSV header's column names, checked: present, named, no name twice."""
    with file.open() as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
        try:
            header = next(csv.reader(text, delimiter=delimiter))
        except StopIteration as exc:
            raise DatasetError(f"{file.name} is empty.") from exc
        except csv.Error as exc:
            raise DatasetError(f"{file.name}: the header line cannot be parsed ({exc}).") from exc
    if not header or all(not h.strip() for h in header):
        raise DatasetError(f"{file.name}: the first line must be a header naming the columns.")
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        raise DatasetError(
            f"{file.name}: duplicate column name(s) in the header: {', '.join(dupes)}."
        )
    return header


def list_columns(file: TableFile) -> list[str]:
    """Column names, read without loading the data (JSONL: keys of the first 200 lines)."""
    if file.fmt == "csv":
        return csv_header(file, sniff_delimiter(file))
    if file.fmt == "parquet":
        return list(_parquet_file(file).schema_arrow.names)
    keys: dict[str, None] = {}
    with file.open() as fh:
        for lineno, line in json_lines(fh):
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
        raise DatasetError(f"{file.name}: no JSON objects found in the first lines.")
    return list(keys)


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------
def iter_frames(
    file: TableFile,
    *,
    columns: list[str] | None = None,
    chunk_rows: int = 50_000,
    strict: bool = False,
    malformed: Malformed | None = None,
    block_bytes: int | None = None,
) -> Iterator[tuple[pd.DataFrame, float]]:
    """Yield ``(frame, fraction_done)`` chunks of at most ``chunk_rows`` rows.

    ``columns`` keeps only those columns (all when ``None``); a named column the file does
    not have is left out (callers say which one is missing). CSV values are text
    (missing: NaN), JSONL and Parquet values keep their JSON / Parquet types.
    ``block_bytes`` is Arrow's CSV block (default :data:`_CSV_BLOCK_BYTES`): smaller blocks
    hold less memory, but a row longer than a block cannot be parsed.
    """
    malformed = malformed if malformed is not None else Malformed()
    if file.fmt == "jsonl":
        yield from _iter_jsonl(file, columns, chunk_rows, strict, malformed)
        return
    batches = _arrow_batches(
        file, columns, strict, malformed, block_rows=chunk_rows, block_bytes=block_bytes
    )
    total = _count_rows(file)
    pending: list = []
    n_pending = done = 0
    for batch in batches:
        pending.append(batch)
        n_pending += batch.num_rows
        while n_pending >= chunk_rows:
            frame = _to_pandas(pending)
            done += chunk_rows
            yield frame.iloc[:chunk_rows].reset_index(drop=True), min(0.99, done / total)
            rest = frame.iloc[chunk_rows:].reset_index(drop=True)
            pending, n_pending = [rest], len(rest)
    if n_pending:
        yield _to_pandas(pending), 1.0


def read_frame(
    file: TableFile,
    *,
    columns: list[str] | None = None,
    strict: bool = True,
    malformed: Malformed | None = None,
) -> pd.DataFrame:
    """The whole table (or only ``columns``) as one DataFrame: :func:`iter_frames`' chunks,
    kept in Arrow until the end so a large CSV never becomes millions of Python rows."""
    malformed = malformed if malformed is not None else Malformed()
    if file.fmt == "jsonl":
        frames = [f for f, _ in _iter_jsonl(file, columns, 100_000, strict, malformed)]
        if not frames:
            return pd.DataFrame()
        # Object chunks, typed once at the end: a column is numeric only if every chunk is.
        return pd.concat(frames, ignore_index=True, sort=False).infer_objects()
    batches = list(_arrow_batches(file, columns, strict, malformed, block_rows=1 << 20))
    if not batches:  # a header and no rows
        names = list_columns(file)
        return pd.DataFrame(columns=[c for c in names if columns is None or c in columns])
    return _to_pandas(batches)


def _to_pandas(parts: list) -> pd.DataFrame:
    """Arrow batches (and leftover DataFrames) as one DataFrame."""
    import pyarrow as pa  # noqa: PLC0415

    frames = [p for p in parts if isinstance(p, pd.DataFrame)]
    batches = [p for p in parts if not isinstance(p, pd.DataFrame)]
    if batches:
        frames.append(pa.Table.from_batches(batches).to_pandas(split_blocks=True))
    if len(frames) == 1:
        return frames[0]
    return pd.concat(frames, ignore_index=True)


def _count_rows(file: TableFile) -> int:
    """Rows to expect, for progress: Parquet's metadata, else lines after the header.

    Arrow reads ahead, so the file position says little about progress: counting newlines
    once is a fast C loop.
    """
    if file.fmt == "parquet":
        return max(1, _parquet_file(file).metadata.num_rows)
    lines = 0
    with file.open() as fh:
        while block := fh.read(16 << 20):
            lines += block.count(b"\n")
    return max(1, lines - 1)


def _arrow_batches(
    file: TableFile,
    columns: list[str] | None,
    strict: bool,
    malformed: Malformed,
    *,
    block_rows: int,
    block_bytes: int | None = None,
) -> Iterator:
    if file.fmt == "parquet":
        yield from _parquet_batches(file, columns, block_rows)
    else:
        yield from _csv_batches(file, columns, strict, malformed, block_bytes)


def arrow_csv_options(
    file: TableFile,
    columns: list[str] | None,
    on_invalid,
    *,
    delimiter: str | None = None,
    header: list[str] | None = None,
    block_bytes: int | None = None,
) -> dict:
    """``read_options``, ``parse_options`` and ``convert_options`` for Arrow's CSV reader:
    the ones this module reads with, also given to Ray Data's ``read_csv`` by the audit's
    Ray engine so that its workers parse a file exactly alike. ``on_invalid(row)`` is
    Arrow's invalid-row handler."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.csv as pcsv  # noqa: PLC0415

    delimiter = delimiter or sniff_delimiter(file)
    header = header if header is not None else csv_header(file, delimiter)
    wanted = header if columns is None else [c for c in header if c in set(columns)]
    return {
        # One thread: Arrow then numbers the rows it hands to ``on_invalid``.
        "read_options": pcsv.ReadOptions(
            block_size=block_bytes or _CSV_BLOCK_BYTES, use_threads=False
        ),
        "parse_options": pcsv.ParseOptions(
            delimiter=delimiter, newlines_in_values=True, invalid_row_handler=on_invalid
        ),
        "convert_options": pcsv.ConvertOptions(
            column_types={c: pa.string() for c in wanted},
            include_columns=wanted,
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    }


def _csv_batches(
    file: TableFile,
    columns: list[str] | None,
    strict: bool,
    malformed: Malformed,
    block_bytes: int | None = None,
) -> Iterator:
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.csv as pcsv  # noqa: PLC0415

    delimiter = sniff_delimiter(file)
    header = csv_header(file, delimiter)
    if columns is None and len(header) > MAX_COLUMNS:
        raise DatasetError(
            f"{file.name} has {len(header):,} columns (at most {MAX_COLUMNS:,} are read when no "
            "columns are named). Name the columns to use (text, label...) or drop the others."
        )
    ragged: list = []

    def on_invalid(row) -> str:
        if strict:
            ragged.append(row)
            return "error"
        malformed.add(row.number)
        return "skip"

    options = arrow_csv_options(
        file, columns, on_invalid, delimiter=delimiter, header=header, block_bytes=block_bytes
    )
    with file.open() as fh:
        try:
            reader = pcsv.open_csv(fh, **options)
            for batch in reader:
                if batch.num_rows:
                    yield batch
        except pa.ArrowInvalid as exc:
            if ragged:
                row = ragged[0]
                raise DatasetError(
                    f"{file.name}: line {row.number} has {row.actual_columns} field(s) but the "
                    f"header has {row.expected_columns}. Fix the row or quote fields that "
                    f"contain '{delimiter}'."
                ) from None
            if "invalid UTF8" in str(exc):
                raise DatasetError(_not_utf8(file)) from None
            raise DatasetError(f"{file.name} could not be parsed as CSV: {exc}") from None


def _not_utf8(file: TableFile) -> str:
    """Where the first byte that is not UTF-8 sits (line and offset), said in one line."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, line = 0, 1
    where = ""
    with file.open() as fh:
        while block := fh.read(1 << 20):
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                start = max(0, exc.start - pending)
                line += block[:start].count(b"\n")
                where = f" (first bad byte at line {line}, byte {offset + start})"
                break
            line += block.count(b"\n")
            offset += len(block)
    return f"{file.name} is not valid UTF-8{where}. Re-save it as UTF-8 and try again."


def _parquet_file(file: TableFile):
    import pyarrow.parquet as pq  # noqa: PLC0415

    try:
        return pq.ParquetFile(file.open())
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise DatasetError(f"{file.name} could not be read as Parquet: {exc}") from exc


def _parquet_batches(file: TableFile, columns: list[str] | None, block_rows: int) -> Iterator:
    pq = _parquet_file(file)
    if columns is not None:
        present = set(pq.schema_arrow.names)
        columns = [c for c in dict.fromkeys(columns) if c in present]
    try:
        yield from pq.iter_batches(batch_size=block_rows, columns=columns)
    except Exception as exc:  # a corrupt row group
        raise DatasetError(f"{file.name}: Parquet data could not be read ({exc}).") from exc


def json_lines(fh, limit: int = MAX_JSONL_LINE_BYTES) -> Iterator[tuple[int, bytes | None]]:
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
    file: TableFile,
    columns: list[str] | None,
    chunk_rows: int,
    strict: bool,
    malformed: Malformed,
) -> Iterator[tuple[pd.DataFrame, float]]:
    with file.open() as fh:
        head = fh.read(1024).lstrip()
    if head.lstrip(codecs.BOM_UTF8).startswith(b"["):
        yield from _json_array(file, columns, chunk_rows, strict, malformed)
        return
    size = max(1, file.size)
    records: list[dict] = []
    read = 0
    with file.open() as fh:
        for lineno, raw in json_lines(fh):
            if raw is None:
                if strict:
                    raise DatasetError(
                        f"{file.name}: line {lineno} is longer than "
                        f"{MAX_JSONL_LINE_BYTES // 1_000_000} MB: one row cannot be that long."
                    )
                malformed.add(lineno)
                malformed.too_long += 1
                read = fh.tell()
                continue
            read += len(raw)
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)  # bytes: a UTF-8 BOM on the first line is fine
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                if strict:
                    reason = getattr(exc, "msg", None) or "not UTF-8"
                    raise DatasetError(
                        f"{file.name}: line {lineno} is not valid JSON ({reason})."
                    ) from None
                malformed.add(lineno)
                continue
            if not isinstance(obj, dict):
                if strict:
                    raise DatasetError(f"{file.name}: line {lineno} is not a JSON object.")
                malformed.add(lineno)
                continue
            records.append(obj)
            if len(records) >= chunk_rows:
                yield _object_frame(records, columns), min(0.99, read / size)
                records = []
    if records:
        yield _object_frame(records, columns), 1.0


def _object_frame(records: list[dict], columns: list[str] | None) -> pd.DataFrame:
    """Records as object columns (JSON types kept as they are; missing keys are None).

    Only keys some record has become columns, so a caller can say which named column the
    file lacks.
    """
    if columns is None:
        keys = list(dict.fromkeys(k for r in records for k in r))
    else:
        keys = [c for c in dict.fromkeys(columns) if any(c in r for r in records)]
    rows = [[r.get(k) for k in keys] for r in records]
    return pd.DataFrame(rows, columns=keys, dtype=object)


def _json_array(
    file: TableFile, columns: list[str] | None, chunk_rows: int, strict: bool, malformed: Malformed
) -> Iterator[tuple[pd.DataFrame, float]]:
    """A JSON array of objects: not streamable, read whole (it was small enough to write so)."""
    with file.open() as fh:
        raw = fh.read()
    try:
        records = json.loads(raw.decode("utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{file.name}: invalid JSON at line {exc.lineno}: {exc.msg}.") from exc
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{file.name} is not valid JSON: {exc}") from exc
    del raw
    if not isinstance(records, list):
        raise DatasetError(f"{file.name}: expected a list of objects, one per row.")
    objects = [r for r in records if isinstance(r, dict)]
    if len(objects) < len(records):
        if strict:
            raise DatasetError(f"{file.name}: expected a list of objects, one per row.")
        for _ in range(len(records) - len(objects)):
            malformed.add(None)
    for start in range(0, len(objects), chunk_rows):
        part = objects[start : start + chunk_rows]
        yield _object_frame(part, columns), min(1.0, (start + len(part)) / len(objects))
