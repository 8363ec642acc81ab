"""The trust and safety desk: moderators, audit chain, sanctions, appeals, retention,
preservation, requisitions, emergency notifications; device/IP keys on sessions; outcomes
and public reports on reports.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_REPORT_COLUMNS = (
    ("target", sa.Text),
    ("follow_token_hash", sa.String(64)),
    ("lang", sa.String(2)),
    ("outcome", sa.String(16)),
    ("outcome_text", sa.Text),
    ("decided_at", sa.Float),
    ("decided_by", sa.String(32)),
)


def upgrade() -> None:
    op.add_column("sessions", sa.Column("device_key", sa.String(64), nullable=True))
    op.add_column("sessions", sa.Column("ip_key", sa.String(64), nullable=True))
    op.create_index("ix_sessions_device_key", "sessions", ["device_key"])
    for name, type_ in _REPORT_COLUMNS:
        op.add_column("reports", sa.Column(name, type_, nullable=True))

    op.create_table(
        "moderators",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(40), nullable=False, unique=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("disabled_at", sa.Float, nullable=True),
    )
    op.create_table(
        "desk_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("moderator_id", sa.String(32), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
    )
    op.create_index("ix_desk_sessions_moderator", "desk_sessions", ["moderator_id"])
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("ts", sa.Float, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "sanctions",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("ts", sa.Float, nullable=False),
        sa.Column("subject_id", sa.String(32), nullable=True),
        sa.Column("pseudonym", sa.Text, nullable=False),
        sa.Column("device_key", sa.String(64), nullable=True),
        sa.Column("ip_key", sa.String(64), nullable=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("scope", sa.String(10), nullable=True),
        sa.Column("until", sa.Float, nullable=True),
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("automated", sa.Integer, nullable=False),
        sa.Column("decided_by", sa.String(32), nullable=True),
        sa.Column("source_kind", sa.String(10), nullable=True),
        sa.Column("source_id", sa.String(32), nullable=True),
        sa.Column("channel", sa.String(64), nullable=True),
        sa.Column("message_id", sa.Integer, nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("appeal_token_hash", sa.String(64), nullable=True),
        sa.Column("reversed_at", sa.Float, nullable=True),
    )
    op.create_index("ix_sanctions_subject", "sanctions", ["subject_id"])
    op.create_index("ix_sanctions_device", "sanctions", ["device_key"])
    op.create_index("ix_sanctions_ip", "sanctions", ["ip_key"])
    op.create_index("ix_sanctions_status", "sanctions", ["status"])
    op.create_table(
        "appeals",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("ts", sa.Float, nullable=False),
        sa.Column("sanction_id", sa.String(32), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("decided_by", sa.String(32), nullable=True),
        sa.Column("decided_at", sa.Float, nullable=True),
        sa.Column("decision", sa.Text, nullable=True),
    )
    op.create_index("ix_appeals_status", "appeals", ["status"])
    op.create_index("ix_appeals_sanction", "appeals", ["sanction_id"])
    op.create_table(
        "connection_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ts", sa.Float, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("session_id", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(64), nullable=True),
        sa.Column("message_id", sa.Integer, nullable=True),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("sealed", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_connection_log_ts", "connection_log", ["ts"])
    op.create_index("ix_connection_log_session", "connection_log", ["session_id"])
    op.create_table(
        "preservations",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("ts", sa.Float, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("subject_id", sa.String(32), nullable=True),
        sa.Column("channel", sa.String(64), nullable=True),
        sa.Column("from_ts", sa.Float, nullable=False),
        sa.Column("to_ts", sa.Float, nullable=False),
        sa.Column("source_kind", sa.String(12), nullable=True),
        sa.Column("source_id", sa.String(32), nullable=True),
        sa.Column("released_at", sa.Float, nullable=True),
        sa.Column("released_by", sa.String(64), nullable=True),
    )
    op.create_table(
        "requisitions",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("ts", sa.Float, nullable=False),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("authority", sa.Text, nullable=False),
        sa.Column("reference", sa.Text, nullable=False),
        sa.Column("legal_basis", sa.Text, nullable=False),
        sa.Column("scope", sa.Text, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("progress", sa.Float, nullable=False),
        sa.Column("archive_path", sa.Text, nullable=True),
        sa.Column("archive_sha256", sa.String(64), nullable=True),
        sa.Column("signature", sa.Text, nullable=True),
        sa.Column("finished_at", sa.Float, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("ts", sa.Float, nullable=False),
        sa.Column("alert_id", sa.String(32), nullable=True),
        sa.Column("report_id", sa.String(32), nullable=True),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("recipient", sa.String(20), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("sent_at", sa.Float, nullable=True),
        sa.Column("sent_by", sa.String(32), nullable=True),
        sa.Column("sent_via", sa.Text, nullable=True),
    )


def downgrade() -> None:
    for table in (
        "notifications",
        "requisitions",
        "preservations",
        "connection_log",
        "appeals",
        "sanctions",
        "audit_log",
        "desk_sessions",
        "moderators",
    ):
        op.drop_table(table)
    with op.batch_alter_table("reports") as batch:
        for name, _ in reversed(_REPORT_COLUMNS):
            batch.drop_column(name)
    op.drop_index("ix_sessions_device_key", "sessions")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("ip_key")
        batch.drop_column("device_key")
