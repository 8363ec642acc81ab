"""``causette admin``: an operator creates moderators and verifies the audit chain."""

from __future__ import annotations

import pathlib
import sqlite3
import subprocess
import sys


def _admin(data_dir: pathlib.Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "causette", "admin", *args],
        input=stdin,
        text=True,
        capture_output=True,
        env={"CAUSETTE_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"},
        cwd=data_dir,
        timeout=60,
    )


def test_create_list_and_verify(tmp_path: pathlib.Path) -> None:
    made = _admin(
        tmp_path,
        "create-moderator",
        "Nadia",
        "--role",
        "legal",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert made.returncode == 0, made.stderr
    again = _admin(
        tmp_path, "create-moderator", "Nadia", "--password-stdin", stdin="a long enough password\n"
    )
    assert again.returncode == 1 and "exists" in again.stderr
    short = _admin(tmp_path, "create-moderator", "Paul", "--password-stdin", stdin="short\n")
    assert short.returncode == 2 and "12" in short.stderr
    listed = _admin(tmp_path, "list-moderators")
    assert listed.stdout.splitlines() == ["Nadia\tlegal\tactive"]
    ok = _admin(tmp_path, "verify-audit")
    assert ok.returncode == 0 and "intact (1 entries)" in ok.stdout

    with sqlite3.connect(tmp_path / "causette.db") as db:
        db.execute('UPDATE audit_log SET detail = \'{"role":"admin"}\' WHERE seq = 1')
    broken = _admin(tmp_path, "verify-audit")
    assert broken.returncode == 1 and "BROKEN at entry 1" in broken.stderr


def test_password_hashes_are_argon2(tmp_path: pathlib.Path) -> None:
    _admin(
        tmp_path, "create-moderator", "Nadia", "--password-stdin", stdin="a long enough password\n"
    )
    with sqlite3.connect(tmp_path / "causette.db") as db:
        (stored,) = db.execute("SELECT password_hash FROM moderators").fetchone()
    assert stored.startswith("$argon2id$") and "a long enough password" not in stored
