"""Alembic environment for Steward's database (SQLite or PostgreSQL).

Used two ways:

* by :func:`backend.migrations.upgrade_database`, which every :class:`~backend.store.Store`
  calls on start-up with an open connection in ``config.attributes["connection"]``;
* by the ``alembic`` command for developers writing a revision
  (``alembic -c backend/migrations/alembic.ini revision --autogenerate -m "..."``), which
  connects to the configured ``STEWARD_DATABASE_URL`` / ``STEWARD_HOME`` database.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from backend.migrations.models import target_metadata

config = context.config


def _run(connection, metadata=None) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things: batch mode rebuilds the table instead
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:  # Steward opening its database: no models needed
    _run(connection)
else:  # the alembic command line
    from backend.config import get_settings

    settings = get_settings()
    settings.ensure_dirs()
    from backend.store import normalize_url

    engine = create_engine(normalize_url(settings.database_url))
    with engine.begin() as conn:
        _run(conn, target_metadata())  # autogenerate compares the models with the database
    engine.dispose()
