"""Copies of message bodies sealed at rest: ``held_messages.key_id``, ``alerts.key_id`` and
``safety_state.key_id`` name the key that sealed ``held_messages.text``, ``alerts.context``
and ``safety_state.data`` (NULL: stored in clear before this revision), store/bodies.py.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("held_messages", sa.Column("key_id", sa.String(16), nullable=True))
    op.add_column("alerts", sa.Column("key_id", sa.String(16), nullable=True))
    op.add_column("safety_state", sa.Column("key_id", sa.String(16), nullable=True))


def downgrade() -> None:
    for table in ("safety_state", "alerts", "held_messages"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("key_id")
