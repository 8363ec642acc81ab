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
    LargeBinary,
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
    # Keyed hashes for bans and "other pseudonyms on this device" (never an address).
    Column("device_key", String(64), nullable=True),
    Column("ip_key", String(64), nullable=True),
    Index("ix_sessions_device_key", "device_key"),
    Index("ix_sessions_device_hash", "device_hash"),
)

# What a device is remembered for that no session shows: an under-15 refusal at the join
# form (core/devices.py). Only the keyed hash of the browser's cookie; purged once past.
device_memory = Table(
    "device_memory",
    metadata,
    Column("device_hash", String(64), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("until", Float, nullable=False),
    Index("ix_device_memory_until", "until"),
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
    # Sealed with the retention key (base64), store/bodies.py; clear when key_id is NULL.
    Column("text", Text, nullable=False),
    Column("key_id", String(16), nullable=True),
)

# A message taken out of its channel by its author (or erased with its author's data):
# no text, only where it was, so a client that reconnects drops it too. Purged with the
# messages of its kind (rooms, private).
message_tombstones = Table(
    "message_tombstones",
    metadata,
    Column("channel", String(64), primary_key=True),
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("deleted_at", Float, nullable=False),
    Column("by", String(10), nullable=False),
    Index("ix_message_tombstones_deleted_at", "deleted_at"),
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
    # Sealed with the retention key (base64), store/bodies.py; clear when key_id is NULL.
    Column("text", Text, nullable=False),
    Column("ts", Float, nullable=False),
    Column("reasons", Text, nullable=False),
    Column("status", String(10), nullable=False),
    Column("decided_at", Float, nullable=True),
    Column("decided_by", String(64), nullable=True),
    Column("key_id", String(16), nullable=True),
    Index("ix_held_status", "status"),
)

# Automatic alerts for the moderators' queue, with the whole context as JSON (it quotes
# the channel's recent messages: sealed like them).
alerts = Table(
    "alerts",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("ts", Float, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("severity", Integer, nullable=False),
    Column("channel", String(64), nullable=True),
    Column("subject_id", String(32), nullable=True),
    # Sealed with the retention key (base64), store/bodies.py; clear when key_id is NULL.
    Column("context", Text, nullable=False),
    Column("status", String(10), nullable=False),
    Column("key_id", String(16), nullable=True),
    # The open alert of the same kind and channel this one joined (status "merged"):
    # a flood of alerts is one case on the desk (store/safety.py ``add_alert``).
    Column("merged_into", String(32), nullable=True),
    Index("ix_alerts_status", "status"),
    Index("ix_alerts_case", "channel", "kind", "status"),
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
    # It quotes each sender's previous message: sealed (base64), store/bodies.py; clear when
    # key_id is NULL.
    Column("data", Text, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("key_id", String(16), nullable=True),
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
    # Public reports (no chat session): what they point at, and a token to read the outcome.
    Column("target", Text, nullable=True),
    Column("follow_token_hash", String(64), nullable=True),
    Column("lang", String(2), nullable=True),
    # The outcome, sent to the reporter: what was decided, when, by whom.
    Column("outcome", String(16), nullable=True),
    Column("outcome_text", Text, nullable=True),
    Column("decided_at", Float, nullable=True),
    Column("decided_by", String(32), nullable=True),
    # A report about the subject and category of an open case joins it (status "merged"):
    # the queue shows one case with a count; it is closed with the case.
    Column("merged_into", String(32), nullable=True),
    Index("ix_reports_status", "status"),
)

# -- the trust and safety desk (issue 6) ----------------------------------------------------
# Moderators are created by the operator (``causette admin create-moderator``); passwords
# are argon2 hashes. Roles: moderator, admin, legal (core/roles.py says what each may do).
moderators = Table(
    "moderators",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(40), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("role", String(10), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("disabled_at", Float, nullable=True),
)

# Moderators' sessions: separate from chatters' (own cookie, own table, shorter life).
desk_sessions = Table(
    "desk_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("moderator_id", String(32), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Index("ix_desk_sessions_moderator", "moderator_id"),
)

# Every moderator action and every read of protected data, append-only and hash-chained:
# hash = sha256(prev_hash + canonical row), see core/audit.py. ``seq`` is taken under the
# ``channel_heads`` row "audit" so several processes append one chain.
audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("ts", Float, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(40), nullable=False),
    Column("target", Text, nullable=False),
    Column("detail", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    # The audit key's id (core/audit.py); NULL for the plain sha256 entries of before 0007.
    Column("key_id", String(16), nullable=True),
)

# Sanctions with their statement of reasons (DSA art. 17). ``subject_id`` is the session;
# ``device_key``/``ip_key`` are keyed hashes (never an address). ``scope`` says what a ban
# applies to: pseudonym, device or ip. ``until`` NULL with a ban/mute means permanent.
sanctions = Table(
    "sanctions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("ts", Float, nullable=False),
    Column("subject_id", String(32), nullable=True),
    Column("pseudonym", Text, nullable=False),
    Column("device_key", String(64), nullable=True),
    Column("ip_key", String(64), nullable=True),
    Column("action", String(16), nullable=False),
    Column("scope", String(10), nullable=True),
    Column("until", Float, nullable=True),
    Column("rule", String(40), nullable=False),
    Column("reason", Text, nullable=False),
    Column("automated", Integer, nullable=False),
    Column("decided_by", String(32), nullable=True),
    Column("source_kind", String(10), nullable=True),
    Column("source_id", String(32), nullable=True),
    Column("channel", String(64), nullable=True),
    Column("message_id", Integer, nullable=True),
    Column("status", String(10), nullable=False),
    Column("appeal_token_hash", String(64), nullable=True),
    Column("reversed_at", Float, nullable=True),
    Index("ix_sanctions_subject", "subject_id"),
    Index("ix_sanctions_device", "device_key"),
    Index("ix_sanctions_ip", "ip_key"),
    Index("ix_sanctions_status", "status"),
)

# Appeals (DSA art. 20): decided by a moderator other than the one who sanctioned.
appeals = Table(
    "appeals",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("ts", Float, nullable=False),
    Column("sanction_id", String(32), nullable=False),
    Column("text", Text, nullable=False),
    Column("status", String(10), nullable=False),
    Column("decided_by", String(32), nullable=True),
    Column("decided_at", Float, nullable=True),
    Column("decision", Text, nullable=True),
    Index("ix_appeals_status", "status"),
    Index("ix_appeals_sanction", "sanction_id"),
)

# Connection data that identify the source of each message and join (LCEN, décret
# 2021-1362): kept one year, sealed (AES-GCM, key from the operator's configuration) so the
# database alone reveals nothing; only a requisition export opens it.
connection_log = Table(
    "connection_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ts", Float, nullable=False),
    Column("kind", String(8), nullable=False),
    Column("session_id", String(32), nullable=False),
    Column("channel", String(64), nullable=True),
    Column("message_id", Integer, nullable=True),
    Column("key_id", String(16), nullable=False),
    Column("sealed", LargeBinary, nullable=False),
    Index("ix_connection_log_ts", "ts"),
    Index("ix_connection_log_session", "session_id"),
)

# Data frozen past normal purge (a grooming/ambush report, a legal hold) until released.
preservations = Table(
    "preservations",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("ts", Float, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("subject_id", String(32), nullable=True),
    Column("channel", String(64), nullable=True),
    Column("from_ts", Float, nullable=False),
    Column("to_ts", Float, nullable=False),
    Column("source_kind", String(12), nullable=True),
    Column("source_id", String(32), nullable=True),
    Column("released_at", Float, nullable=True),
    Column("released_by", String(64), nullable=True),
)

# Requisitions from authorities, recorded by a legal officer, answered by a signed export.
requisitions = Table(
    "requisitions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("ts", Float, nullable=False),
    Column("created_by", String(32), nullable=False),
    Column("authority", Text, nullable=False),
    Column("reference", Text, nullable=False),
    Column("legal_basis", Text, nullable=False),
    Column("scope", Text, nullable=False),
    Column("status", String(10), nullable=False),
    Column("progress", Float, nullable=False),
    Column("archive_path", Text, nullable=True),
    Column("archive_sha256", String(64), nullable=True),
    Column("signature", Text, nullable=True),
    Column("finished_at", Float, nullable=True),
    Column("error", Text, nullable=True),
)

# Notifications to the authorities of a threat to life or safety (DSA art. 18).
notifications = Table(
    "notifications",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("ts", Float, nullable=False),
    Column("alert_id", String(32), nullable=True),
    Column("report_id", String(32), nullable=True),
    Column("created_by", String(32), nullable=False),
    Column("recipient", String(20), nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(10), nullable=False),
    Column("sent_at", Float, nullable=True),
    Column("sent_by", String(32), nullable=True),
    Column("sent_via", Text, nullable=True),
)

# Trusted flaggers (DSA art. 22), registered by an admin: an association, a helpline. They
# file reports with a bearer credential kept only as its sha256; revoking it ends it. A
# report filed with it has ``reporter_id = "flagger:<id>"`` and goes first in the queue.
trusted_flaggers = Table(
    "trusted_flaggers",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("name", String(80), nullable=False, unique=True),
    Column("contact", Text, nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", Float, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("revoked_at", Float, nullable=True),
    Column("revoked_by", String(64), nullable=True),
)

# -- shared rule lists (core/rule_lists.py) ---------------------------------------------------
# Entries of the lists the chat applies: pseudonym fragments and link domains. ``source`` is
# "desk" (an admin typed it) or "pack:<id>" (accepted from a reviewed rule pack).
rule_entries = Table(
    "rule_entries",
    metadata,
    Column("list", String(16), primary_key=True),
    Column("entry", String(253), primary_key=True),
    Column("added_at", Float, nullable=False),
    Column("added_by", String(64), nullable=False),
    Column("source", String(64), nullable=False),
)

# Issuers whose signed rule packs an admin agreed to review: their Ed25519 public key (PEM),
# found by its id (core/sealing.py ``public_key_id``).
rule_issuers = Table(
    "rule_issuers",
    metadata,
    Column("key_id", String(16), primary_key=True),
    Column("name", String(80), nullable=False),
    Column("public_key", Text, nullable=False),
    Column("added_at", Float, nullable=False),
    Column("added_by", String(64), nullable=False),
)

# Imported rule packs: checked and kept "pending" until an admin accepts all, some or none of
# their entries ("applied" / "rejected"); nothing of a pack applies before.
rule_packs = Table(
    "rule_packs",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("issuer", String(80), nullable=False),
    Column("signed_by", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("received_at", Float, nullable=False),
    Column("received_by", String(64), nullable=False),
    Column("entries", Text, nullable=False),
    Column("status", String(10), nullable=False),
    Column("decided_at", Float, nullable=True),
    Column("decided_by", String(64), nullable=True),
    Column("accepted", Text, nullable=True),
)
