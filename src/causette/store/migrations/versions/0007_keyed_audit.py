"""The audit chain is keyed: each entry names the audit key its HMAC was made with.

Entries written before have ``key_id`` NULL and keep their plain sha256 hashes; the first
keyed entry (the server appends ``audit.keyed`` at its first start on this revision)
covers the last of them, which anchors the old chain (docs/operator.md).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("key_id", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("key_id")
