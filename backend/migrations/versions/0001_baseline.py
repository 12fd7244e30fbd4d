"""Baseline: the schema as it was before Alembic (store schema version 2, cards, sign-offs).

An empty database gets every table. A database written by an earlier Steward (no
``alembic_version`` table, ``meta.schema_version`` 1 or 2) keeps its rows: tables it
lacks are created, columns added after version 1 are added with their defaults, and the
version-1 alert statuses and severities are carried over.

The tables are frozen here as they were; later changes go in later revisions.

Revision ID: 0001_baseline
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None

_meta = sa.MetaData()


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), primary_key=True)


sa.Table(
    "meta",
    _meta,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text(), nullable=False),
)
sa.Table(
    "datasets",
    _meta,
    _id(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("source", sa.String(40), nullable=False),
    sa.Column("location", sa.Text(), nullable=False),
    sa.Column("format", sa.String(20), nullable=False),
    sa.Column("n_rows", sa.Integer(), nullable=False),
    sa.Column("columns", sa.JSON(), nullable=False),
    sa.Column("roles", sa.JSON(), nullable=False),
    sa.Column("synthetic", sa.Boolean(), nullable=False),
    sa.Column("expect_no_pii", sa.Boolean(), nullable=False),
    sa.Column("description", sa.Text(), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
)
sa.Table(
    "jobs",
    _meta,
    _id(),
    sa.Column("kind", sa.String(40), nullable=False, index=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("progress", sa.Float(), nullable=False),
    sa.Column("message", sa.Text(), nullable=False),
    sa.Column("error", sa.Text(), nullable=True),
    sa.Column("params", sa.JSON(), nullable=False),
    sa.Column("result", sa.JSON(), nullable=True),
    sa.Column("runner", sa.String(20), nullable=False),
    sa.Column("owner_pid", sa.Integer(), nullable=True),
    sa.Column("worker_pid", sa.Integer(), nullable=True),
    sa.Column("exit_code", sa.Integer(), nullable=True),
    sa.Column("log_path", sa.Text(), nullable=True),
    sa.Column("cancel_requested", sa.Boolean(), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("started_at", sa.DateTime(), nullable=True),
    sa.Column("finished_at", sa.DateTime(), nullable=True),
)
sa.Table(
    "metrics",
    _meta,
    _id(),
    sa.Column("run_id", sa.Integer(), sa.ForeignKey("jobs.id"), nullable=False),
    sa.Column("step", sa.Integer(), nullable=False),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("value", sa.Float(), nullable=False),
    sa.Column("time", sa.DateTime(), nullable=False),
    sa.Index("ix_metrics_run_name_step", "run_id", "name", "step"),
)
sa.Table(
    "artifacts",
    _meta,
    _id(),
    sa.Column("kind", sa.String(40), nullable=False, index=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("job_id", sa.Integer(), sa.ForeignKey("jobs.id"), nullable=True),
    sa.Column("dataset_id", sa.Integer(), sa.ForeignKey("datasets.id"), nullable=True),
    sa.Column("content", sa.JSON(), nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
)
sa.Table(
    "alerts",
    _meta,
    _id(),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("severity", sa.String(10), nullable=False),
    sa.Column("message", sa.Text(), nullable=False),
    sa.Column("metric", sa.String(80), nullable=True),
    sa.Column("value", sa.Float(), nullable=True),
    sa.Column("threshold", sa.Float(), nullable=True),
    sa.Column("source_kind", sa.String(40), nullable=True),
    sa.Column("source_id", sa.Integer(), nullable=True),
    sa.Column("source_label", sa.Text(), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("dedupe_key", sa.String(300), nullable=True),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
    sa.Column("resolved_at", sa.DateTime(), nullable=True),
    sa.Index("ux_alerts_dedupe_key", "dedupe_key", unique=True),
)
sa.Table(
    "alert_events",
    _meta,
    _id(),
    sa.Column("alert_id", sa.Integer(), sa.ForeignKey("alerts.id"), nullable=False, index=True),
    sa.Column("action", sa.String(20), nullable=False),
    sa.Column("actor", sa.String(120), nullable=False),
    sa.Column("note", sa.Text(), nullable=False),
    sa.Column("at", sa.DateTime(), nullable=False),
)
sa.Table(
    "alert_deliveries",
    _meta,
    _id(),
    sa.Column("alert_id", sa.Integer(), sa.ForeignKey("alerts.id"), nullable=False, index=True),
    sa.Column("notifier", sa.String(40), nullable=False),
    sa.Column("ok", sa.Boolean(), nullable=False),
    sa.Column("error", sa.Text(), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("at", sa.DateTime(), nullable=False),
)
sa.Table(
    "cards",
    _meta,
    _id(),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("created_by", sa.String(120), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
)
sa.Table(
    "card_versions",
    _meta,
    _id(),
    sa.Column("card_id", sa.Integer(), sa.ForeignKey("cards.id"), nullable=False, index=True),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("content", sa.JSON(), nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("author", sa.String(120), nullable=False),
    sa.Column("note", sa.Text(), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.UniqueConstraint("card_id", "version", name="uq_card_version"),
)
sa.Table(
    "card_signoffs",
    _meta,
    _id(),
    sa.Column("card_id", sa.Integer(), sa.ForeignKey("cards.id"), nullable=False, index=True),
    sa.Column("version_id", sa.Integer(), sa.ForeignKey("card_versions.id"), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("reviewer", sa.String(200), nullable=False),
    sa.Column("auth_method", sa.String(20), nullable=False),
    sa.Column("decision", sa.String(10), nullable=False),
    sa.Column("comment", sa.Text(), nullable=False),
    sa.Column("card_hash", sa.String(64), nullable=False),
    sa.Column("evidence", sa.JSON(), nullable=False),
    sa.Column("signed_at", sa.DateTime(), nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("record_hash", sa.String(64), nullable=False),
    sa.Column("exceptions", sa.JSON(), nullable=True),
)
sa.Table(
    "card_signoff_heads",
    _meta,
    sa.Column("card_id", sa.Integer(), sa.ForeignKey("cards.id"), primary_key=True),
    sa.Column("count", sa.Integer(), nullable=False),
    sa.Column("head_hash", sa.String(64), nullable=False),
    sa.Column("last_id", sa.Integer(), nullable=False),
    sa.Column("key_id", sa.String(12), nullable=False),
    sa.Column("mac", sa.String(64), nullable=False),
    sa.Column("updated_at", sa.DateTime(), nullable=False),
)
sa.Table(
    "reviewer_sign_ins",
    _meta,
    _id(),
    sa.Column("name", sa.String(64), nullable=False, index=True),
    sa.Column("ok", sa.Boolean(), nullable=False),
    sa.Column("at", sa.DateTime(), nullable=False),
)

# Columns added after schema version 1, or after the card tables first shipped:
# (table, column, SQL type with its default for the rows already there).
_ADDED_COLUMNS = (
    ("datasets", "expect_no_pii", "BOOLEAN NOT NULL DEFAULT FALSE"),
    ("alerts", "source_label", "TEXT NOT NULL DEFAULT ''"),
    ("alerts", "status", "VARCHAR(20) NOT NULL DEFAULT 'open'"),
    ("alerts", "dedupe_key", "VARCHAR(300)"),
    ("alerts", "resolved_at", "TIMESTAMP"),
    ("alert_deliveries", "attempts", "INTEGER NOT NULL DEFAULT 1"),
    ("card_signoffs", "exceptions", "JSON"),
)


def upgrade() -> None:
    bind = op.get_bind()
    existing = set(sa.inspect(bind).get_table_names())
    legacy_version = None
    if "meta" in existing:
        legacy_version = bind.execute(
            sa.text("SELECT value FROM meta WHERE key = 'schema_version'")
        ).scalar()
    for table in _meta.sorted_tables:
        if table.name not in existing:
            table.create(bind)
    for table, column, sql_type in _ADDED_COLUMNS:
        if table in existing:
            columns = {c["name"] for c in sa.inspect(bind).get_columns(table)}
            if column not in columns:
                op.execute(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}")
    if "alerts" in existing:
        op.execute("CREATE UNIQUE INDEX IF NOT EXISTS ux_alerts_dedupe_key ON alerts (dedupe_key)")
        op.execute("CREATE INDEX IF NOT EXISTS ix_alerts_status ON alerts (status)")
    if legacy_version is not None and int(legacy_version) < 2:
        alerts = sa.table(
            "alerts",
            sa.column("status"),
            sa.column("severity"),
            sa.column("acknowledged_at"),
        )
        op.execute(
            alerts.update()
            .where(alerts.c.acknowledged_at.is_not(None))
            .values(status="acknowledged")
        )
        # Version 1 named severities warning / critical; the seed's scale is medium / high.
        op.execute(alerts.update().where(alerts.c.severity == "critical").values(severity="high"))
        op.execute(
            alerts.update()
            .where(alerts.c.severity.in_(("warning", "info")))
            .values(severity="medium")
        )
    # 3 = managed by Alembic: a Steward from before refuses this database instead of
    # writing to a schema it does not know
    meta = sa.table("meta", sa.column("key"), sa.column("value"))
    if legacy_version is None:
        op.execute(meta.insert().values(key="schema_version", value="3"))
    else:
        op.execute(meta.update().where(meta.c.key == "schema_version").values(value="3"))


def downgrade() -> None:
    raise RuntimeError("Steward's baseline cannot be downgraded: restore a backup instead.")
