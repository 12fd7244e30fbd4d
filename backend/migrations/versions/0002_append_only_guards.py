"""Append-only guards in the database itself, on SQLite and PostgreSQL.

Card versions and sign-offs are never updated or deleted; cards are never deleted and
keep their id, kind and creator; an anchored chain head is never deleted or replaced.
SQLite gets the triggers Steward created on first use before Alembic (idempotent here);
PostgreSQL gets row triggers for the same rules plus statement triggers against
``TRUNCATE``, which skips row triggers. Every refusal is an integrity error whose
message names the table and the rule, as on SQLite.

Whoever owns the tables can still drop a trigger; the hash chain and the HMAC-anchored
head (``card verify``) catch what is changed after that. On a shared PostgreSQL, run the
dashboards with a role that does not own the tables (docs/team.md).

Revision ID: 0002_append_only_guards
Revises: 0001_baseline
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0002_append_only_guards"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def _abort(table: str, why: str) -> str:
    return f"BEGIN SELECT RAISE(ABORT, '{table} {why}'); END"


SQLITE_TRIGGERS = {
    **{
        f"{table}_no_{op_name.lower()}": f"BEFORE {op_name} ON {table} "
        + _abort(table, "is append-only")
        for table in ("card_versions", "card_signoffs")
        for op_name in ("UPDATE", "DELETE")
    },
    # INSERT OR REPLACE deletes the clashing row without firing the delete trigger:
    # refuse any insert that reuses an existing id (or, for versions, card and number)
    "card_versions_no_replace": """BEFORE INSERT ON card_versions
        WHEN EXISTS (SELECT 1 FROM card_versions WHERE id = NEW.id
                     OR (card_id = NEW.card_id AND version = NEW.version)) """
    + _abort("card_versions", "is append-only: that version already exists"),
    "card_signoffs_no_replace": """BEFORE INSERT ON card_signoffs
        WHEN EXISTS (SELECT 1 FROM card_signoffs WHERE id = NEW.id) """
    + _abort("card_signoffs", "is append-only: that sign-off already exists"),
    # cards: the title follows the latest version (the one allowed update); never deleted
    "cards_no_delete": "BEFORE DELETE ON cards "
    + _abort("cards", "cannot be deleted: cards keep their history"),
    "cards_no_update": "BEFORE UPDATE OF id, kind, created_by, created_at ON cards "
    + _abort("cards", "keep their id, kind and creator"),
    "cards_no_replace": "BEFORE INSERT ON cards WHEN EXISTS (SELECT 1 FROM cards WHERE id = NEW.id) "
    + _abort("cards", "cannot be replaced"),
    "card_signoff_heads_no_delete": "BEFORE DELETE ON card_signoff_heads "
    + _abort("card_signoff_heads", "cannot be deleted"),
    "card_signoff_heads_no_replace": """BEFORE INSERT ON card_signoff_heads
        WHEN EXISTS (SELECT 1 FROM card_signoff_heads WHERE card_id = NEW.card_id) """
    + _abort("card_signoff_heads", "cannot be replaced"),
}

# One refusing function; each trigger passes the message (table name first, as on SQLite).
POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION steward_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation';
END
$$
"""

# (trigger name, table, when, for each, condition, message)
POSTGRES_TRIGGERS = [
    (f"{table}_no_{what}", table, when, each, "", f"{table} is append-only")
    for table in ("card_versions", "card_signoffs")
    for what, when, each in (
        ("update", "BEFORE UPDATE", "ROW"),
        ("delete", "BEFORE DELETE", "ROW"),
        ("truncate", "BEFORE TRUNCATE", "STATEMENT"),
    )
] + [
    (
        "cards_no_delete",
        "cards",
        "BEFORE DELETE",
        "ROW",
        "",
        "cards cannot be deleted: cards keep their history",
    ),
    (
        "cards_no_truncate",
        "cards",
        "BEFORE TRUNCATE",
        "STATEMENT",
        "",
        "cards cannot be deleted: cards keep their history",
    ),
    (
        "cards_no_update",
        "cards",
        "BEFORE UPDATE",
        "ROW",
        "WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.kind IS DISTINCT FROM NEW.kind "
        "OR OLD.created_by IS DISTINCT FROM NEW.created_by "
        "OR OLD.created_at IS DISTINCT FROM NEW.created_at)",
        "cards keep their id, kind and creator",
    ),
    (
        "card_signoff_heads_no_delete",
        "card_signoff_heads",
        "BEFORE DELETE",
        "ROW",
        "",
        "card_signoff_heads cannot be deleted",
    ),
    (
        "card_signoff_heads_no_truncate",
        "card_signoff_heads",
        "BEFORE TRUNCATE",
        "STATEMENT",
        "",
        "card_signoff_heads cannot be deleted",
    ),
    (
        "card_signoff_heads_no_rekey",
        "card_signoff_heads",
        "BEFORE UPDATE",
        "ROW",
        "WHEN (OLD.card_id IS DISTINCT FROM NEW.card_id)",
        "card_signoff_heads cannot be replaced",
    ),
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")
    elif dialect == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        for name, table, when, each, condition, message in POSTGRES_TRIGGERS:
            op.execute(
                f"CREATE OR REPLACE TRIGGER {name} {when} ON {table} FOR EACH {each} "
                f"{condition} EXECUTE FUNCTION steward_refuse_change('{message}')"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif dialect == "postgresql":
        for name, table, *_ in POSTGRES_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS steward_refuse_change()")
