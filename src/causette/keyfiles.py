"""Keys the operator did not configure, generated once into the data directory.

Rules: a file is created only when missing, with mode 0600 and O_EXCL, so two processes
starting together agree on one value (the loser reads the winner's); its creation is
logged as a warning, since production should set its keys explicitly and back them up.
"""

from __future__ import annotations

import logging
import os
import pathlib

log = logging.getLogger(__name__)


def kept_file(path: pathlib.Path, make: bytes, what: str) -> bytes:
    """The file's content, written from ``make`` on first use."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(fd, "wb") as fh:
        fh.write(make)
    log.warning(
        "no %s configured: generated %s; keep it safe and backed up (docs/deploy.md)", what, path
    )
    return make
