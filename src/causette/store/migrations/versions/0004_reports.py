"""Reports by chatters (DSA art. 16): of a message or of a chatter.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("ts", sa.Float, nullable=False),
        sa.Column("reporter_id", sa.String(32), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(64), nullable=True),
        sa.Column("message_id", sa.Integer, nullable=True),
        sa.Column("subject_id", sa.String(32), nullable=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
    )
    op.create_index("ix_reports_status", "reports", ["status"])


def downgrade() -> None:
    op.drop_index("ix_reports_status", "reports")
    op.drop_table("reports")
