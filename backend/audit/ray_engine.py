"""The audit on Ray Data: the same check classes, partial states merged into one report.

``python -m backend audit ... --engine ray`` (and the engine choice on the audit page)
runs every enabled check of the registry on a Ray cluster:

1. **read**: a CSV or Parquet file is read **on the workers** by Ray Data's own readers
   (``read_csv`` with the local reader's Arrow options: sniffed delimiter, every column
   as text, malformed rows skipped and counted with their line numbers in a small actor;
   ``read_parquet``), so a cluster reads in parallel and the file never passes through
   the driver. Blocks arrive in file order, so the driver numbers the rows from the block
   sizes alone and a task per slice turns the rows into the canonical Arrow batch with
   their global row numbers. The driver reads only the first chunk, with the local
   reader, to check the columns and decide the label mode and row estimate that every
   block shares. A DataFrame and JSON Lines are read on the driver, chunk by chunk, and
   put in Ray's object store (Arrow's JSON reader types a column from its values and
   stops at a bad line, where the audit counts non-text values and skips bad lines);
2. **map_batches**: Ray Data runs one task per block on the cluster's CPUs; each task
   builds the checks from the config, updates them with the block and returns their
   pickled **partial state** (plus its CPU seconds per check); a worker process keeps a
   model a check loaded (the toxicity scorer) for the next blocks of the same run;
3. **merge**: the driver merges the partial states as they arrive (merging is
   order-independent by the check protocol) and builds the report exactly as the local
   engine does. A test checks that both engines give identical reports.

Why the first chunk is read on the driver: the label mode (binarised or categorical) and
the row estimate (the toxicity check's evenly spaced sample) must be the same for every
block, and the same as the local engine's, for the reports to be identical.

Where Ray runs: with ``RAY_ADDRESS`` set (``ray://head:10001`` or ``head:6379``) the audit
joins that cluster and ships the ``backend`` package to it as a ``py_modules`` runtime
environment; otherwise it starts a local Ray instance with this machine's cores (once per
process; later audits reuse it). See ``docs/audit.md`` for a two-node set-up.
"""

from __future__ import annotations

import logging
import math
import os
import pickle
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backend.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

    from backend.audit.config import AuditConfig
    from backend.audit.protocol import AuditCheck, AuditPlan
    from backend.audit.source import AuditSource
    from backend.tabular import Malformed

__all__ = [
    "ENGINES",
    "ENGINE_LABELS",
    "RayAuditSink",
    "RayInfo",
    "ensure_ray",
    "report_differences",
]

#: The engines an audit can run on, with their labels on the page.
ENGINE_LABELS: dict[str, str] = {
    "local": "This process",
    "ray": "Ray (this machine's cores, or the cluster at RAY_ADDRESS)",
}
ENGINES: tuple[str, ...] = tuple(ENGINE_LABELS)

#: Smallest block a task gets: below this, Ray's per-task overhead outweighs the work.
_MIN_BLOCK_ROWS = 1_000
_BACKEND_DIR = Path(__file__).resolve().parents[1]
_REPO_ROOT = _BACKEND_DIR.parent
RAY_MISSING = "Ray is not installed: pip install 'ray[data]==2.60.0' (pinned in requirements.txt)."


@dataclass
class RayInfo:
    """Where the Ray engine runs, for the report (every figure says what produced it)."""

    address: str
    started_here: bool
    nodes: int
    cpus: int
    startup_s: float

    def describe(self) -> str:
        where = "local Ray instance started by Steward" if self.started_here else self.address
        return f"Ray Data on {where}: {self.nodes} node(s), {self.cpus} CPU(s)"


_info: RayInfo | None = None


def ensure_ray(*, num_cpus: int | None = None) -> RayInfo:
    """Connect to Ray once per process: ``RAY_ADDRESS`` if set, else start it locally.

    A local instance gets ``num_cpus`` (default: this machine's cores), no dashboard and
    quiet logs. Joining a cluster ships the ``backend`` package to its workers (the nodes
    need Steward's requirements installed). Raises :class:`ConfigError` with one line
    when Ray is missing or the cluster cannot be reached.
    """
    global _info
    try:
        import ray  # noqa: PLC0415 - heavy, optional at run time
    except ImportError:
        raise ConfigError(RAY_MISSING) from None
    if ray.is_initialized() and _info is not None:
        return _info
    started = time.perf_counter()
    address = os.environ.get("RAY_ADDRESS", "").strip()
    if ray.is_initialized():  # started by someone else in this process (a test fixture)
        started_here = False
        address = address or "a Ray instance already running in this process"
    elif address:
        started_here = False
        _check_reachable(address)
        try:
            ray.init(
                address=address,
                runtime_env={"py_modules": [str(_BACKEND_DIR)]},
                log_to_driver=False,
                logging_level="ERROR",
            )
        except Exception as exc:  # ConnectionError, TimeoutError, RuntimeError...
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ConfigError(
                f"Cannot join the Ray cluster at RAY_ADDRESS={address}: {first}"
            ) from None
    else:
        started_here = True
        address = "local"
        pythonpath = os.pathsep.join(
            p for p in (str(_REPO_ROOT), os.environ.get("PYTHONPATH")) if p
        )
        ray.init(
            num_cpus=num_cpus or os.cpu_count() or 1,
            include_dashboard=False,
            log_to_driver=False,
            logging_level="ERROR",
            runtime_env={"env_vars": {"PYTHONPATH": pythonpath}},
        )
    nodes = [n for n in ray.nodes() if n.get("Alive")]
    cpus = int(ray.cluster_resources().get("CPU", 0))
    _info = RayInfo(
        address=address,
        started_here=started_here,
        nodes=len(nodes),
        cpus=cpus,
        startup_s=time.perf_counter() - started,
    )
    return _info


def _check_reachable(address: str, timeout: float = 5.0) -> None:
    """Fail in seconds, with one line, when the head node's port does not answer.

    ``ray.init`` itself retries an unreachable address for minutes.
    """
    if address == "auto":
        return
    hostport = address.removeprefix("ray://").rsplit("/", 1)[0]
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        raise ConfigError(f"RAY_ADDRESS={address} is not host:port (or ray://host:port).")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        raise ConfigError(
            f"Cannot join the Ray cluster at RAY_ADDRESS={address}: {exc.strerror or exc}"
        ) from None


#: The plan of the run this worker process last served: a model a check loads into it
#: (the toxicity scorer) is reused by the later blocks of the same run.
_worker_plan: tuple[bytes, AuditPlan] | None = None
#: ``build_checks(config, plan) -> (checks, notes)``, the runner's.
BuildChecks = Callable[["AuditConfig", "AuditPlan"], "tuple[dict[str, AuditCheck], list[str]]"]


def _plan_for(config: AuditConfig, label_mode: str, estimated_rows: int | None) -> AuditPlan:
    global _worker_plan
    from backend.audit.protocol import AuditPlan  # noqa: PLC0415

    key = pickle.dumps((config.to_dict(), label_mode, estimated_rows))
    if _worker_plan is None or _worker_plan[0] != key:
        from backend.config import apply_offline_env  # noqa: PLC0415

        apply_offline_env()
        _worker_plan = (key, AuditPlan(label_mode=label_mode, estimated_rows=estimated_rows))
    return _worker_plan[1]


def _partial_states(
    table: pa.Table,
    *,
    build_checks: BuildChecks,
    config: AuditConfig,
    label_mode: str,
    estimated_rows: int | None,
) -> pa.Table:
    """Ray Data task: one block of rows -> the pickled partial state of every check."""
    import pyarrow as pa  # noqa: PLC0415

    checks, _notes = build_checks(config, _plan_for(config, label_mode, estimated_rows))
    cpu: dict[str, float] = dict.fromkeys(checks, 0.0)
    try:
        for part in table.combine_chunks().to_batches():
            for name, check in checks.items():
                started = time.thread_time()
                check.update(part)
                cpu[name] += time.thread_time() - started
        state = pickle.dumps(checks, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        for check in checks.values():
            check.close()
    return pa.table(
        {
            "state": pa.array([state], type=pa.large_binary()),
            "rows": [table.num_rows],
            "cpu": [pickle.dumps(cpu)],
        }
    )


#: Formats the workers read themselves (Ray Data's ``read_csv`` / ``read_parquet``).
#: JSON Lines stay with the driver's reader: Arrow's JSON reader types a column from the
#: values it sees and stops at a bad line, where the audit counts non-text values and
#: skips (and counts) bad lines.
WORKER_READ_FORMATS = ("csv", "parquet")


def workers_can_read(source: AuditSource) -> bool:
    """Whether the Ray workers read ``source`` themselves (a CSV or Parquet file)."""
    return source.path is not None and source.fmt in WORKER_READ_FORMATS


def _canonical_slice(
    table, start: int, length: int, start_row: int, columns: list[str], batch_of
) -> pa.Table:
    """Ray task: rows ``start...start + length`` of a block read by Ray Data, as the
    canonical batch with global row numbers from ``start_row``."""
    import pyarrow as pa  # noqa: PLC0415

    from backend.audit.source import arrow_frame  # noqa: PLC0415

    frame = arrow_frame(table.slice(start, length), columns)
    return pa.Table.from_batches([batch_of(frame, start_row=start_row)])


def _num_rows(table) -> int:
    return table.num_rows


class _CountMalformed:
    """Arrow's invalid-row handler on a worker: count the row in the actor, skip it.

    Synchronous (``ray.get``), so every count has landed when the read ends; malformed
    rows are rare, so the round trips cost nothing on a clean file.
    """

    def __init__(self, counter) -> None:
        self.counter = counter

    def __call__(self, row) -> str:
        import ray  # noqa: PLC0415

        ray.get(self.counter.add.remote(row.number))
        return "skip"


def _malformed_counter():
    """A Ray actor class counting malformed rows: the count and the first line numbers."""
    import ray  # noqa: PLC0415

    from backend.tabular import MAX_BAD_LINES  # noqa: PLC0415

    @ray.remote(num_cpus=0)
    class MalformedCounter:
        def __init__(self) -> None:
            self.count = 0
            self.lines: list[int] = []

        def add(self, line: int | None) -> None:
            self.count += 1
            if line is not None:
                self.lines.append(int(line))
                if len(self.lines) > 4 * MAX_BAD_LINES:
                    self.lines = sorted(self.lines)[:MAX_BAD_LINES]

        def result(self) -> tuple[int, list[int]]:
            return self.count, sorted(self.lines)[:MAX_BAD_LINES]

    return MalformedCounter


@dataclass
class RayAuditSink:
    """Collects canonical batches on the driver, runs the checks on Ray, merges the states.

    Parameters
    ----------
    checks
        The driver's checks (empty states) the partial states are merged into.
    config, plan
        What every task builds its checks from (the plan's label mode and row estimate).
    progress
        ``progress(fraction, message)``, called once per finished block; it may raise to
        cancel (the Ray execution is stopped).
    build_checks
        The runner's :func:`~backend.audit.runner.build_checks` (passed in, so that this
        module does not import the runner that imports it).
    span
        The part of the progress bar the blocks fill: ``(start, end)``.
    """

    checks: dict[str, AuditCheck]
    config: AuditConfig
    plan: AuditPlan
    progress: Callable[[float, str], None]
    build_checks: BuildChecks
    span: tuple[float, float] = (0.3, 0.97)
    info: RayInfo | None = None
    block_rows: int = 0
    refs: list[Any] = field(default_factory=list)
    rows: int = 0
    blocks_done: int = 0
    cpu: dict[str, float] = field(default_factory=dict)
    wall_s: float = 0.0
    #: Who read the file: the driver, or the workers with Ray Data's reader.
    read_by: str = "driver"

    def _start(self, rows: int) -> None:
        if self.info is None:
            self.info = ensure_ray()
        if self.block_rows == 0:
            # About four blocks per CPU, so that every CPU stays busy to the end.
            estimate = self.plan.estimated_rows or rows
            per_block = math.ceil(estimate / (4 * max(1, self.info.cpus)))
            self.block_rows = max(_MIN_BLOCK_ROWS, min(self.config.chunk_rows, per_block))

    def add(self, batch: pa.RecordBatch) -> None:
        """Put one canonical batch in the object store, as one or more blocks."""
        import pyarrow as pa  # noqa: PLC0415
        import ray  # noqa: PLC0415

        self._start(batch.num_rows)
        for start in range(0, batch.num_rows, self.block_rows):
            block = batch.slice(start, self.block_rows)
            self.refs.append(ray.put(pa.Table.from_batches([block])))
        self.rows += batch.num_rows

    def read_file(
        self,
        source: AuditSource,
        columns: list[str],
        malformed: Malformed,
        batch_of: Callable[..., pa.RecordBatch],
    ) -> int:
        """Read ``source`` on the workers with Ray Data's reader; returns the row count.

        Blocks arrive in file order (``preserve_order``), so the driver numbers their rows
        from the block sizes alone: each slice of :attr:`block_rows` rows becomes a task
        that turns its rows into the canonical batch (``batch_of(frame, start_row=...)``)
        on a worker. The driver handles references and sizes, never the rows. Malformed
        CSV rows are skipped by the same Arrow options as the local reader and counted,
        with their line numbers, in a small actor.
        """
        import ray  # noqa: PLC0415
        import ray.data  # noqa: PLC0415

        from backend.tabular import TableFile, arrow_csv_options  # noqa: PLC0415

        self._start(self.plan.estimated_rows or self.config.chunk_rows)
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.print_on_execution_start = False
        context.execution_options.preserve_order = True
        logging.getLogger("ray.data").setLevel(logging.ERROR)
        assert source.path is not None
        counter = None
        if source.fmt == "csv":
            counter = _malformed_counter().remote()
            file = TableFile(name=source.name, fmt="csv", path=source.path)
            options = arrow_csv_options(file, columns, _CountMalformed(counter))
            dataset = ray.data.read_csv(str(source.path), file_extensions=None, **options)
        else:
            dataset = ray.data.read_parquet(str(source.path), columns=columns)
        canonical = ray.remote(_canonical_slice)
        rows = 0
        low, high = 0.0, self.span[0]
        estimate = max(1, self.plan.estimated_rows or 1)
        for bundle in dataset.iter_internal_ref_bundles():
            for entry in bundle.blocks:
                n = entry.metadata.num_rows
                if n is None:
                    n = ray.get(ray.remote(_num_rows).remote(entry.ref))
                for start in range(0, n, self.block_rows):
                    length = min(self.block_rows, n - start)
                    self.refs.append(
                        canonical.remote(entry.ref, start, length, rows + start, columns, batch_of)
                    )
                rows += n
            self.progress(
                low + (high - low) * min(1.0, rows / estimate),
                f"Ray workers read {rows:,} rows of {source.name}",
            )
        if counter is not None:
            malformed.count, malformed.lines = ray.get(counter.result.remote())
        self.rows += rows
        self.read_by = f"workers (Ray Data read_{source.fmt})"
        return rows

    def finish(self) -> dict[str, AuditCheck]:
        """Run ``map_batches`` over every block and merge the partial states into ``checks``."""
        if not self.refs:
            return self.checks
        import ray  # noqa: PLC0415
        import ray.data  # noqa: PLC0415

        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False  # progress goes to the job, not the terminal
        context.print_on_execution_start = False
        logging.getLogger("ray.data").setLevel(logging.ERROR)
        started = time.perf_counter()
        n_blocks = len(self.refs)
        dataset = ray.data.from_arrow_refs(self.refs).map_batches(
            _partial_states,
            fn_kwargs={
                "build_checks": self.build_checks,
                "config": self.config,
                "label_mode": self.plan.label_mode,
                "estimated_rows": self.plan.estimated_rows,
            },
            batch_size=None,  # one block (one chunk of the file) per task
            batch_format="pyarrow",
        )
        low, high = self.span
        batches = dataset.iter_batches(batch_size=None, batch_format="pyarrow")
        try:
            for out in batches:
                for state, cpu in zip(
                    out.column("state").to_pylist(), out.column("cpu").to_pylist(), strict=True
                ):
                    self._merge(pickle.loads(state), pickle.loads(cpu))  # noqa: S301 - our own states
                    self.blocks_done += 1
                    self.progress(
                        low + (high - low) * self.blocks_done / n_blocks,
                        f"Ray: {self.blocks_done} of {n_blocks} blocks done",
                    )
        finally:
            close = getattr(batches, "close", None)
            if close is not None:
                close()  # stops the execution (and its actors) when cancelled midway
            self.refs.clear()
            self.wall_s += time.perf_counter() - started
        return self.checks

    def _merge(self, partial: dict[str, AuditCheck], cpu: dict[str, float]) -> None:
        for name, check in partial.items():
            self.checks[name].merge(check)
            check.close()
        for name, seconds in cpu.items():
            self.cpu[name] = self.cpu.get(name, 0.0) + seconds

    def describe(self) -> dict[str, Any]:
        """The ``engine`` entry of the report."""
        info = self.info
        return {
            "name": "ray",
            "description": info.describe() if info else "Ray Data",
            "address": info.address if info else None,
            "nodes": info.nodes if info else None,
            "cpus": info.cpus if info else None,
            "blocks": self.blocks_done,
            "read_by": self.read_by,
            "ray_startup_s": round(info.startup_s, 3) if info else None,
            "ray_wall_s": round(self.wall_s, 3),
        }


#: Report keys that say how and how fast a report was made, not what it found.
RUN_KEYS = frozenset(
    {"started_at", "elapsed_s", "rows_per_second", "timings", "cpu_timings", "engine"}
)
#: Timings inside a section (the toxicity model's scoring time).
_SECTION_TIMING_KEYS = frozenset({"seconds", "rows_per_second"})


def report_differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Where two audit reports differ (``[]``: the same findings).

    Everything must be equal except run timings, and floats, which may differ in the last
    bits: a sum of scores added block by block rounds differently from one added chunk by
    chunk. Counts, groups, examples and duplicate clusters are compared exactly.
    """
    if isinstance(a, dict) and isinstance(b, dict):
        keys = (set(a) | set(b)) - (RUN_KEYS if not path else _SECTION_TIMING_KEYS)
        return [
            d
            for k in sorted(keys, key=str)
            for d in report_differences(a.get(k), b.get(k), f"{path}/{k}")
        ]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} vs {len(b)} items"]
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in report_differences(x, y, f"{path}[{i}]")
        ]
    if type(a) is float and type(b) is float:
        return [] if math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15) else [f"{path}: {a} vs {b}"]
    return [] if a == b and type(a) is type(b) else [f"{path}: {a!r} vs {b!r}"]
