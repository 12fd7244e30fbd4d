"""Alerts record which dashboard took on notifying them.

Several dashboards (and worker processes) on one database each send "pending" alerts
when a job ends. The first to claim an alert (a conditional update of this column) sends
it; the others skip it, so nobody gets the same e-mail twice. A claim older than ten
minutes without a recorded delivery (its process died) can be taken again.

Revision ID: 0004_alert_notify_claim
Revises: 0003_job_owner_host
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_alert_notify_claim"
down_revision = "0003_job_owner_host"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("alerts", sa.Column("notify_claimed_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("notify_claimed_at")
