"""Safety in the live chat: held messages, alerts, chatter flags, the engine's state.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "held_messages",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("sender_id", sa.String(32), nullable=False),
        sa.Column("sender", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("ts", sa.Float, nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("decided_at", sa.Float, nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=True),
    )
    op.create_index("ix_held_status", "held_messages", ["status"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("ts", sa.Float, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("severity", sa.Integer, nullable=False),
        sa.Column("channel", sa.String(64), nullable=True),
        sa.Column("subject_id", sa.String(32), nullable=True),
        sa.Column("context", sa.Text, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
    )
    op.create_index("ix_alerts_status", "alerts", ["status"])
    op.create_table(
        "chatter_flags",
        sa.Column("session_id", sa.String(32), primary_key=True),
        sa.Column("flag", sa.String(24), primary_key=True),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "safety_state",
        sa.Column("key", sa.String(32), primary_key=True),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("safety_state")
    op.drop_table("chatter_flags")
    op.drop_index("ix_alerts_status", "alerts")
    op.drop_table("alerts")
    op.drop_index("ix_held_status", "held_messages")
    op.drop_table("held_messages")
