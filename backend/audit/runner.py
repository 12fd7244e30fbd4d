"""The audit runner: stream chunks through every enabled check, then build the report.

The runner names no check: it builds the enabled ones from the registry
(:func:`build_checks`), feeds each canonical Arrow batch to all of them, and lets each
turn its state into its report section, notes and findings.

:func:`run_audit` is pure (no store): the CLI, the page's background job and the
benchmark all call it. :func:`audit_dataset_job` wraps it for :class:`~backend.jobs.JobManager`
and stores the report as an ``audit`` artifact of the dataset.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from functools import partial
from itertools import chain
from pathlib import Path

import numpy as np

from backend.audit.config import AuditConfig
from backend.audit.findings import build_findings
from backend.audit.protocol import AuditCheck, AuditPlan, ReportContext
from backend.audit.ray_engine import ENGINES, RayAuditSink, ensure_ray, workers_can_read
from backend.audit.registry import check_classes, report_observations
from backend.audit.source import (
    AuditSource,
    Chunk,
    canonical_batch,
    check_text_column,
    iter_frames,
    list_columns,
)
from backend.dataset_versions import pin_quietly
from backend.errors import DatasetError, over_size_limit
from backend.observations import Observation
from backend.tabular import MAX_JSONL_LINE_BYTES, Malformed

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


#: Chunks read (and turned into canonical batches) ahead of the checks, on a thread.
READ_AHEAD = 1


def _batches(chunks, make_batch, clock: _Clock, rows: int, keep_going=lambda: True):
    """``(rows, fraction, batch)`` for each chunk of ``chunks``, the first starting at row
    ``rows``; reading and conversion are timed as "read". Stops when ``keep_going()`` is
    false before a chunk is read."""
    while keep_going():
        with clock.measure("read"):
            item = next(chunks, None)
            if item is None:
                return
            frame, fraction = item
            batch = make_batch(frame, start_row=rows)
        yield len(frame), fraction, batch
        rows += len(frame)


def _read_in_order(frames, first, make_batch, clock: _Clock):
    """``(rows, fraction, batch)`` for ``first`` and every later chunk of ``frames``."""
    yield from _batches(chain([first], frames), make_batch, clock, 0)


def _read_ahead(frames, first, make_batch, clock: _Clock):
    """:func:`_read_in_order`, but the later chunks are read and turned into canonical
    batches on a thread, up to :data:`READ_AHEAD` chunk ahead, so that reading (Arrow's
    CSV parser releases the GIL) overlaps with the checks. The thread owns ``frames``
    from then on and closes it; its errors (an unreadable line...) are raised here, in
    order. Closing this generator (the job was cancelled) stops the thread.
    """
    done = object()
    out: queue.Queue = queue.Queue(maxsize=READ_AHEAD)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            later = _batches(frames, make_batch, clock, len(first[0]), lambda: not stop.is_set())
            for item in later:
                if not put(item):
                    return
            put(done)
        except BaseException as exc:  # handed to the consumer, raised there
            put(exc)
        finally:
            frames.close()

    with clock.measure("read"):
        batch = make_batch(first[0], start_row=0)
    thread = threading.Thread(target=read, name="audit-read-ahead", daemon=True)
    thread.start()
    try:
        yield len(first[0]), first[1], batch
        while (item := out.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


class _Lanes:
    """Updates the checks with each batch: those whose ``update`` may run concurrently
    (:attr:`~backend.audit.protocol.AuditCheck.concurrent`) on a worker thread, the others
    on the caller's, so that a 2-core machine works on both at once.

    Each lane sees every batch in order; a worker's error is raised by the next
    :meth:`update` or at the end. Leaving the block early (an error, a cancelled job) drops
    the batches the worker has not started.
    """

    def __init__(self, checks: dict[str, AuditCheck], clock: _Clock) -> None:
        self.clock = clock
        self.here = {n: c for n, c in checks.items() if not type(c).concurrent}
        self.there = {n: c for n, c in checks.items() if type(c).concurrent}
        self.queue: queue.Queue = queue.Queue(maxsize=1)
        self.error: BaseException | None = None
        self.cancelled = False
        self.thread: threading.Thread | None = None
        if self.there:
            self.thread = threading.Thread(target=self._work, name="audit-lane", daemon=True)
            self.thread.start()

    def _work(self) -> None:
        while (batch := self.queue.get()) is not None:
            if self.error is not None or self.cancelled:
                continue
            try:
                self._run(self.there, batch)
            except BaseException as exc:  # raised in the caller's thread
                self.error = exc

    def _run(self, checks: dict[str, AuditCheck], batch) -> None:
        for name, check in checks.items():
            with self.clock.measure(name):
                check.update(batch)

    def update(self, batch) -> None:
        if self.error is not None:
            raise self.error
        if self.thread is not None:
            self.queue.put(batch)
        self._run(self.here, batch)

    def __enter__(self) -> _Lanes:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.thread is None:
            return
        self.cancelled = exc_type is not None
        self.queue.put(None)
        self.thread.join()
        if self.error is not None and exc_type is None:
            raise self.error


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


def build_checks(config: AuditConfig, plan: AuditPlan) -> tuple[dict[str, AuditCheck], list[str]]:
    """The enabled checks that can run with these columns, and notes on those that cannot.

    The Ray engine builds the same checks on every worker from the same config and plan.
    """
    checks: dict[str, AuditCheck] = {}
    notes: list[str] = []
    for cls in check_classes():
        if not config.enabled(cls.name):
            continue
        reason = cls.skipped_because(config)
        if reason is not None:
            if reason not in notes:
                notes.append(reason)
            continue
        checks[cls.name] = cls.from_config(config, plan)
    return checks, notes


def frame_batch(
    frame, *, config: AuditConfig, start_row: int, label_mode: str, partition_constant: str | None
):
    """The canonical record batch of rows ``start_row...`` of the audited file, with their
    split (the split column's value, or the file name when a second file is audited).
    The Ray engine's workers call it on the blocks they read."""
    if config.split_col:
        partition = np.array(
            [str(v) if v is not None else "(missing)" for v in frame[config.split_col].tolist()],
            dtype=object,
        )  # fmt: skip
    else:
        partition = partition_constant
    return batch_for(frame, config, start_row=start_row, partition=partition, label_mode=label_mode)


def batch_for(frame, config: AuditConfig, *, start_row: int, partition, label_mode: str):
    """The canonical record batch of one chunk of the audited file (see :func:`canonical_batch`)."""
    return canonical_batch(
        frame,
        text_col=config.text_col,
        label_col=config.label_col,
        sensitive=config.sensitive,
        start_row=start_row,
        partition=partition,
        label_mode=label_mode,
    )


def plan_audit(first_frame, config: AuditConfig, fraction: float) -> AuditPlan:
    """What the whole run shares, decided from its first chunk: label mode, row estimate."""
    estimate = len(first_frame) / fraction if fraction > 0 else None
    return AuditPlan(
        label_mode=_label_mode(first_frame, config.label_col),
        estimated_rows=int(estimate) if estimate else None,
    )


def run_audit(
    source: AuditSource,
    config: AuditConfig,
    *,
    second: AuditSource | None = None,
    progress: ProgressFn | None = None,
    scorer=None,
    dataset: dict | None = None,
    engine: str = "local",
) -> dict:
    """Audit ``source`` (and, for leakage, ``second``) and return the JSON report.

    Parameters
    ----------
    source
        File or DataFrame to audit, streamed in ``config.chunk_rows`` chunks.
    config
        Roles, thresholds and the checks to run.
    second
        Optional second file (e.g. the test split): only its texts are read, by the checks
        that look for leakage.
    progress
        ``progress(fraction, message)``; a job's ``ctx.progress`` (which raises when the
        user cancels) fits.
    scorer
        Toxicity scorer; loaded by the toxicity check when ``None``.
    dataset
        Metadata copied into the report (name, id, location).
    engine
        ``"local"`` (this process) or ``"ray"``: the same checks on Ray Data, their
        partial states merged into the same report (:mod:`backend.audit.ray_engine`).

    Raises
    ------
    DatasetError
        Unknown columns, a non-text text column, unreadable files.
    """
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    report_progress = progress or (lambda _f, _m: None)
    if engine not in ENGINES:
        raise DatasetError(f"Unknown audit engine {engine!r}: choose {' or '.join(ENGINES)}.")
    columns = list_columns(source)
    _validate_columns(columns, config, source.name)
    needed = list(dict.fromkeys(
        c for c in [config.text_col, config.label_col, config.split_col, *config.sensitive] if c
    ))  # fmt: skip
    clock = _Clock()
    state = {"fraction": 0.0, "rows": 0}

    def tick(activity: str = "Auditing") -> None:
        report_progress(state["fraction"], f"{activity} in rows up to {state['rows']:,}…")

    malformed = Malformed()
    rows = 0
    weight = _PRIMARY_WEIGHT if second is not None else 0.97
    partition_constant = source.name if second is not None and not config.split_col else None
    report_progress(0.0, f"Reading {source.name}…")
    # On Ray, the workers read a CSV or Parquet file themselves: the driver reads only the
    # first chunk (to check the columns and decide the label mode), with its own count of
    # malformed rows, so the workers' count is the only one in the report.
    workers_read = engine == "ray" and workers_can_read(source)
    frames = iter_frames(
        source, needed, config.chunk_rows, Malformed() if workers_read else malformed
    )
    checks: dict[str, AuditCheck] = {}
    notes: list[str] = []
    ray_sink: RayAuditSink | None = None
    if engine == "ray":
        weight = 0.3  # reading; the finished Ray blocks fill the bar up to 0.97
    try:
        with clock.measure("read"):
            first = next(frames, None)
        if first is not None:
            frame, fraction = first
            check_text_column(frame, config.text_col)
            plan = plan_audit(frame, config, fraction)
            plan.scorer, plan.tick = scorer, tick
            plan.note = lambda message: report_progress(0.0, message)
            make_batch = partial(
                frame_batch,
                config=config,
                label_mode=plan.label_mode,
                partition_constant=partition_constant,
            )
            with clock.measure("setup"):
                checks, notes = build_checks(config, plan)
            for name in checks:
                clock.reset(name)
            if engine == "ray":
                report_progress(0.0, "Connecting to Ray…")
                with clock.measure("ray_start"):
                    info = ensure_ray()
                ray_sink = RayAuditSink(
                    checks, config, plan, report_progress, build_checks, info=info
                )
                if workers_read:
                    frames.close()
                    report_progress(0.0, f"Ray workers are reading {source.name}…")
                    with clock.measure("read"):
                        rows = ray_sink.read_file(source, needed, malformed, make_batch)
                else:
                    # The driver reads (a DataFrame, JSON Lines): in order, on this thread.
                    for n, fraction, batch in _read_in_order(frames, first, make_batch, clock):
                        with clock.measure("read"):
                            ray_sink.add(batch)
                        rows += n
                        report_progress(fraction * weight, f"Read {rows:,} rows of {source.name} for Ray")  # fmt: skip
            else:
                chunks = closing(_read_ahead(frames, first, make_batch, clock))
                with chunks as read, _Lanes(checks, clock) as lanes:
                    for n, fraction, batch in read:
                        lanes.update(batch)
                        rows += n
                        state["rows"] = rows
                        state["fraction"] = fraction * weight
                        report_progress(state["fraction"], f"Audited {rows:,} rows of {source.name}")  # fmt: skip
        else:
            frames.close()
        Chunk.forget()
        if rows == 0:
            raise DatasetError(f"{source.name} has no data rows.")
        if ray_sink is not None:
            checks = ray_sink.finish()
            clock.wall["ray"] = ray_sink.wall_s
            for name, seconds in ray_sink.cpu.items():
                clock.cpu[name] = clock.cpu.get(name, 0.0) + seconds

        second_info = None
        if second is not None:
            second_info = _stream_second(second, config, checks, clock, report_progress, rows)

        report_progress(0.97, "Building the report…")
        report = _build_report(
            checks=checks,
            notes=notes,
            config=config,
            rows=rows,
            malformed=malformed,
            clock=clock,
            source=source,
            dataset=dataset,
            second_info=second_info,
        )
        report["engine"] = ray_sink.describe() if ray_sink else {"name": "local"}
    finally:
        Chunk.forget()
        for check in checks.values():
            check.close()
    elapsed = time.perf_counter() - started
    report["started_at"] = started_at.isoformat(timespec="seconds")
    report["elapsed_s"] = elapsed
    report["rows_per_second"] = rows / elapsed if elapsed else None
    report_progress(1.0, "Done")
    return report


def _stream_second(second, config, checks, clock, report_progress, first_rows: int) -> dict:
    readers = {name: c for name, c in checks.items() if getattr(c, "reads_second_file", False)}
    if not readers:
        return {"name": second.name, "rows": 0, "note": "no enabled check reads a second file"}
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
        # Row numbers of the second file continue after the first in cluster listings.
        batch = canonical_batch(
            frame, text_col=config.text_col, start_row=first_rows + n, partition=second.name
        )
        for name, check in readers.items():
            with clock.measure(name):
                check.update(batch)
        n += len(frame)
        report_progress(
            _PRIMARY_WEIGHT + fraction * (0.97 - _PRIMARY_WEIGHT),
            f"Checking leakage against {second.name}: {n:,} rows",
        )
    return {"name": second.name, "rows": n, "malformed_rows": malformed.count}


def assemble_report(
    *, checks: dict[str, AuditCheck], config: AuditConfig, rows: int, dataset: dict | None,
    clock=None,
) -> tuple[dict, list[str]]:  # fmt: skip
    """Every check's section under its report keys, and the checks' notes (in order).

    Sections are built in registry order, each seeing the earlier ones (label skew pools
    groups as the representation tab shows them).
    """
    context = ReportContext(
        config=config, rows=rows, label_names=dict((dataset or {}).get("label_names") or {})
    )
    report: dict = {}
    notes: list[str] = []
    for name, check in checks.items():
        if clock is not None:
            clock.start(name)
            helpers = check.helper_cpu_s
        section = check.result(context)
        if clock is not None:
            clock.stop(name)
            clock.cpu[name] += check.helper_cpu_s - helpers
        context.sections[name] = section
        report.update(type(check).to_report(section))
        notes.extend(type(check).warnings(section, context))
    return report, notes


def _build_report(
    *, checks, notes, config, rows, malformed, clock, source, dataset, second_info
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
    warnings: list[str] = []
    if malformed.count:
        first = f" (first at line {malformed.lines[0]})" if malformed.lines else ""
        warnings.append(
            f"{malformed.count:,} malformed row(s) skipped{first}; they are not audited."
        )
        if malformed.too_long:
            warnings.append(
                f"{malformed.too_long:,} of them are JSON lines over "
                f"{MAX_JSONL_LINE_BYTES // 1_000_000} MB, skipped unread."
            )
    sections, check_notes = assemble_report(
        checks=checks, config=config, rows=rows, dataset=dataset, clock=clock
    )
    report.update(sections)
    report["warnings"] = warnings + notes + check_notes
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
    from backend.column_roles import ColumnRoles  # noqa: PLC0415

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
    engine: str = "local",
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
        engine=engine,
    )
    report["dataset_version"] = pin_quietly(
        store, dataset.id, reason="audited", notes=report.setdefault("warnings", [])
    )
    return store.save_artifact(
        kind="audit",
        content=report,
        name=f"Audit of {dataset.name}",
        job_id=job_id,
        dataset_id=dataset.id,
        observations=dataset_observations(report, dataset),
    )


def dataset_observations(report: Mapping, dataset) -> list[Observation]:
    """What the audit's checks measured (their ``observations``), each about
    ``dataset:<id>``; PII rows count only for a dataset meant to hold none."""
    expect_no_pii = bool(getattr(dataset, "expect_no_pii", False))
    record = f"dataset:{dataset.id}"
    return [
        ob.with_record(record) for ob in report_observations(report, expect_no_pii=expect_no_pii)
    ]


def submit_audit(
    manager, dataset, config: AuditConfig, *, second_path: str | None = None, engine: str = "local"
) -> int:
    """Start :func:`audit_dataset` as a background job; returns the job id."""

    def work(ctx) -> dict:
        artifact = audit_dataset(
            ctx.store,
            dataset.id,
            config,
            second_path=second_path,
            progress=ctx.progress,
            job_id=ctx.job_id,
            engine=engine,
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
        params={
            "dataset_id": dataset.id,
            "config": config.to_dict(),
            "second_path": second_path,
            "engine": engine,
        },
    )
