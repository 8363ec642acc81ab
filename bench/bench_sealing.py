"""Sealing benchmark: what keeping a message's connection data, and sealing its body, cost
the store's writer.

``run(quick)`` times ``connection_row`` — the JSON of the identifying fields, a fresh nonce
and AES-256-GCM with the row-binding associated data — as the writer thread does it for
every stored message, in thread CPU time (a loaded machine inflates wall time), plus the
opening of a row as a requisition export does it. Then the same for a message body
(store/bodies.py, issue 15 item 5): ``sealed_row`` in the writer for every message, and
``record_of`` for every message read (history, resume, exports). Figures: median and p99
microseconds per message and per opened row.
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Any

from causette.core.sealing import Keyring, RetentionKey
from causette.store import bodies
from causette.store.records import MessageRecord
from causette.store.retention import ConnectionEntry, SealedRow, connection_row, open_connection

# A chat line of ordinary length (the median message is short; 4,000 characters at most).
BODY = "on se retrouve samedi au marché pour le pique-nique, j'apporte les fruits ?"


def _entry(i: int) -> ConnectionEntry:
    return ConnectionEntry(
        "message",
        f"{i:032x}",
        1_800_000_000.0 + i,
        "room:region-ile-de-france",
        i + 1,
        "2001:db8:85a3::8a2e:370:7334" if i % 2 else "203.0.113.42",
        40_000 + i % 20_000,
        1_800_000_000.0,
        "Pseudonyme_assez_long",
        "f" * 64,
    )


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_us": round(statistics.median(ordered) * 1e6, 2),
        "p99_us": round(ordered[int(len(ordered) * 0.99)] * 1e6, 2),
    }


def run(quick: bool = False) -> dict[str, Any]:
    n = 2_000 if quick else 50_000
    keyring = Keyring(RetentionKey.from_secret(os.urandom(32)))
    entries = [_entry(i) for i in range(n)]
    for entry in entries[:500]:  # warm up
        connection_row(keyring, entry)
    seal_times: list[float] = []
    rows: list[dict[str, Any]] = []
    clock = time.thread_time
    for entry in entries:
        start = clock()
        rows.append(connection_row(keyring, entry))
        seal_times.append(clock() - start)
    open_times: list[float] = []
    for i, row in enumerate(rows):
        sealed = SealedRow(i + 1, **row)
        start = clock()
        open_connection(keyring, sealed)
        open_times.append(clock() - start)
    # thread_time ticks coarsely on some kernels: also the mean over the whole batch.
    start = clock()
    for entry in entries:
        connection_row(keyring, entry)
    batch_mean = (clock() - start) / n
    return {
        "messages": n,
        "seal": {**_percentiles(seal_times), "batch_mean_us": round(batch_mean * 1e6, 2)},
        "open": _percentiles(open_times),
        "sealed_bytes": len(rows[0]["sealed"]),
        "body": _bodies(keyring, n),
    }


class _Keyed:
    """Stands for a connection: ``record_of`` only asks it for the keyring."""

    def __init__(self, keyring: Keyring) -> None:
        self.options = {bodies.MESSAGE_KEYS: keyring}

    def get_execution_options(self) -> dict[str, Keyring]:
        return self.options


def _bodies(keyring: Keyring, n: int) -> dict[str, Any]:
    """A message body sealed in the writer, and opened for every read."""
    records = [
        MessageRecord("room:general", i + 1, 1_800_000_000.0 + i, f"{i:032x}", "{}", BODY)
        for i in range(n)
    ]
    clock = time.thread_time
    seal_times: list[float] = []
    rows: list[dict[str, Any]] = []
    for record in records:
        start = clock()
        rows.append(bodies.sealed_row(keyring, record))
        seal_times.append(clock() - start)
    conn: Any = _Keyed(keyring)
    open_times: list[float] = []
    for row in rows:
        values = tuple(row[c] for c in bodies.COLUMNS)
        start = clock()
        bodies.record_of(conn, values)
        open_times.append(clock() - start)
    return {
        "seal": _percentiles(seal_times),
        "open": _percentiles(open_times),
        "clear_bytes": len(BODY.encode()),
        "stored_bytes": len(rows[0]["text"]),
    }


if __name__ == "__main__":
    print(run())
