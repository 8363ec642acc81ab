"""A message its author deleted leaves a tombstone (channel, id, when, by whom; no text),
so a client that reconnects drops it too.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "message_tombstones",
        sa.Column("channel", sa.String(64), primary_key=True),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("deleted_at", sa.Float, nullable=False),
        sa.Column("by", sa.String(10), nullable=False),
    )
    op.create_index("ix_message_tombstones_deleted_at", "message_tombstones", ["deleted_at"])


def downgrade() -> None:
    op.drop_index("ix_message_tombstones_deleted_at", "message_tombstones")
    op.drop_table("message_tombstones")
