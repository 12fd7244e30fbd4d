"""Anonymised export: the dataset as CSV with PII replaced by placeholders (<EMAIL>...)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from backend.audit.source import AuditSource, iter_frames, list_columns
from backend.detectors.pii import PiiDetector, redact_with
from backend.errors import DatasetError
from backend.tabular import Malformed


def export_anonymised(
    source: AuditSource,
    out_path: str | Path,
    *,
    text_cols: list[str],
    chunk_rows: int = 50_000,
    progress: Callable[[float, str], None] | None = None,
) -> dict:
    """Stream ``source`` to ``out_path`` (CSV) with PII in ``text_cols`` redacted.

    Other columns are copied unchanged. The file is written to a temporary name and
    renamed at the end, so a failed export never leaves a half-anonymised file behind.
    Returns ``{"rows", "redacted_rows", "replacements", "malformed_rows", "path"}``.
    """
    columns = list_columns(source)
    missing = [c for c in text_cols if c not in columns]
    if missing:
        raise DatasetError(f"Column(s) not found for export: {', '.join(missing)}.")
    detector = PiiDetector()
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_suffix(out_path.suffix + ".part")
    malformed = Malformed()
    rows = redacted_rows = replacements = 0
    try:
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(columns)
            for frame, fraction in iter_frames(source, columns, chunk_rows, malformed):
                for col in text_cols:
                    values = frame[col].tolist()
                    texts = [v if isinstance(v, str) else None for v in values]
                    found = detector.find_batch(texts)
                    new = []
                    for v, t, matches in zip(values, texts, found, strict=True):
                        if matches and t is not None:
                            new.append(redact_with(t, matches))
                            replacements += len(matches)
                        else:
                            new.append(v)
                    redacted_rows += sum(1 for m in found if m)
                    frame[col] = new
                frame = frame.astype(object).where(frame.notna(), "")
                writer.writerows(frame.itertuples(index=False, name=None))
                rows += len(frame)
                if progress is not None:
                    progress(fraction, f"Anonymised {rows:,} rows")
        tmp.replace(out_path)
    finally:
        tmp.unlink(missing_ok=True)
    return {
        "rows": rows,
        "redacted_rows": redacted_rows,
        "replacements": replacements,
        "malformed_rows": malformed.count,
        "path": str(out_path),
    }
