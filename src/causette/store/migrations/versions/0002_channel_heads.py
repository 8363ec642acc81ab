"""Channel heads: the last id given per channel, the shared source of message ids.

Several server processes write to one database; each message id is taken from this row
inside the transaction that stores the message (docs/decisions/005-message-ids-across-processes.md).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_heads",
        sa.Column("channel", sa.String(64), primary_key=True),
        sa.Column("head", sa.Integer, nullable=False),
    )
    op.execute(
        "INSERT INTO channel_heads (channel, head) "
        "SELECT channel, MAX(id) FROM messages GROUP BY channel"
    )


def downgrade() -> None:
    op.drop_table("channel_heads")
