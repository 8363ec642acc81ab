"""The initial schema: sessions, memberships, blocks, conversations, messages.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("device_hash", sa.String(64), nullable=False),
        sa.Column("pseudonym", sa.String(40), nullable=False),
        sa.Column("age", sa.Integer, nullable=False),
        sa.Column("gender", sa.String(1), nullable=False),
        sa.Column("department", sa.String(4), nullable=False),
        sa.Column("space", sa.String(8), nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("pm_policy", sa.String(10), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("last_seen", sa.Float, nullable=False),
        sa.Column("ended_at", sa.Float, nullable=True),
    )
    op.create_table(
        "memberships",
        sa.Column("session_id", sa.String(32), primary_key=True),
        sa.Column("room", sa.String(40), primary_key=True),
    )
    op.create_table(
        "blocks",
        sa.Column("blocker_id", sa.String(32), primary_key=True),
        sa.Column("blocked_id", sa.String(32), primary_key=True),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("ix_blocks_blocked", "blocks", ["blocked_id"])
    op.create_table(
        "conversations",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("initiator_id", sa.String(32), nullable=False),
        sa.Column("recipient_id", sa.String(32), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_index("ix_conversations_initiator", "conversations", ["initiator_id"])
    op.create_index("ix_conversations_recipient", "conversations", ["recipient_id"])
    op.create_table(
        "messages",
        sa.Column("channel", sa.String(64), primary_key=True),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("ts", sa.Float, nullable=False),
        sa.Column("sender_id", sa.String(32), nullable=False),
        sa.Column("sender", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in ("messages", "conversations", "blocks", "memberships", "sessions"):
        op.drop_table(table)
