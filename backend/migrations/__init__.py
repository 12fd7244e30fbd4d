"""Schema migrations (Alembic) for SQLite and PostgreSQL alike.

Every :class:`~backend.store.Store` calls :func:`upgrade_database` when it opens a
database: an empty one gets the whole schema, one written by an earlier Steward is
upgraded in place, one already at the newest revision costs one query. Revisions live in
``backend/migrations/versions/``; how to add one is in ``backend/migrations/README.md``.

Concurrent openers (several dashboards, worker processes) are serialised: the upgrade runs
in one transaction under SQLite's write lock (``BEGIN IMMEDIATE``) or a PostgreSQL
advisory lock, and re-reads the revision once it holds the lock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import cache
from pathlib import Path

from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from backend.errors import StewardError

HERE = Path(__file__).resolve().parent

#: Any constant shared by every Steward: the PostgreSQL advisory lock for upgrades.
_PG_LOCK_ID = 0x5354_4557  # "STEW"


class DatabaseTooNew(StewardError):
    """The database was migrated by a newer Steward than this one."""


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["connection"] = connection
    return cfg


@cache
def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The newest revision this Steward knows."""
    return _script().get_current_head()


def current_revision(connection: Connection) -> str | None:
    """The database's revision (``None``: empty, or written before Alembic)."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade_database(
    engine: Engine, *, transaction: Callable[[Engine], AbstractContextManager[Connection]]
) -> None:
    """Bring the database behind ``engine`` to the newest revision (see module docstring).

    ``transaction`` is the store's write transaction (passed in, so that migrations do not
    import the store that imports them).
    """
    head = head_revision()
    with engine.connect() as conn:
        if current_revision(conn) == head:
            return
    with _upgrade_lock(engine, transaction) as conn:
        current = current_revision(conn)
        if current == head:
            return  # another process upgraded it while we waited
        if current is not None and not _known(current):
            raise DatabaseTooNew(f"revision {current}")
        from alembic import command

        command.upgrade(alembic_config(conn), "head")


def _known(revision: str) -> bool:
    try:
        return _script().get_revision(revision) is not None
    except CommandError:
        return False


@contextmanager
def _upgrade_lock(engine: Engine, transaction) -> Iterator[Connection]:
    """One transaction holding the database-wide upgrade lock."""
    with transaction(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_LOCK_ID})
        yield conn
