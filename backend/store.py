"""Persistent state: SQLAlchemy 2 models and small repository functions.

SQLite in WAL mode at ``$STEWARD_HOME/steward.db`` by default; PostgreSQL (or any
SQLAlchemy URL) through ``STEWARD_DATABASE_URL``, e.g.
``postgresql+psycopg://user:password@host/steward``. The schema is created and upgraded
by Alembic revisions in ``backend/migrations/versions/`` when a store opens its database
(see ``backend/migrations/README.md`` to add a table or column).

Artifacts (audit reports, evaluations, cards, run summaries) are stored as JSON with
a SHA-256 content hash, so later records (sign-offs) can cite them and detect edits.
"""

from __future__ import annotations

import hashlib
import json
import logging
import socket
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    create_engine,
    event,
    func,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from backend.errors import JobCancelled, StewardError
from backend.observations import Observation

#: ``meta.schema_version``: 1 and 2 predate Alembic; 3 means "the revision is in
#: ``alembic_version``". An older Steward refuses a database with a higher number.
SCHEMA_VERSION = 3

JOB_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled", "interrupted")
ACTIVE_STATUSES = ("queued", "running")
ALERT_STATUSES = ("open", "acknowledged", "resolved")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def this_host() -> str:
    """This machine's name, as jobs record it (``socket.gethostname()``)."""
    return socket.gethostname()


def iso_utc(value: datetime | None) -> str | None:
    """``2026-11-22T03:14:54Z`` for a stored (naive UTC) time; ``None`` stays ``None``."""
    return value.isoformat(timespec="seconds") + "Z" if value else None


def content_hash(content: Any) -> str:
    """SHA-256 of the canonical JSON form of ``content`` (sorted keys, no spaces)."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class Base(DeclarativeBase):
    pass


class DisplayName(TypeDecorator):
    """``VARCHAR(length)`` for a record's display name: a longer value (a long file name,
    "Audit of <that name>") keeps its first ``length - 1`` characters and "…". SQLite
    stores any length in a VARCHAR, PostgreSQL refuses it; both now keep the same."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect) -> str | None:
        length = self.impl.length
        if value is not None and length and len(value) > length:
            return value[: length - 1] + "…"
        return value


class Meta(Base):
    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Dataset(Base):
    __tablename__ = "datasets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(DisplayName(200))
    source: Mapped[str] = mapped_column(String(40))  # demo | upload | path | huggingface
    location: Mapped[str] = mapped_column(Text)  # file path or HF id
    format: Mapped[str] = mapped_column(String(20))
    n_rows: Mapped[int] = mapped_column(Integer, default=0)
    columns: Mapped[list] = mapped_column(JSON, default=list)
    roles: Mapped[dict] = mapped_column(JSON, default=dict)  # text, label, sensitive[]
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    # The owner says this data should hold no personal data: an audit finding PII alerts.
    expect_no_pii: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Job(Base):
    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)  # audit | train | fairness | ...
    name: Mapped[str] = mapped_column(DisplayName(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    result: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    runner: Mapped[str] = mapped_column(String(20), default="thread")  # thread | process | external
    # the machine and process running the job: a pid means something only on its host
    owner_host: Mapped[str | None] = mapped_column(String(255), nullable=True, default=this_host)
    owner_pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    worker_pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    exit_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    log_path: Mapped[str | None] = mapped_column(Text, nullable=True)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def duration_s(self) -> float | None:
        if self.started_at is None:
            return None
        end = self.finished_at or utcnow()
        return (end - self.started_at).total_seconds()


class Metric(Base):
    __tablename__ = "metrics"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"))
    step: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(80))
    value: Mapped[float] = mapped_column(Float)
    time: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (Index("ix_metrics_run_name_step", "run_id", "name", "step"),)


class Artifact(Base):
    __tablename__ = "artifacts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)  # audit | evaluation | run | card ...
    name: Mapped[str] = mapped_column(DisplayName(200), default="")
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), nullable=True)
    dataset_id: Mapped[int | None] = mapped_column(ForeignKey("datasets.id"), nullable=True)
    content: Mapped[dict] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    def verify_hash(self) -> bool:
        return content_hash(self.content) == self.content_hash


class Alert(Base):
    """A threshold crossed by one record (audit, evaluation, run, guardrail check).

    ``dedupe_key`` names the condition and the record; it is unique, so the same
    condition on the same record never raises twice, whatever the alert's status.
    """

    __tablename__ = "alerts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # fairness | audit | training | guardrail
    severity: Mapped[str] = mapped_column(String(10), default="medium")  # medium | high
    message: Mapped[str] = mapped_column(Text)
    metric: Mapped[str | None] = mapped_column(String(80), nullable=True)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    threshold: Mapped[float | None] = mapped_column(Float, nullable=True)
    source_kind: Mapped[str | None] = mapped_column(String(40), nullable=True)
    source_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source_label: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(300), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # set by the one process that took on notifying this alert (claim_alert_notification)
    notify_claimed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    __table_args__ = (Index("ux_alerts_dedupe_key", "dedupe_key", unique=True),)


class AlertEvent(Base):
    """The incident log: who did what to an alert, when, and why."""

    __tablename__ = "alert_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))  # raised | acknowledged | resolved | reopened
    actor: Mapped[str] = mapped_column(String(120), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AlertDelivery(Base):
    """The outcome of delivering one alert through one notifier (after its retries)."""

    __tablename__ = "alert_deliveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    notifier: Mapped[str] = mapped_column(String(40))
    ok: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


#: Record kinds that are fine-tune runs: numbered among ``Job(kind="train")``.
RUN_KINDS = ("run", "train")

#: What each kind of record is called on screen (``display_title``).
KIND_TITLES = {
    "run": "Run",
    "train": "Run",
    "audit": "Audit",
    "evaluation": "Evaluation",
    "card": "Card",
    "dataset": "Dataset",
    "redteam": "Red-team result",
    "probes": "Probe result",
    "mitigation": "Mitigation result",
    "reweighting": "Reweighting",
    "privacy": "Privacy audit",
    "dataset_version": "Dataset version",
    "job": "Job",
}


def display_title(kind: str, number: int | None, name: str = "") -> str:
    """``Run #1 · demo-lora-300``; a name that repeats the kind (``Audit of x``) reads on
    (``Audit #2 of x``)."""
    title = KIND_TITLES.get(kind, kind.replace("_", " ").capitalize())
    head = f"{title} #{number}" if number is not None else title
    name = (name or "").strip()
    if not name:
        return head
    if name.lower().startswith(title.lower() + " "):
        return f"{head} {name[len(title) + 1 :]}"
    return f"{head} · {name}"


@dataclass(frozen=True)
class WorkspaceSummary:
    datasets: int
    runs: int
    audits: int
    evaluations: int
    cards: int
    open_alerts: int
    active_jobs: int


# -- the after-write hook ---------------------------------------------------------------
# The store knows records, never checks or alerts: whoever wants to react to what lands
# (the alert service) subscribes here, and the store calls it after each commit.

log = logging.getLogger("steward.store")


@dataclass(frozen=True)
class Landed:
    """What just landed, handed to the after-write hook after the transaction committed.

    ``kind`` is ``artifact`` (a saved report, with the producer's observations),
    ``metrics`` (a run's values for one step, each as an observation about ``run:ID``),
    ``job`` (a job's fields changed, e.g. its status) or ``observations`` (values that are
    not kept as a record themselves, e.g. the scores of a generated text).
    """

    store: Store
    kind: str
    record_id: int | None = None
    artifact: Artifact | None = None
    observations: tuple[Observation, ...] = ()
    changes: Mapping[str, Any] = field(default_factory=dict)
    source_kind: str | None = None
    source_label: str = ""
    #: What listeners report back (the alert service: the alerts it raised).
    replies: list = field(default_factory=list)


_after_write: list[Callable[[Landed], None]] = []


def on_write(listener: Callable[[Landed], None]) -> None:
    """Call ``listener(landed)`` after every write (once per listener, process-wide)."""
    if listener not in _after_write:
        _after_write.append(listener)


def _landed(event: Landed) -> None:
    for listener in list(_after_write):
        try:
            listener(event)
        except JobCancelled:  # a cancel (SIGTERM in a worker) arrived meanwhile: honour it
            raise
        except Exception:  # the record is committed; a listener's failure must not undo it
            log.exception("after-write listener %r failed on %s", listener, event.kind)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def normalize_url(url: str) -> str:
    """``postgres://`` and ``postgresql://`` mean PostgreSQL through psycopg 3 (the driver
    Steward installs); every other URL is used as given."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def safe_url(url: str) -> str:
    """``url`` with its password masked, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction for a read-then-write that must not interleave with another writer.

    SQLite: ``BEGIN IMMEDIATE`` takes the database's single write lock before anything is
    read (pysqlite would otherwise begin only at the first INSERT, after our reads; in
    autocommit mode it leaves the transaction to us); other writers wait ``busy_timeout``.
    Other databases: an ordinary transaction, in which the caller first takes the lock it
    needs (``SELECT ... FOR UPDATE`` on a row, an advisory lock).
    """
    with engine.connect() as conn:
        if conn.dialect.name != "sqlite":
            with conn.begin():
                yield conn
            return
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.exec_driver_sql("ROLLBACK")
            raise
        conn.exec_driver_sql("COMMIT")


class Store:
    """Repository over one database URL. Thread-safe; cheap to share process-wide."""

    def __init__(self, url: str) -> None:
        self.url = url
        engine_url = normalize_url(url)
        kwargs: dict[str, Any] = {}
        if engine_url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:  # a server may restart or drop idle connections: test each before use
            kwargs["pool_pre_ping"] = True
        try:
            self.engine: Engine = create_engine(engine_url, **kwargs)
        except (ArgumentError, ImportError) as exc:
            raise StewardError(
                f"STEWARD_DATABASE_URL={safe_url(url)} cannot be used: {exc}"
            ) from None
        if engine_url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._init_lock = threading.Lock()
        self._init_schema()

    # -- schema -------------------------------------------------------------------------
    def _init_schema(self) -> None:
        """Create or upgrade the schema (Alembic), refusing a database from a newer Steward."""
        from backend.migrations import DatabaseTooNew, upgrade_database

        too_new = StewardError(
            f"The database at {safe_url(self.url)} was written by a newer Steward than this "
            "one. Upgrade Steward."
        )
        try:
            with self._init_lock:
                with self.session() as s:
                    row = s.get(Meta, "schema_version") if self._has_meta(s) else None
                    if row is not None and int(row.value) > SCHEMA_VERSION:
                        raise too_new
                upgrade_database(self.engine, transaction=write_transaction)
        except DatabaseTooNew:
            raise too_new from None
        except OperationalError as exc:
            reason = str(exc.orig or exc).strip().splitlines()[0]
            raise StewardError(f"Cannot open the database {safe_url(self.url)}: {reason}") from None

    @staticmethod
    def _has_meta(s: Session) -> bool:
        return s.get_bind().dialect.has_table(s.connection(), "meta")

    @property
    def schema_version(self) -> int:
        with self.session() as s:
            return int(s.get(Meta, "schema_version").value)

    @contextmanager
    def session(self) -> Iterator[Session]:
        s = self._sessions()
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()

    # -- datasets -----------------------------------------------------------------------
    def add_dataset(self, **fields: Any) -> Dataset:
        with self.session() as s:
            ds = Dataset(**fields)
            s.add(ds)
            s.flush()
            return ds

    def list_datasets(self) -> list[Dataset]:
        with self.session() as s:
            return list(s.scalars(select(Dataset).order_by(Dataset.id)))

    def get_dataset(self, dataset_id: int) -> Dataset | None:
        with self.session() as s:
            return s.get(Dataset, dataset_id)

    def find_dataset(self, *, location: str) -> Dataset | None:
        with self.session() as s:
            return s.scalars(select(Dataset).where(Dataset.location == location)).first()

    def update_dataset(self, dataset_id: int, **fields: Any) -> None:
        with self.session() as s:
            s.execute(update(Dataset).where(Dataset.id == dataset_id).values(**fields))

    # -- jobs ---------------------------------------------------------------------------
    def create_job(self, *, kind: str, name: str = "", params: dict | None = None, **fields) -> Job:
        with self.session() as s:
            job = Job(kind=kind, name=name or kind, params=params or {}, **fields)
            s.add(job)
            s.flush()
            return job

    def get_job(self, job_id: int) -> Job | None:
        with self.session() as s:
            return s.get(Job, job_id)

    def update_job(self, job_id: int, **fields: Any) -> None:
        with self.session() as s:
            s.execute(update(Job).where(Job.id == job_id).values(**fields))
        if _after_write:
            _landed(Landed(self, "job", job_id, changes=fields))

    def list_jobs(
        self, *, kind: str | None = None, statuses: Iterable[str] | None = None, limit: int = 200
    ) -> list[Job]:
        stmt = select(Job).order_by(Job.id.desc()).limit(limit)
        if kind:
            stmt = stmt.where(Job.kind == kind)
        if statuses:
            stmt = stmt.where(Job.status.in_(list(statuses)))
        with self.session() as s:
            return list(s.scalars(stmt))

    # -- metrics ------------------------------------------------------------------------
    def add_metrics(self, run_id: int, step: int, values: dict[str, float]) -> None:
        """Record several named values for one step of a run in one transaction."""
        self.add_metric_steps(run_id, [(step, values)])

    def add_metric_steps(
        self, run_id: int, steps: Iterable[tuple[int, Mapping[str, float | None]]]
    ) -> None:
        """Record the values of several steps of a run in one transaction."""
        now = utcnow()
        rows = [
            Metric(run_id=run_id, step=int(step), name=k, value=float(v), time=now)
            for step, values in steps
            for k, v in values.items()
            if v is not None
        ]
        if rows:
            with self.session() as s:
                s.add_all(rows)
            if _after_write:
                run = f"run:{run_id}"
                obs = tuple(Observation(r.name, r.value, run, {"step": r.step}) for r in rows)
                _landed(Landed(self, "metrics", run_id, observations=obs))

    def metrics(self, run_id: int, names: Iterable[str] | None = None) -> list[Metric]:
        stmt = select(Metric).where(Metric.run_id == run_id).order_by(Metric.step, Metric.id)
        if names is not None:
            stmt = stmt.where(Metric.name.in_(list(names)))
        with self.session() as s:
            return list(s.scalars(stmt))

    def metric_names(self, run_id: int) -> list[str]:
        with self.session() as s:
            stmt = select(Metric.name).where(Metric.run_id == run_id).distinct()
            return sorted(s.scalars(stmt))

    # -- artifacts ----------------------------------------------------------------------
    def save_artifact(
        self,
        *,
        kind: str,
        content: dict,
        name: str = "",
        observations: Iterable[Observation] = (),
        **fields,
    ) -> Artifact:
        """Store a report; ``observations`` (what it measured) go to the after-write hook."""
        with self.session() as s:
            art = Artifact(
                kind=kind, name=name, content=content, content_hash=content_hash(content), **fields
            )
            s.add(art)
            s.flush()
        if _after_write:
            _landed(Landed(self, "artifact", art.id, art, tuple(observations)))
        return art

    def observe(
        self, observations: Iterable[Observation], *, source_kind: str, source_label: str = ""
    ) -> list:
        """Hand values that are not kept as a record (a generated text's scores) to the
        hook; returns what the listeners replied (the alerts they raised)."""
        obs = tuple(observations)
        if not obs or not _after_write:
            return []
        event = Landed(
            self,
            "observations",
            observations=obs,
            source_kind=source_kind,
            source_label=source_label,
        )
        _landed(event)
        return list(event.replies)

    def get_artifact(self, artifact_id: int) -> Artifact | None:
        with self.session() as s:
            return s.get(Artifact, artifact_id)

    def list_artifacts(self, kind: str | None = None, limit: int = 500) -> list[Artifact]:
        stmt = select(Artifact).order_by(Artifact.id.desc()).limit(limit)
        if kind:
            stmt = stmt.where(Artifact.kind == kind)
        with self.session() as s:
            return list(s.scalars(stmt))

    # -- alerts -------------------------------------------------------------------------
    def add_alert(
        self,
        *,
        kind: str,
        message: str,
        severity: str = "medium",
        actor: str = "steward",
        **fields,
    ) -> Alert | None:
        """Store an alert and its ``raised`` event.

        Returns ``None`` when an alert with the same ``dedupe_key`` already exists (the
        same condition on the same record), whatever that alert's status is.
        """
        key = fields.get("dedupe_key")
        try:
            with self.session() as s:
                if key is not None and s.scalar(select(Alert.id).where(Alert.dedupe_key == key)):
                    return None
                alert = Alert(kind=kind, message=message, severity=severity, **fields)
                s.add(alert)
                s.flush()
                s.add(AlertEvent(alert_id=alert.id, action="raised", actor=actor, note=""))
                return alert
        except IntegrityError:  # another process raised the same condition a moment ago
            if key is None:
                raise
            return None

    def claim_alert_notification(self, alert_id: int, *, stale_after_s: float = 600) -> bool:
        """Take on notifying one alert: True for exactly one caller among every process
        sharing the database (a conditional update), False for the others. A claim older
        than ``stale_after_s`` (its process died before delivering) can be taken again."""
        now = utcnow()
        stale = now - timedelta(seconds=stale_after_s)
        with self.session() as s:
            result = s.execute(
                update(Alert)
                .where(
                    Alert.id == alert_id,
                    (Alert.notify_claimed_at.is_(None)) | (Alert.notify_claimed_at < stale),
                )
                .values(notify_claimed_at=now)
            )
            return result.rowcount == 1

    def list_alerts(
        self,
        *,
        open_only: bool = True,
        statuses: Iterable[str] | None = None,
        limit: int = 200,
    ) -> list[Alert]:
        """Newest first. ``open_only`` (the default) is ``statuses=("open",)``."""
        stmt = select(Alert).order_by(Alert.id.desc()).limit(limit)
        if statuses is not None:
            stmt = stmt.where(Alert.status.in_(list(statuses)))
        elif open_only:
            stmt = stmt.where(Alert.status == "open")
        with self.session() as s:
            return list(s.scalars(stmt))

    def alerts_for(self, source_kind: str, source_ids: Iterable[int]) -> list[Alert]:
        """Alerts raised by these records (any status), newest first."""
        ids = list(source_ids)
        if not ids:
            return []
        stmt = (
            select(Alert)
            .where(Alert.source_kind == source_kind, Alert.source_id.in_(ids))
            .order_by(Alert.id.desc())
        )
        with self.session() as s:
            return list(s.scalars(stmt))

    def get_alert(self, alert_id: int) -> Alert | None:
        with self.session() as s:
            return s.get(Alert, alert_id)

    def count_alerts(self, status: str = "open", *, severity: str | None = None) -> int:
        stmt = select(func.count(Alert.id)).where(Alert.status == status)
        if severity is not None:
            stmt = stmt.where(Alert.severity == severity)
        with self.session() as s:
            return int(s.scalar(stmt) or 0)

    def set_alert_status(
        self, alert_id: int, status: str, *, actor: str = "", note: str = ""
    ) -> Alert:
        """Move an alert to ``status`` and log who did it, when and why."""
        if status not in ALERT_STATUSES:
            raise ValueError(f"unknown alert status {status!r}")
        action = {"open": "reopened", "acknowledged": "acknowledged", "resolved": "resolved"}
        now = utcnow()
        with self.session() as s:
            alert = s.get(Alert, alert_id)
            if alert is None:
                raise KeyError(alert_id)
            alert.status = status
            if status == "acknowledged" and alert.acknowledged_at is None:
                alert.acknowledged_at = now
            if status == "resolved":
                alert.resolved_at = now
                alert.acknowledged_at = alert.acknowledged_at or now
            if status == "open":
                alert.acknowledged_at = alert.resolved_at = None
            s.add(
                AlertEvent(alert_id=alert_id, action=action[status], actor=actor, note=note, at=now)
            )
            s.flush()
            return alert

    def acknowledge_alert(self, alert_id: int, *, actor: str = "", note: str = "") -> None:
        self.set_alert_status(alert_id, "acknowledged", actor=actor, note=note)

    def alert_events(self, alert_id: int) -> list[AlertEvent]:
        """The alert's history, oldest first."""
        with self.session() as s:
            stmt = select(AlertEvent).where(AlertEvent.alert_id == alert_id)
            return list(s.scalars(stmt.order_by(AlertEvent.id)))

    # -- overview -----------------------------------------------------------------------
    def summary(self) -> WorkspaceSummary:
        with self.session() as s:

            def count(stmt) -> int:
                return int(s.scalar(stmt) or 0)

            def artifacts(kind: str) -> int:
                return count(select(func.count(Artifact.id)).where(Artifact.kind == kind))

            return WorkspaceSummary(
                datasets=count(select(func.count(Dataset.id))),
                runs=count(select(func.count(Job.id)).where(Job.kind == "train")),
                audits=artifacts("audit"),
                evaluations=artifacts("evaluation"),
                cards=artifacts("card"),
                open_alerts=count(select(func.count(Alert.id)).where(Alert.status == "open")),
                active_jobs=count(
                    select(func.count(Job.id)).where(Job.status.in_(ACTIVE_STATUSES))
                ),
            )

    # -- identity: one number and one display name per record ---------------------------
    def record_numbers(self, kind: str) -> dict[int, int]:
        """``{database id: number}`` for every record of ``kind`` (numbers start at 1).

        A run is numbered among fine-tune jobs, every other artifact kind among its own
        kind, so the first run, audit or evaluation is always #1 whatever else exists.
        """
        model, column = (Job, Job.kind) if kind in RUN_KINDS else (Artifact, Artifact.kind)
        value = "train" if kind in RUN_KINDS else kind
        with self.session() as s:
            ids = s.scalars(select(model.id).where(column == value).order_by(model.id))
            return {int(i): n for n, i in enumerate(ids, start=1)}

    def record_number(self, kind: str, record_id: int) -> int | None:
        """The number of one record of ``kind`` (None when it is not of that kind)."""
        model, column = (Job, Job.kind) if kind in RUN_KINDS else (Artifact, Artifact.kind)
        value = "train" if kind in RUN_KINDS else kind
        with self.session() as s:
            if s.scalar(select(model.id).where(model.id == record_id, column == value)) is None:
                return None
            stmt = select(func.count(model.id)).where(column == value, model.id <= record_id)
            return int(s.scalar(stmt) or 0)

    def record_by_number(self, kind: str, number: int) -> Job | Artifact | None:
        """The record shown as ``<Kind> #number`` (a fine-tune job for ``run``)."""
        if number < 1:
            return None
        model, column = (Job, Job.kind) if kind in RUN_KINDS else (Artifact, Artifact.kind)
        value = "train" if kind in RUN_KINDS else kind
        stmt = select(model).where(column == value).order_by(model.id).offset(number - 1)
        with self.session() as s:
            return s.scalars(stmt.limit(1)).first()

    def display_name(self, record: Job | Artifact | Dataset, *, numbers: dict | None = None) -> str:
        """The one name a record has on every page, in the CLI, on cards and in exports.

        ``Run #1 · demo-lora-300``, ``Audit #2 of comments``, ``Evaluation #1 · …``,
        ``Card #3 · …``, ``Dataset #1 · comments``. ``numbers`` (from
        :meth:`record_numbers`) saves a query per record when naming a list.
        """
        if isinstance(record, Dataset):
            return display_title("dataset", record.id, record.name)
        if isinstance(record, Job):
            if record.kind != "train":
                return display_title("job", record.id, record.name)
            n = (numbers or {}).get(record.id) or self.record_number("run", record.id)
            return display_title("run", n, record.name)
        content = record.content if isinstance(record.content, dict) else {}
        if record.kind == "card" and content.get("card_id"):
            return display_title("card", int(content["card_id"]), record.name)
        if record.kind == "run" and record.job_id is not None:
            job = self.get_job(record.job_id)
            if job is not None:
                return self.display_name(job, numbers=numbers)
        if record.kind == "reweighting":  # the fine-tune config names it by artifact_id
            return display_title(record.kind, record.id, record.name)
        n = (numbers or {}).get(record.id) or self.record_number(record.kind, record.id)
        return display_title(record.kind, n or record.id, record.name)


_stores: dict[str, Store] = {}
_stores_lock = threading.Lock()


def get_store(url: str | None = None) -> Store:
    """The process-wide :class:`Store` for ``url`` (default: the configured database)."""
    from backend.config import get_settings

    settings = get_settings()
    if url is None:
        settings.ensure_dirs()
        url = settings.database_url
    with _stores_lock:
        if url not in _stores:
            _stores[url] = Store(url)
        return _stores[url]


def reset_stores() -> None:
    """Forget cached stores (tests switch STEWARD_HOME between cases)."""
    with _stores_lock:
        for store in _stores.values():
            store.engine.dispose()
        _stores.clear()
