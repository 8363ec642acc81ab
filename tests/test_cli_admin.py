"""``causette admin``: an operator creates moderators and verifies the audit chain."""

from __future__ import annotations

import contextlib
import io
import pathlib
import sqlite3
import subprocess
import sys
from collections.abc import Iterator

import pytest

from causette.cli import main


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
    assert ok.returncode == 0 and "intact (1 entries, head 1, checkpoint 1" in ok.stdout

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


class Admin:
    """``causette admin …`` run in this process (an interpreter per command is too slow
    for tests that run a dozen of them on a busy machine)."""

    def __init__(self, data_dir: pathlib.Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
        monkeypatch.setenv("CAUSETTE_DATA_DIR", str(data_dir))
        monkeypatch.chdir(data_dir)
        self.capsys = capsys

    def __call__(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        self.capsys.readouterr()
        with mock_stdin(stdin):
            code = main(["admin", *args])
        out, err = self.capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out, err)


@contextlib.contextmanager
def mock_stdin(text: str) -> Iterator[None]:
    saved = sys.stdin
    sys.stdin = io.StringIO(text)
    try:
        yield
    finally:
        sys.stdin = saved


@pytest.fixture
def admin(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch, capsys) -> Admin:  # type: ignore[no-untyped-def]
    return Admin(tmp_path, monkeypatch, capsys)


def _moderators(admin: Admin, *names: str) -> None:
    for name in names:
        made = admin("create-moderator", name, "--password-stdin", stdin="a long enough password\n")
        assert made.returncode == 0, made.stderr


def _rewrite_plain(db: sqlite3.Connection, first: int) -> None:
    """Edit entry ``first`` and recompute every later hash with plain sha256 (no key)."""
    from causette.core.audit import entry_hash

    rows = db.execute(
        "SELECT seq, ts, actor, action, target, detail FROM audit_log WHERE seq >= ? ORDER BY seq",
        (first,),
    ).fetchall()
    (prev,) = db.execute("SELECT hash FROM audit_log WHERE seq = ?", (first - 1,)).fetchone()
    for seq, ts, actor, action, target, detail in rows:
        actor = "operator:evil" if seq == first else actor
        digest = entry_hash(prev, seq, ts, actor, action, target, detail)
        db.execute(
            "UPDATE audit_log SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?",
            (actor, prev, digest, seq),
        )
        prev = digest


def test_verify_audit_catches_removed_newest_entries(tmp_path: pathlib.Path, admin: Admin) -> None:
    """Issue 15 item 6: deleting the newest entries (and the counter) used to verify."""
    _moderators(admin, "Nadia", "Paul", "Sam1")
    ok = admin("verify-audit")
    assert ok.returncode == 0 and "intact (3 entries, head 3, checkpoint 3" in ok.stdout
    with sqlite3.connect(tmp_path / "causette.db") as db:
        db.execute("DELETE FROM audit_log WHERE seq > 1")
        db.execute("UPDATE channel_heads SET head = 1 WHERE channel = 'audit:'")
    broken = admin("verify-audit")
    assert broken.returncode == 1
    assert "BROKEN at entry 2: missing: a signed head names entry 3" in broken.stderr
    # Nothing lowers the checkpoint: an admin command run afterwards leaves it at 3.
    admin("list-moderators")
    assert '"seq": 3' in (tmp_path / "audit-head.json").read_text()


def test_verify_audit_catches_a_rewrite_with_recomputed_hashes(
    tmp_path: pathlib.Path, admin: Admin
) -> None:
    _moderators(admin, "Nadia", "Paul", "Sam1")
    with sqlite3.connect(tmp_path / "causette.db") as db:
        _rewrite_plain(db, 2)
    broken = admin("verify-audit")
    assert broken.returncode == 1
    assert "BROKEN at entry 2: content does not match its hash" in broken.stderr


def test_a_deleted_checkpoint_is_reported(tmp_path: pathlib.Path, admin: Admin) -> None:
    _moderators(admin, "Nadia")
    (tmp_path / "audit-head.json").unlink()
    missing = admin("verify-audit")
    assert missing.returncode == 1 and "no checkpoint at" in missing.stderr


def test_the_transparency_report_publishes_a_signed_head(
    tmp_path: pathlib.Path, admin: Admin
) -> None:
    import json

    _moderators(admin, "Nadia", "Paul")
    out = tmp_path / "report"
    made = admin("transparency", "--from", "2026-11-01", "--to", "2026-11-30",
                  "--out", str(out))  # fmt: skip
    assert made.returncode == 0, made.stderr
    head = json.loads((out / "transparency.json").read_text())["audit_head"]
    assert head["seq"] == 3 and head["signature"]  # after its own transparency.generate
    assert head["hash"] in (out / "transparency.html").read_text()
    # Someone with the database and the checkpoint file removes the newest entries: the
    # published head still tells.
    with sqlite3.connect(tmp_path / "causette.db") as db:
        db.execute("DELETE FROM audit_log WHERE seq = 3")
        db.execute("UPDATE channel_heads SET head = 2 WHERE channel = 'audit:'")
    (tmp_path / "audit-head.json").unlink()
    published = admin("verify-audit", "--head", str(out / "transparency.json"))
    assert published.returncode == 1 and "signed head names entry 3" in published.stderr
    # An edited published head does not count.
    forged = json.loads((out / "transparency.json").read_text())
    forged["audit_head"]["seq"] = 2
    (out / "forged.json").write_text(json.dumps(forged))
    bad = admin("verify-audit", "--head", str(out / "forged.json"))
    assert bad.returncode == 1 and "signature does not hold" in bad.stderr


def test_a_chain_from_before_the_key_is_anchored(tmp_path: pathlib.Path, admin: Admin) -> None:
    """A database at revision 0005 with plain sha256 entries: the first command migrates
    it, appends one keyed ``audit.keyed`` entry over the old head and writes the head."""
    from alembic import command

    from causette.core.audit import GENESIS, entry_hash
    from causette.store.migrate import _config
    from causette.store.sql import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'causette.db'}")
    with engine.begin() as conn:
        command.upgrade(_config(conn), "0005")
    engine.dispose()
    with sqlite3.connect(tmp_path / "causette.db") as db:
        prev = GENESIS
        for seq in (1, 2, 3):
            fields = (seq, 100.0 + seq, "operator:cli", "moderator.create", f"m{seq}", "{}")
            digest = entry_hash(prev, *fields)
            db.execute("INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (*fields, prev, digest))  # fmt: skip
            prev = digest
        db.execute("INSERT INTO channel_heads VALUES ('audit:', 3)")
    ok = admin("verify-audit")
    assert ok.returncode == 0, ok.stderr
    assert "intact (4 entries, head 4, checkpoint 4" in ok.stdout
    with sqlite3.connect(tmp_path / "causette.db") as db:
        (action, key_id) = db.execute(
            "SELECT action, key_id FROM audit_log WHERE seq = 4"
        ).fetchone()
        assert action == "audit.keyed" and key_id
        _rewrite_plain(db, 2)  # the old entries are covered by the keyed one now
    broken = admin("verify-audit")
    assert broken.returncode == 1 and "BROKEN at entry 4" in broken.stderr
