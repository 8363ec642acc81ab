"""Alerts of one kind in one channel within a window join one case: ``alerts.merged_into``
names the open alert they were merged into (status ``merged``), as ``reports.merged_into``
does for reports (0008). The index serves the look-up made at each new alert.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("alerts", sa.Column("merged_into", sa.String(32), nullable=True))
    op.create_index("ix_alerts_case", "alerts", ["channel", "kind", "status"])


def downgrade() -> None:
    op.drop_index("ix_alerts_case", "alerts")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("merged_into")
