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
"""

from __future__ import annotations

import base64
from typing import Any

from sqlalchemy import Connection

from causette.core.sealing import Keyring, SealError, associated_data, open_sealed, seal
from causette.store import schema
from causette.store.records import MessageRecord

MESSAGE_KEYS = "causette_message_keys"
BODY = "body"
# The columns to select to rebuild a record: ``MessageRecord``'s, then the key id.
COLUMNS = ("channel", "id", "ts", "sender_id", "sender", "text", "key_id")


def keys_of(conn: Connection) -> Keyring | None:
    keys = conn.get_execution_options().get(MESSAGE_KEYS)
    return keys if isinstance(keys, Keyring) else None


def _associated(record: MessageRecord) -> bytes:
    return associated_data(BODY, record.sender_id, record.channel, record.id, record.ts)


def sealed_row(keys: Keyring | None, record: MessageRecord) -> dict[str, Any]:
    """The ``messages`` row of a stored record (its id given): its body sealed when the
    store has keys."""
    row: dict[str, Any] = {
        "channel": record.channel,
        "id": record.id,
        "ts": record.ts,
        "sender_id": record.sender_id,
        "sender": record.sender,
        "text": record.text,
        "key_id": None,
    }
    if keys is not None:
        blob = seal(keys.current, record.text.encode(), _associated(record))
        row["text"] = base64.b64encode(blob).decode("ascii")
        row["key_id"] = keys.current.id
    return row


def open_body(keys: Keyring | None, record: MessageRecord, key_id: str | None) -> str:
    """A row's body in clear (``record.text`` as stored)."""
    if key_id is None:
        return record.text
    if keys is None:
        raise SealError("a sealed message body, and no key to open it: SqlStore(message_keys=…)")
    blob = base64.b64decode(record.text)
    return open_sealed(keys, key_id, blob, _associated(record)).decode()


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
