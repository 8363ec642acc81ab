"""Held messages and alerts' context sealed at rest: ``held_messages.key_id`` and
``alerts.key_id`` name the key that sealed ``held_messages.text`` and ``alerts.context``
(NULL: stored in clear before this revision), store/bodies.py.

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


def downgrade() -> None:
    for table in ("alerts", "held_messages"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("key_id")
