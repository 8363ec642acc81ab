"""Message bodies sealed at rest: the text of every stored message, as the connection data
already are (issue 15, item 5).

Rules:
- A body is sealed with the current retention key (AES-256-GCM, fresh nonce, core/sealing.py)
  in the writer's thread, in the transaction that gives the message its id; the associated
  data bind it to its row (``body``, sender, channel, id, time), so a body copied onto
  another message does not open. ``messages.text`` then holds the blob in base64 and
  ``messages.key_id`` the key's id: a rotated key (``retention_old_keys``) still opens it.
- ``key_id`` NULL is a body stored in clear: rows written before migration 0010, or by a
  store given no keys (tools and tests that build a ``SqlStore`` by hand). They are read
  as they are and leave with the normal purge.
- The keyring travels to every connection as an execution option (``MESSAGE_KEYS``), the way
  the audit key does: any code holding a connection opens a body with ``open_body``; nothing
  else reads ``messages.text``. A body that does not open raises ``SealError``, never
  returns garbage.
- Held messages (``held_messages.text``: the moderation queue, refused messages and removed
  ones kept as evidence) are sealed the same way, on every insert, with associated data
  (``held``, sender, channel, held id, time) that bind them to their own row; their
  ``key_id`` NULL is a body held in clear before migration 0013. So is an alert's context
  (``alerts.context``: the recent messages of its channel, the engine's reasons), bound to
  (``alert``, subject, channel, alert id, time). Writers build the row with ``seal_row``;
  readers open it with ``open_row``. The safety engine's snapshot (``safety_state.data``,
  which remembers each sender's previous message) uses ``seal_text``/``open_text`` the same
  way (store/safety.py).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, select

from causette.core.sealing import Keyring, SealError, associated_data, open_sealed, seal
from causette.store import schema
from causette.store.records import MessageRecord

MESSAGE_KEYS = "causette_message_keys"
BODY = "body"
HELD = "held"
ALERT = "alert"
# The columns to select to rebuild a record: ``MessageRecord``'s, then the key id.
COLUMNS = ("channel", "id", "ts", "sender_id", "sender", "text", "key_id")


def keys_of(conn: Connection) -> Keyring | None:
    keys = conn.get_execution_options().get(MESSAGE_KEYS)
    return keys if isinstance(keys, Keyring) else None


def seal_text(keys: Keyring | None, text: str, associated: bytes) -> tuple[str, str | None]:
    """(what to store, the sealing key's id): the blob in base64 when the store has keys,
    else the text as it is and no key."""
    if keys is None:
        return text, None
    blob = seal(keys.current, text.encode(), associated)
    return base64.b64encode(blob).decode("ascii"), keys.current.id


def open_text(keys: Keyring | None, stored: str, key_id: str | None, associated: bytes) -> str:
    """A stored text in clear: as it is when ``key_id`` is None, else opened."""
    if key_id is None:
        return stored
    if keys is None:
        raise SealError("a sealed message body, and no key to open it: SqlStore(message_keys=…)")
    return open_sealed(keys, key_id, base64.b64decode(stored), associated).decode()


def _associated(record: MessageRecord) -> bytes:
    return associated_data(BODY, record.sender_id, record.channel, record.id, record.ts)


def sealed_row(keys: Keyring | None, record: MessageRecord) -> dict[str, Any]:
    """The ``messages`` row of a stored record (its id given): its body sealed when the
    store has keys."""
    text, key_id = seal_text(keys, record.text, _associated(record))
    return {
        "channel": record.channel,
        "id": record.id,
        "ts": record.ts,
        "sender_id": record.sender_id,
        "sender": record.sender,
        "text": text,
        "key_id": key_id,
    }


def open_body(keys: Keyring | None, record: MessageRecord, key_id: str | None) -> str:
    """A row's body in clear (``record.text`` as stored)."""
    return open_text(keys, record.text, key_id, _associated(record))


def record_of(conn: Connection, row: Any) -> MessageRecord:
    """A ``MessageRecord`` from a row of ``COLUMNS``, its body opened."""
    channel, message_id, ts, sender_id, sender, text, key_id = tuple(row)
    stored = MessageRecord(channel, message_id, ts, sender_id, sender, text)
    if key_id is None:
        return stored
    return MessageRecord(
        channel, message_id, ts, sender_id, sender, open_body(keys_of(conn), stored, key_id)
    )


def columns() -> list[Any]:
    m = schema.messages
    return [m.c[c] for c in COLUMNS]


# -- copies of bodies in other rows: held messages, alerts' context ---------------------------
# Per kind of row: the column that names the chatter it is about, and the sealed column.
_SEALED_IN = {HELD: ("sender_id", "text"), ALERT: ("subject_id", "context")}


def _bound(kind: str, row: Mapping[Any, Any]) -> bytes:
    who, _ = _SEALED_IN[kind]
    return associated_data(kind, row[who] or "", row["channel"], row["id"], row["ts"])


def seal_row(conn: Connection, kind: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """A ``held_messages`` (``HELD``) or ``alerts`` (``ALERT``) row to insert, its text or
    context sealed when the store has keys; in the writer's thread."""
    _, column = _SEALED_IN[kind]
    stored, key_id = seal_text(keys_of(conn), row[column], _bound(kind, row))
    return {**row, column: stored, "key_id": key_id}


def open_row(conn: Connection, kind: str, row: Mapping[Any, Any]) -> str:
    """The text (``HELD``) or context JSON (``ALERT``) of a row read with its ``id``,
    ``channel``, ``ts``, chatter (``sender_id``, ``subject_id``) and ``key_id``."""
    _, column = _SEALED_IN[kind]
    return open_text(keys_of(conn), row[column], row["key_id"], _bound(kind, row))


def alert_row(conn: Connection, alert_id: str) -> dict[str, Any] | None:
    """An ``alerts`` row, its context (JSON) opened, or None."""
    t = schema.alerts
    row = conn.execute(select(t).where(t.c.id == alert_id)).mappings().first()
    if row is None:
        return None
    found = dict(row, context=open_row(conn, ALERT, row))
    del found["key_id"]
    return found


def held_columns(*names: str) -> list[Any]:
    """The columns to select to open a held message's text, and these others."""
    h = schema.held_messages
    wanted = ("id", "sender_id", "channel", "ts", "text", "key_id")
    return [h.c[c] for c in wanted] + [h.c[c] for c in names if c not in wanted]
