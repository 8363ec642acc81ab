"""One schema for every backend (SQLite, PostgreSQL), as SQLAlchemy Core tables.

Rule: every change here comes with an Alembic revision in store/migrations/versions/
(tests/store/test_migrate.py checks that the migrated database matches these tables).
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("device_hash", String(64), nullable=False),
    Column("pseudonym", String(40), nullable=False),
    Column("age", Integer, nullable=False),
    Column("gender", String(1), nullable=False),
    Column("department", String(4), nullable=False),
    Column("space", String(8), nullable=False),
    Column("lang", String(2), nullable=False),
    Column("pm_policy", String(10), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("last_seen", Float, nullable=False),
    Column("ended_at", Float, nullable=True),
)

memberships = Table(
    "memberships",
    metadata,
    Column("session_id", String(32), primary_key=True),
    Column("room", String(40), primary_key=True),
)

blocks = Table(
    "blocks",
    metadata,
    Column("blocker_id", String(32), primary_key=True),
    Column("blocked_id", String(32), primary_key=True),
    Column("created_at", Float, nullable=False),
    Index("ix_blocks_blocked", "blocked_id"),
)

conversations = Table(
    "conversations",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("initiator_id", String(32), nullable=False),
    Column("recipient_id", String(32), nullable=False),
    Column("status", String(10), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Index("ix_conversations_initiator", "initiator_id"),
    Index("ix_conversations_recipient", "recipient_id"),
)

messages = Table(
    "messages",
    metadata,
    Column("channel", String(64), primary_key=True),
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("ts", Float, nullable=False),
    Column("sender_id", String(32), nullable=False),
    Column("sender", Text, nullable=False),
    Column("text", Text, nullable=False),
)

# The last id given per channel: ids are taken here, in the transaction that stores the
# message, so several processes writing one database never give the same id twice.
channel_heads = Table(
    "channel_heads",
    metadata,
    Column("channel", String(64), primary_key=True),
    Column("head", Integer, nullable=False),
)

# -- safety in the live chat ----------------------------------------------------------------
# A message the safety engine held: delivered to nobody until a moderator approves it (then
# it is stored in its channel with the next id) or rejects it.
held_messages = Table(
    "held_messages",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("channel", String(64), nullable=False),
    Column("sender_id", String(32), nullable=False),
    Column("sender", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("ts", Float, nullable=False),
    Column("reasons", Text, nullable=False),
    Column("status", String(10), nullable=False),
    Column("decided_at", Float, nullable=True),
    Column("decided_by", String(64), nullable=True),
    Index("ix_held_status", "status"),
)

# Automatic alerts for the moderators' queue, with the whole context as JSON.
alerts = Table(
    "alerts",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("ts", Float, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("severity", Integer, nullable=False),
    Column("channel", String(64), nullable=True),
    Column("subject_id", String(32), nullable=True),
    Column("context", Text, nullable=False),
    Column("status", String(10), nullable=False),
    Index("ix_alerts_status", "status"),
)

# Safety flags on a chatter: "adults_out_of_reach" (disclosed being a minor in the adult
# space), "frozen" (a teen-space chatter who revealed an adult: held pending review).
chatter_flags = Table(
    "chatter_flags",
    metadata,
    Column("session_id", String(32), primary_key=True),
    Column("flag", String(24), primary_key=True),
    Column("created_at", Float, nullable=False),
)

# The safety engine's state (conversations, users, devices), as one JSON snapshot.
safety_state = Table(
    "safety_state",
    metadata,
    Column("key", String(32), primary_key=True),
    Column("data", Text, nullable=False),
    Column("updated_at", Float, nullable=False),
)

# Reports by chatters (DSA art. 16): of a message (channel + id) or of a chatter.
reports = Table(
    "reports",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("ts", Float, nullable=False),
    Column("reporter_id", String(32), nullable=False),
    Column("category", String(20), nullable=False),
    Column("channel", String(64), nullable=True),
    Column("message_id", Integer, nullable=True),
    Column("subject_id", String(32), nullable=True),
    Column("text", Text, nullable=False),
    Column("status", String(10), nullable=False),
    Index("ix_reports_status", "status"),
)
