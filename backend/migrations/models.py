"""The SQLAlchemy models that make up Steward's schema, for Alembic's autogenerate and
the test that compares the models with the migrations.

Apart from :mod:`backend.migrations` (which the store imports to upgrade its database),
so that the migrations never import the store back.
"""

from __future__ import annotations

import importlib

from sqlalchemy import MetaData

#: Modules whose SQLAlchemy models (subclasses of ``backend.store.Base``) make up the
#: schema. A module that adds tables is listed here, so autogenerate and the test that
#: compares models with migrations see them.
MODEL_MODULES = ("backend.store", "backend.cards.repository")


def target_metadata() -> MetaData:
    """The metadata of every Steward model (imports :data:`MODEL_MODULES`)."""
    for name in MODEL_MODULES:
        importlib.import_module(name)
    from backend.store import Base

    return Base.metadata
