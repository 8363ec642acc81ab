"""Device memory (issue 13, item 13): under-15 refusals at the join form, and an index to
find a device's sessions by the keyed hash of its cookie.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_sessions_device_hash", "sessions", ["device_hash"])
    op.create_table(
        "device_memory",
        sa.Column("device_hash", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("until", sa.Float, nullable=False),
    )
    op.create_index("ix_device_memory_until", "device_memory", ["until"])


def downgrade() -> None:
    op.drop_index("ix_device_memory_until", "device_memory")
    op.drop_table("device_memory")
    op.drop_index("ix_sessions_device_hash", "sessions")
