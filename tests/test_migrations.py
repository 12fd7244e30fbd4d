"""Schema migrations (Alembic): fresh databases, databases from before Alembic, and
databases from a newer Steward, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from backend.cards import CardRepository, card_hash
from backend.errors import StewardError
from backend.migrations import head_revision
from backend.migrations.models import target_metadata
from backend.store import SCHEMA_VERSION, Store

LEGACY = Path(__file__).parent / "legacy_workspace"
LEGACY_KEY = "legacy-fixture-key-0123456789"  # build.sh anchored the sign-off head with it

pytestmark = pytest.mark.databases


def test_migrations_build_exactly_the_models_schema(store):
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert ctx.get_current_revision() == head_revision()
        assert compare_metadata(ctx, target_metadata()) == []
    assert store.schema_version == SCHEMA_VERSION


def _legacy_url(database: str, tmp_path: Path, request) -> str:
    """A fresh database holding the pre-Alembic workspace dump."""
    if database == "sqlite":
        con = sqlite3.connect(tmp_path / "legacy.db")
        con.executescript((LEGACY / "sqlite.sql").read_text())
        con.close()
        return f"sqlite:///{tmp_path / 'legacy.db'}"
    url = request.getfixturevalue("postgres_server").database_url()
    engine = create_engine(url)
    raw = engine.raw_connection()
    try:
        raw.driver_connection.execute((LEGACY / "postgres.sql").read_text())
        raw.commit()
    finally:
        raw.close()
    engine.dispose()
    return url


def _rows(url: str, columns: dict[str, list[str]] | None = None) -> dict[str, list[tuple]]:
    """Every row of every table but ``meta``, sorted, with its columns (or ``columns``, the
    ones a table had before an upgrade added some)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        out = {}
        for table in sorted(inspect(conn).get_table_names()):
            if table in ("meta", "alembic_version"):
                continue
            cols = (columns or {}).get(table) or [
                c["name"] for c in inspect(conn).get_columns(table)
            ]
            rows = conn.execute(text(f"SELECT {', '.join(cols)} FROM {table}"))
            out[table] = sorted((tuple(r) for r in rows), key=repr)
    engine.dispose()
    return out


def _columns(url: str) -> dict[str, list[str]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        tables = inspect(conn).get_table_names()
        out = {t: [c["name"] for c in inspect(conn).get_columns(t)] for t in tables}
    engine.dispose()
    return out


def test_a_populated_workspace_from_before_alembic_upgrades_without_loss(
    database, tmp_path, request, monkeypatch
):
    monkeypatch.setenv("STEWARD_SIGNOFF_KEY", LEGACY_KEY)
    url = _legacy_url(database, tmp_path, request)
    columns = _columns(url)
    before = _rows(url)
    assert before["artifacts"] and before["card_signoffs"] and before["metrics"]

    store = Store(url)
    assert store.schema_version == SCHEMA_VERSION
    after = _rows(url, columns)
    assert after == before  # every row of every table, unchanged
    assert store.get_job(1).owner_host is None  # added by 0003: unknown for old jobs

    # what the rows mean still holds: hashes, the chain and its anchored head
    assert all(a.verify_hash() for a in store.list_artifacts())
    repo = CardRepository(store)
    version = repo.latest_version(1)
    assert card_hash(version.content) == version.content_hash
    assert repo.chain_problems(1) == []
    assert [a.status for a in store.list_alerts(statuses=("acknowledged",))] == ["acknowledged"]
    assert store.record_by_number("run", 1).name == "legacy-run"

    # and the append-only guards are there now (on PostgreSQL for the first time)
    with pytest.raises(Exception, match="append-only"), store.engine.begin() as conn:
        conn.execute(text("UPDATE card_signoffs SET decision = 'approve'"))
    Store(url)  # opening again changes nothing
    assert _rows(url, columns) == after


def test_a_database_from_a_newer_steward_is_refused(store):
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    with pytest.raises(StewardError, match="newer Steward"):
        Store(store.url)
