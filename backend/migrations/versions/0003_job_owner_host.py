"""Jobs record the machine that runs them.

Several dashboards on several machines share one database: a process id means something
only on the machine that started the job, so a dashboard judges (interrupted or not) and
signals only the jobs of its own machine. Jobs from before have no host: they are taken
as this machine's, as before.

Revision ID: 0003_job_owner_host
Revises: 0002_append_only_guards
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_job_owner_host"
down_revision = "0002_append_only_guards"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("owner_host", sa.String(255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("owner_host")
