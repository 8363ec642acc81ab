"""Shared rule lists: their entries, the issuers whose packs an admin trusts, and the packs
imported for review (core/rule_lists.py).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rule_entries",
        sa.Column("list", sa.String(16), primary_key=True),
        sa.Column("entry", sa.String(253), primary_key=True),
        sa.Column("added_at", sa.Float, nullable=False),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
    )
    op.create_table(
        "rule_issuers",
        sa.Column("key_id", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("public_key", sa.Text, nullable=False),
        sa.Column("added_at", sa.Float, nullable=False),
        sa.Column("added_by", sa.String(64), nullable=False),
    )
    op.create_table(
        "rule_packs",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("issuer", sa.String(80), nullable=False),
        sa.Column("signed_by", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("received_at", sa.Float, nullable=False),
        sa.Column("received_by", sa.String(64), nullable=False),
        sa.Column("entries", sa.Text, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("decided_at", sa.Float, nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("accepted", sa.Text, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("rule_packs")
    op.drop_table("rule_issuers")
    op.drop_table("rule_entries")
