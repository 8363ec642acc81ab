"""Held messages sealed at rest: ``held_messages.key_id`` names the key that sealed
``held_messages.text`` (NULL: a text held in clear before this revision), store/bodies.py.

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


def downgrade() -> None:
    with op.batch_alter_table("held_messages") as batch:
        batch.drop_column("key_id")
