"""Persistent state: SQLAlchemy 2 models and small repository functions.

SQLite in WAL mode at ``$STEWARD_HOME/steward.db`` by default; any SQLAlchemy URL
works through ``STEWARD_DATABASE_URL``. The schema is created on first use and
carries a version number (table ``meta``) so later changes can migrate.

Artifacts (audit reports, evaluations, cards, run summaries) are stored as JSON with
a SHA-256 content hash, so later records (sign-offs) can cite them and detect edits.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
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
    create_engine,
    event,
    func,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

SCHEMA_VERSION = 1

JOB_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled", "interrupted")
ACTIVE_STATUSES = ("queued", "running")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def content_hash(content: Any) -> str:
    """SHA-256 of the canonical JSON form of ``content`` (sorted keys, no spaces)."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class Base(DeclarativeBase):
    pass


class Meta(Base):
    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Dataset(Base):
    __tablename__ = "datasets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(40))  # demo | upload | path | huggingface
    location: Mapped[str] = mapped_column(Text)  # file path or HF id
    format: Mapped[str] = mapped_column(String(20))
    n_rows: Mapped[int] = mapped_column(Integer, default=0)
    columns: Mapped[list] = mapped_column(JSON, default=list)
    roles: Mapped[dict] = mapped_column(JSON, default=dict)  # text, label, sensitive[]
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Job(Base):
    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)  # audit | train | fairness | ...
    name: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    result: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    runner: Mapped[str] = mapped_column(String(20), default="thread")  # thread | process | external
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
    name: Mapped[str] = mapped_column(String(200), default="")
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), nullable=True)
    dataset_id: Mapped[int | None] = mapped_column(ForeignKey("datasets.id"), nullable=True)
    content: Mapped[dict] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    def verify_hash(self) -> bool:
        return content_hash(self.content) == self.content_hash


class Alert(Base):
    __tablename__ = "alerts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # fairness | audit | training | guardrail
    severity: Mapped[str] = mapped_column(String(10), default="warning")  # info|warning|critical
    message: Mapped[str] = mapped_column(Text)
    metric: Mapped[str | None] = mapped_column(String(80), nullable=True)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    threshold: Mapped[float | None] = mapped_column(Float, nullable=True)
    source_kind: Mapped[str | None] = mapped_column(String(40), nullable=True)
    source_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


@dataclass(frozen=True)
class WorkspaceSummary:
    datasets: int
    runs: int
    audits: int
    evaluations: int
    cards: int
    open_alerts: int
    active_jobs: int


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


class Store:
    """Repository over one database URL. Thread-safe; cheap to share process-wide."""

    def __init__(self, url: str) -> None:
        self.url = url
        kwargs: dict[str, Any] = {}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        self.engine: Engine = create_engine(url, **kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._init_lock = threading.Lock()
        self._init_schema()

    # -- schema -------------------------------------------------------------------------
    def _init_schema(self) -> None:
        with self._init_lock:
            Base.metadata.create_all(self.engine)
            with self.session() as s:
                row = s.get(Meta, "schema_version")
                if row is None:
                    s.add(Meta(key="schema_version", value=str(SCHEMA_VERSION)))
                elif int(row.value) > SCHEMA_VERSION:
                    raise RuntimeError(
                        f"The database at {self.url} has schema version {row.value}, newer "
                        f"than this Steward ({SCHEMA_VERSION}). Upgrade Steward."
                    )

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
        now = utcnow()
        rows = [
            Metric(run_id=run_id, step=int(step), name=k, value=float(v), time=now)
            for k, v in values.items()
            if v is not None
        ]
        if rows:
            with self.session() as s:
                s.add_all(rows)

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
    def save_artifact(self, *, kind: str, content: dict, name: str = "", **fields) -> Artifact:
        with self.session() as s:
            art = Artifact(
                kind=kind, name=name, content=content, content_hash=content_hash(content), **fields
            )
            s.add(art)
            s.flush()
            return art

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
    def add_alert(self, *, kind: str, message: str, severity: str = "warning", **fields) -> Alert:
        with self.session() as s:
            alert = Alert(kind=kind, message=message, severity=severity, **fields)
            s.add(alert)
            s.flush()
            return alert

    def list_alerts(self, *, open_only: bool = True, limit: int = 200) -> list[Alert]:
        stmt = select(Alert).order_by(Alert.id.desc()).limit(limit)
        if open_only:
            stmt = stmt.where(Alert.acknowledged_at.is_(None))
        with self.session() as s:
            return list(s.scalars(stmt))

    def acknowledge_alert(self, alert_id: int) -> None:
        with self.session() as s:
            s.execute(update(Alert).where(Alert.id == alert_id).values(acknowledged_at=utcnow()))

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
                open_alerts=count(
                    select(func.count(Alert.id)).where(Alert.acknowledged_at.is_(None))
                ),
                active_jobs=count(
                    select(func.count(Job.id)).where(Job.status.in_(ACTIVE_STATUSES))
                ),
            )


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
