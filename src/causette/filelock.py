"""An exclusive lock between processes of one machine: ``flock`` on a file beside what it
protects (a SQLite file being migrated, the audit checkpoint being written).

Blocking: hold it around synchronous work only, never across an ``await``.
"""

from __future__ import annotations

import contextlib
import fcntl
import pathlib
from collections.abc import Iterator


@contextlib.contextmanager
def exclusive(path: pathlib.Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if missing) for the ``with`` block."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
