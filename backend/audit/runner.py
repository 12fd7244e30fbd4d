"""The audit runner: stream chunks through every enabled check, then build the report.

:func:`run_audit` is pure (no store): the CLI, the page's background job and the
benchmark all call it. :func:`audit_dataset_job` wraps it for :class:`~backend.jobs.JobManager`
and stores the report as an ``audit`` artifact of the dataset.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from backend.audit.association import AssociationCheck
from backend.audit.config import AuditConfig
from backend.audit.duplicates import DuplicatesCheck
from backend.audit.findings import build_findings
from backend.audit.label_skew import LabelSkewCheck
from backend.audit.pii import PiiCheck
from backend.audit.representation import OTHER, RepresentationCheck
from backend.audit.source import (
    MAX_JSONL_LINE_BYTES,
    AuditSource,
    Chunk,
    Malformed,
    check_text_column,
    iter_frames,
    list_columns,
)
from backend.audit.text_stats import LANGUAGE_NOTE, TextStatsCheck
from backend.errors import DatasetError, over_size_limit

SCHEMA_VERSION = 1
ProgressFn = Callable[[float, str], None]

#: Share of the progress bar used by the primary file when a second file is audited.
_PRIMARY_WEIGHT = 0.85


class _Clock:
    """Wall-clock and CPU seconds per stage (CPU of this thread: robust to machine load)."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self._open: dict[str, tuple[float, float]] = {}

    def reset(self, name: str) -> None:
        self.wall.setdefault(name, 0.0)
        self.cpu.setdefault(name, 0.0)

    def start(self, name: str) -> None:
        self._open[name] = (time.perf_counter(), time.thread_time())

    def stop(self, name: str) -> None:
        wall0, cpu0 = self._open.pop(name)
        self.wall[name] = self.wall.get(name, 0.0) + time.perf_counter() - wall0
        self.cpu[name] = self.cpu.get(name, 0.0) + time.thread_time() - cpu0

    @contextmanager
    def measure(self, name: str):
        self.start(name)
        try:
            yield
        finally:
            self.stop(name)


def check_upload_size(n_bytes: int, max_upload_mb: int) -> None:
    """Refuse an upload larger than the configured limit, naming the limit."""
    if n_bytes > max_upload_mb * 1_000_000:
        message = over_size_limit("The file", n_bytes, max_upload_mb * 1_000_000, "upload limit")
        raise DatasetError(
            f"{message[:-1]} (setting STEWARD_MAX_UPLOAD_MB). Give its path on this machine "
            "instead, or raise the limit."
        )


def _validate_columns(columns: list[str], config: AuditConfig, name: str) -> None:
    wanted = [config.text_col, config.label_col, config.split_col, *config.sensitive]
    missing = [c for c in wanted if c and c not in columns]
    if missing:
        raise DatasetError(
            f"{name}: column(s) not found: {', '.join(missing)}. Available: {', '.join(columns)}."
        )


def _label_mode(chunk_frame, label_col: str | None) -> str:
    """Binarise continuous labels in [0, 1] (e.g. annotator shares) at 0.5."""
    if not label_col:
        return "categorical"
    values = [v for v in chunk_frame[label_col].tolist() if v is not None]
    nums = []
    for v in values:
        try:
            nums.append(float(v))
        except (TypeError, ValueError):
            return "categorical"
    if len(set(nums)) > 20 and all(0.0 <= x <= 1.0 for x in nums):
        return "binarised"
    return "categorical"


def run_audit(
    source: AuditSource,
    config: AuditConfig,
    *,
    second: AuditSource | None = None,
    progress: ProgressFn | None = None,
    scorer=None,
    dataset: dict | None = None,
) -> dict:
    """Audit ``source`` (and, for leakage, ``second``) and return the JSON report.

    Parameters
    ----------
    source
        File or DataFrame to audit, streamed in ``config.chunk_rows`` chunks.
    config
        Roles, thresholds and the checks to run.
    second
        Optional second file (e.g. the test split): only its texts are read, for
        duplicate leakage against ``source``.
    progress
        ``progress(fraction, message)``; a job's ``ctx.progress`` (which raises when the
        user cancels) fits.
    scorer
        Toxicity scorer; loaded with :func:`load_toxicity_scorer` when ``None``.
    dataset
        Metadata copied into the report (name, id, location).

    Raises
    ------
    DatasetError
        Unknown columns, a non-text text column, unreadable files.
    """
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    report_progress = progress or (lambda _f, _m: None)
    columns = list_columns(source)
    _validate_columns(columns, config, source.name)
    needed = list(dict.fromkeys(
        c for c in [config.text_col, config.label_col, config.split_col, *config.sensitive] if c
    ))  # fmt: skip
    clock = _Clock()
    warnings: list[str] = []

    state = {"fraction": 0.0, "rows": 0}

    def tick() -> None:
        report_progress(state["fraction"], f"Scoring toxicity in rows up to {state['rows']:,}…")

    checks: dict[str, object] = {}
    if config.enabled("representation") and config.sensitive:
        checks["representation"] = RepresentationCheck(config.sensitive)
    if config.enabled("label_skew") and config.label_col and config.sensitive:
        checks["label_skew"] = LabelSkewCheck(config.sensitive)
    if config.enabled("pii"):
        checks["pii"] = PiiCheck(examples_per_type=config.examples_per_type)
    if config.enabled("toxicity"):
        clock.start("toxicity_load")
        if scorer is None:
            from backend.detectors.toxicity import load_toxicity_scorer  # noqa: PLC0415

            report_progress(0.0, "Loading the toxicity model…")

            scorer = load_toxicity_scorer(
                config.toxicity_variant,
                checkpoint=config.toxicity_checkpoint,
                base_model_dir=config.toxicity_base_model_dir,
                allow_fallback=True,
            )
        clock.stop("toxicity_load")
        from backend.audit.toxicity import ToxicityCheck  # noqa: PLC0415

        checks["toxicity"] = ToxicityCheck(
            scorer,
            threshold=config.toxicity_threshold,
            max_rows=config.toxicity_max_rows,
            tick=tick,
        )
    if config.enabled("duplicates"):
        checks["duplicates"] = DuplicatesCheck(
            threshold=config.near_dup_threshold, num_perm=config.num_perm
        )
    if config.enabled("association"):
        checks["association"] = AssociationCheck(
            config.sensitive,
            max_rows=config.association_max_rows,
            min_count=config.association_min_count,
        )
    if config.enabled("text_stats"):
        checks["text_stats"] = TextStatsCheck()
    for name in ("read", *checks):
        clock.reset(name)

    malformed = Malformed()
    rows = 0
    label_mode = "categorical"
    weight = _PRIMARY_WEIGHT if second is not None else 0.97
    partition_constant = source.name if second is not None and not config.split_col else None
    report_progress(0.0, f"Reading {source.name}…")
    frames = iter_frames(source, needed, config.chunk_rows, malformed)
    while True:
        with clock.measure("read"):
            try:
                frame, fraction = next(frames)
            except StopIteration:
                break
        if rows == 0:
            check_text_column(frame, config.text_col)
            label_mode = _label_mode(frame, config.label_col)
            if label_mode == "binarised":
                warnings.append(
                    f"Label column '{config.label_col}' holds scores in [0, 1]; labels ≥ 0.5 "
                    "are counted as positive ('1')."
                )
            if "toxicity" in checks:
                estimate = len(frame) / fraction if fraction > 0 else None
                checks["toxicity"].plan(int(estimate) if estimate else None)  # type: ignore[attr-defined]
        if config.split_col:
            partition = np.array(
                [
                    str(v) if v is not None else "(missing)"
                    for v in frame[config.split_col].tolist()
                ],
                dtype=object,
            )
        elif partition_constant is not None:
            partition = np.full(len(frame), partition_constant, dtype=object)
        else:
            partition = None
        chunk = Chunk(
            frame=frame,
            start_row=rows,
            text_col=config.text_col,
            label_col=config.label_col,
            sensitive=config.sensitive,
            partition=partition,
            label_mode=label_mode,
        )
        rows += len(frame)
        state["rows"] = rows
        state["fraction"] = fraction * weight
        for name, check in checks.items():
            with clock.measure(name):
                check.update(chunk)  # type: ignore[attr-defined]
        report_progress(state["fraction"], f"Audited {rows:,} rows of {source.name}")
    if rows == 0:
        raise DatasetError(f"{source.name} has no data rows.")

    second_info = None
    if second is not None:
        second_info = _stream_second(second, config, checks, clock, report_progress)

    report_progress(0.97, "Building the report…")
    report = _build_report(
        checks=checks,
        config=config,
        rows=rows,
        malformed=malformed,
        clock=clock,
        warnings=warnings,
        source=source,
        dataset=dataset,
        second_info=second_info,
        label_mode=label_mode,
    )
    elapsed = time.perf_counter() - started
    report["started_at"] = started_at.isoformat(timespec="seconds")
    report["elapsed_s"] = elapsed
    report["rows_per_second"] = rows / elapsed if elapsed else None
    report_progress(1.0, "Done")
    return report


def _stream_second(second, config, checks, clock, report_progress) -> dict:
    dup = checks.get("duplicates")
    if dup is None:
        return {"name": second.name, "rows": 0, "note": "duplicates check disabled"}
    cols = list_columns(second)
    if config.text_col not in cols:
        raise DatasetError(
            f"{second.name}: text column '{config.text_col}' not found. "
            f"Available: {', '.join(cols)}."
        )
    malformed = Malformed()
    n = 0
    for frame, fraction in iter_frames(second, [config.text_col], config.chunk_rows, malformed):
        if n == 0:
            check_text_column(frame, config.text_col)
        chunk = Chunk(
            frame=frame,
            # Row numbers of the second file continue after the first in cluster listings.
            start_row=dup.rows,
            text_col=config.text_col,
            label_col=None,
            sensitive=[],
            partition=np.full(len(frame), second.name, dtype=object),
        )
        with clock.measure("duplicates"):
            dup.update(chunk)  # type: ignore[attr-defined]
        n += len(frame)
        report_progress(
            _PRIMARY_WEIGHT + fraction * (0.97 - _PRIMARY_WEIGHT),
            f"Checking leakage against {second.name}: {n:,} rows",
        )
    return {"name": second.name, "rows": n, "malformed_rows": malformed.count}


def _shown_groups(representation: dict | None) -> dict[str, list[str]] | None:
    if not representation:
        return None
    return {
        col: [g for g in groups if g != OTHER]
        for col, groups in representation["by_column"].items()
    }


def _build_report(
    *, checks, config, rows, malformed, clock, warnings, source, dataset, second_info, label_mode
) -> dict:
    report: dict = {
        "schema_version": SCHEMA_VERSION,
        "dataset": {
            "name": (dataset or {}).get("name", source.name),
            "id": (dataset or {}).get("id"),
            "location": (dataset or {}).get("location", str(source.path or source.name)),
            "format": source.fmt,
            # what the label values mean (set at registration): findings name labels with it
            "label_names": dict((dataset or {}).get("label_names") or {}),
        },
        "columns": {
            "text": config.text_col,
            "label": config.label_col,
            "sensitive": list(config.sensitive),
            "split": config.split_col,
        },
        "config": config.to_dict(),
        "checks_run": list(checks),
        "rows": rows,
        "malformed_rows": malformed.count,
        "malformed_lines": malformed.lines,
    }
    if second_info:
        report["second_file"] = second_info
    if malformed.count:
        first = f" (first at line {malformed.lines[0]})" if malformed.lines else ""
        warnings.insert(
            0, f"{malformed.count:,} malformed row(s) skipped{first}; they are not audited."
        )
        if malformed.too_long:
            warnings.insert(
                1,
                f"{malformed.too_long:,} of them are JSON lines over "
                f"{MAX_JSONL_LINE_BYTES // 1_000_000} MB, skipped unread.",
            )
    rep_result = None
    if "representation" in checks:
        with clock.measure("representation"):
            rep_result = checks["representation"].result(
                reference=config.reference,
                min_ratio=config.min_ratio,
                min_count=config.min_count,
                max_groups=config.max_groups,
            )
        report["representation"] = rep_result["by_column"]
        report["representation_summary"] = {k: v for k, v in rep_result.items() if k != "by_column"}
        for col, meta in rep_result["meta"].items():
            if meta["summarised"]:
                warnings.append(
                    f"Sensitive column '{col}' has {meta['distinct_groups']:,} distinct values: "
                    f"shown as the top {config.max_groups - 1} groups plus 'other'"
                    + (
                        " (counts of the long tail are approximate)."
                        if meta["approximate"]
                        else "."
                    )
                )
        for col in config.reference:
            if col not in config.sensitive:
                warnings.append(f"Reference shares for '{col}' ignored: not a sensitive column.")
    elif not config.sensitive and (
        config.enabled("representation") or config.enabled("label_skew")
    ):
        warnings.append("No sensitive column chosen: representation and label skew are skipped.")
    shown = _shown_groups(rep_result)
    if "label_skew" in checks:
        with clock.measure("label_skew"):
            skew = checks["label_skew"].result(
                positive_label=config.positive_label,
                min_count=config.min_count,
                max_groups=config.max_groups,
                gap_threshold=config.label_gap_threshold,
                shown_groups=shown,
            )
        report["label_rate"] = skew.pop("label_rate")
        report["label_skew"] = skew
        report["label_skew"]["mode"] = label_mode
    elif config.label_col is None and config.sensitive and config.enabled("label_skew"):
        warnings.append("No label column chosen: label skew is skipped.")
    if "pii" in checks:
        with clock.measure("pii"):
            report["pii"] = checks["pii"].result()
    if "toxicity" in checks:
        with clock.measure("toxicity"):
            tox = checks["toxicity"].result(shown_groups=shown)
        report["toxicity"] = tox
        if tox["is_fallback"]:
            reason = tox.get("fallback_reason") or ""
            warnings.append(
                f"Toxicity scored by the {tox['backend']}: it catches swearing, not every "
                f"insult or threat. {reason}".strip()
            )
        if tox.get("sampled"):
            warnings.append(
                f"Toxicity scored on {tox['scored_rows']:,} evenly spaced rows of {tox['rows']:,}."
            )
    if "duplicates" in checks:
        with clock.measure("duplicates"):
            report["duplicates"] = checks["duplicates"].result()
    if "association" in checks:
        with clock.measure("association"):
            report["association"] = checks["association"].result(shown_groups=shown)
        if report["association"]["sampled"]:
            warnings.append(
                f"Word/group associations (nPMI) use the first "
                f"{report['association']['rows_used']:,} rows of {rows:,}."
            )
    if "text_stats" in checks:
        with clock.measure("text_stats"):
            report["text_stats"] = checks["text_stats"].result()
        warnings.append(LANGUAGE_NOTE)
    report["warnings"] = warnings
    report["timings"] = {k: round(v, 4) for k, v in clock.wall.items()}
    report["cpu_timings"] = {k: round(v, 4) for k, v in clock.cpu.items()}
    report["findings"] = build_findings(report)
    return report


# --------------------------------------------------------------------------------------
# Datasets, jobs and the store
# --------------------------------------------------------------------------------------
def source_for_dataset(dataset) -> AuditSource:
    """An :class:`AuditSource` for a registered :class:`~backend.store.Dataset`."""
    if dataset.source == "huggingface":
        from backend.datasets import load_hf_dataset  # noqa: PLC0415

        table = load_hf_dataset(dataset.location)
        return AuditSource(frame=table.frame, name=dataset.name)
    return AuditSource(path=Path(dataset.location), fmt=dataset.format, name=dataset.name)


def dataset_meta(dataset) -> dict:
    from backend.datasets import ColumnRoles  # noqa: PLC0415

    return {
        "id": dataset.id,
        "name": dataset.name,
        "location": dataset.location,
        "label_names": ColumnRoles.from_dict(dataset.roles).label_names,
    }


def audit_dataset(
    store,
    dataset_id: int,
    config: AuditConfig,
    *,
    second_path: str | None = None,
    progress: ProgressFn | None = None,
    job_id: int | None = None,
    scorer=None,
):
    """Audit a registered dataset and store the report; returns the Artifact."""
    dataset = store.get_dataset(dataset_id)
    if dataset is None:
        raise DatasetError(f"Dataset #{dataset_id} does not exist (any more).")
    from backend.alerts.config import current_config  # noqa: PLC0415

    current_config()  # a broken thresholds file fails the audit loudly, before it runs
    second = AuditSource(path=Path(second_path)) if second_path else None
    report = run_audit(
        source_for_dataset(dataset),
        config,
        second=second,
        progress=progress,
        scorer=scorer,
        dataset=dataset_meta(dataset),
    )
    artifact = store.save_artifact(
        kind="audit",
        content=report,
        name=f"Audit of {dataset.name}",
        job_id=job_id,
        dataset_id=dataset.id,
    )
    raise_audit_alerts(store, artifact, dataset)
    return artifact


def raise_audit_alerts(store, artifact, dataset) -> list:
    """Check the report against the alert thresholds (toxic share, PII, rare groups).

    Runs where the report lands (a job thread or the CLI), so delivery is synchronous;
    a failing notifier is recorded by the alert service and never fails the audit.
    """
    from backend.alerts import AlertService  # noqa: PLC0415 - alerts import the store

    return AlertService(store).on_audit(artifact, dataset).alerts


def submit_audit(manager, dataset, config: AuditConfig, *, second_path: str | None = None) -> int:
    """Start :func:`audit_dataset` as a background job; returns the job id."""

    def work(ctx) -> dict:
        artifact = audit_dataset(
            ctx.store,
            dataset.id,
            config,
            second_path=second_path,
            progress=ctx.progress,
            job_id=ctx.job_id,
        )
        content = artifact.content
        return {
            "artifact_id": artifact.id,
            "rows": content["rows"],
            "warnings": len(content["warnings"]),
            "findings": sum(f["severity"] == "warning" for f in content["findings"]),
        }

    return manager.submit(
        work,
        kind="audit",
        name=f"Audit of {dataset.name}",
        params={"dataset_id": dataset.id, "config": config.to_dict(), "second_path": second_path},
    )
