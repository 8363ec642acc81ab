"""Requisitions: recorded and audited, exported as a signed archive of exactly their scope."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
import time
import zipfile
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from causette.core.sealing import parse_public_key
from causette.server.desk.exports import verify_archive
from causette.server.desk.legal import LEGAL
from causette.server.keys import SERVICE
from causette.store import schema
from tests.server.test_desk_actions import chatter_id
from tests.support.desk import DeskClient


async def _wait_done(legal: DeskClient, requisition_id: str) -> dict[str, Any]:
    seen: list[float] = []
    for _ in range(200):
        requisition = (await legal.get(f"/api/desk/requisitions/{requisition_id}"))["requisition"]
        seen.append(requisition["progress"])
        if requisition["status"] in ("done", "failed"):
            assert seen == sorted(seen), "progress never goes back"
            return dict(requisition)
        await asyncio.sleep(0.05)
    raise AssertionError(f"export still running: {requisition}")


async def _download(legal: DeskClient, requisition_id: str) -> bytes:
    url = f"{legal.base_url}/api/desk/requisitions/{requisition_id}/archive"
    async with legal.http.get(url) as resp:
        assert resp.status == 200, await resp.text()
        assert resp.content_type == "application/zip"
        return await resp.read()


def _table(archive: bytes, name: str) -> list[dict[str, Any]]:
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        rows: list[dict[str, Any]] = orjson.loads(zf.read(f"{name}.json"))
        csv_lines = zf.read(f"{name}.csv").decode().splitlines()
    assert len(csv_lines) == len(rows) + 1  # the header, then one line a row
    return rows


async def _export(legal: DeskClient, scope: dict[str, Any]) -> tuple[str, bytes]:
    created = await legal.post(
        "/api/desk/requisitions",
        {
            "authority": "Tribunal judiciaire de Paris",
            "reference": "PV 2026/1234",
            "legal_basis": "art. 60-1 CPP",
            "scope": scope,
        },
        expect=201,
    )
    requisition_id = created["requisition"]["id"]
    assert created["requisition"]["status"] == "recorded"
    started = await legal.post(f"/api/desk/requisitions/{requisition_id}/export", expect=202)
    assert started["requisition"]["status"] == "running"
    done = await _wait_done(legal, requisition_id)
    assert done["status"] == "done" and done["progress"] == 1.0, done
    return requisition_id, await _download(legal, requisition_id)


async def test_export_contains_exactly_the_scope(server, make_client, make_moderator):
    alice = await make_client("Alice")
    bob = await make_client("Bobby", gender="m")
    carla = await make_client("Carla")
    for c in (alice, bob, carla):
        await c.enter("general")
    early = await alice.post("general", "avant la fenetre")
    await asyncio.sleep(0.05)
    from_ts = time.time()
    await asyncio.sleep(0.05)
    late = await alice.post("general", "dans la fenetre")
    pm = await alice.pm("Bobby", "message prive")
    bob_asked = await bob.post("general", "message demande")
    bob_other = await bob.post("general", "message non demande")
    await carla.post("general", "rien a voir")
    legal = await make_moderator("juriste", "legal")
    scope = {
        "pseudonyms": ["alice"],
        "message_ids": [{"channel": "room:general", "id": bob_asked["id"]}],
        "from_ts": from_ts,
        "to_ts": time.time() + 60,
    }
    requisition_id, archive = await _export(legal, scope)

    sessions = _table(archive, "sessions")
    messages = _table(archive, "messages")
    connections = _table(archive, "connections")
    assert sorted(s["pseudonym"] for s in sessions) == ["Alice", "Bobby"]
    alice_id = next(s["id"] for s in sessions if s["pseudonym"] == "Alice")
    bob_id = next(s["id"] for s in sessions if s["pseudonym"] == "Bobby")
    assert "token_hash" not in sessions[0] and "device_hash" not in sessions[0]
    got = {(m["channel"], m["id"]) for m in messages}
    assert got == {
        ("room:general", late["id"]),
        (pm["channel"], pm["id"]),
        ("room:general", bob_asked["id"]),
    }
    assert ("room:general", early["id"]) not in got and ("room:general", bob_other["id"]) not in got
    # Connection data: Alice's in the window (her messages only: she joined before it), and
    # the asked message of Bob's; all opened, nobody else's, nothing before the window.
    assert all(c["ts"] >= from_ts and not c["error"] for c in connections)
    assert {(c["kind"], c["session_id"], c["message_id"]) for c in connections} == {
        ("message", alice_id, late["id"]),
        ("message", alice_id, pm["id"]),
        ("message", bob_id, bob_asked["id"]),
    }
    assert all(c["ip"] == "127.0.0.1" and c["port"] for c in connections)
    assert {c["pseudonym"] for c in connections} == {"Alice", "Bobby"}
    text = archive.decode("latin-1")
    assert "Carla" not in text and "rien a voir" not in text

    # Signed: verifies with the published key; one changed byte and it does not.
    key_info = await legal.get("/api/desk/requisitions/public-key")
    public = parse_public_key(key_info["public_key_pem"].encode())
    result = verify_archive(archive, public)
    assert result.ok, result.problems
    assert result.manifest is not None
    assert result.manifest["requisition"]["reference"] == "PV 2026/1234"
    assert result.manifest["counts"]["messages"] == 3
    assert (
        _tampered(archive, "messages.json")
        and not verify_archive(_tampered(archive, "messages.json"), public).ok
    )
    assert not verify_archive(_tampered(archive, "manifest.json"), public).ok
    assert not verify_archive(_tampered(archive, "signature.sig"), public).ok
    assert not verify_archive(archive[: len(archive) // 2], public).ok

    # Every step audited.
    store = server.app[LEGAL].retention.log.store
    with store.engine.connect() as conn:
        t = schema.audit_log
        actions = [
            a
            for (a,) in conn.execute(
                select(t.c.action).where(t.c.target == f"requisition:{requisition_id}")
            )
        ]
    assert actions == [
        "requisition.record",
        "requisition.export_start",
        "requisition.export_finish",
        "requisition.download",
    ]


def _tampered(archive: bytes, name: str) -> bytes:
    """The same archive with one byte of one file changed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == name:
                index = len(data) // 2
                data = data[:index] + bytes([data[index] ^ 1]) + data[index + 1 :]
            dst.writestr(info.filename, data)
    return out.getvalue()


async def test_devices_of_follows_every_pseudonym_on_the_device(
    server, make_client, make_moderator, settings
):
    """Asked by pseudonym, the export finds the other sessions of the same device (resolved
    server-side, never shown), and nobody else's."""
    device = "same-browser-device-token-0001"
    for name in ("Alice", "Alice2"):
        client = await make_client()
        await client.join(name, device=device)
        await client.connect()
        await client.expect("synced")
    await client.enter("general")
    posted = await client.post("general", "autre pseudo meme appareil")
    await make_client("Zoe")
    legal = await make_moderator("juriste", "legal")
    _, archive = await _export(
        legal, {"devices_of": ["Alice"], "from_ts": 0, "to_ts": time.time() + 60}
    )
    assert sorted(s["pseudonym"] for s in _table(archive, "sessions")) == ["Alice", "Alice2"]
    assert [m["id"] for m in _table(archive, "messages")] == [posted["id"]]
    kinds = sorted(c["kind"] for c in _table(archive, "connections"))
    assert kinds == ["connect", "connect", "join", "join", "message"]
    # The CLI verifies the downloaded archive with the service's own key.
    path = settings.data_dir / "answer.zip"
    path.write_bytes(archive)
    env_config = settings.data_dir / "causette.toml"
    env_config.write_text(f'data_dir = "{settings.data_dir}"\n')
    ok = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "causette", "admin", "verify-export", str(path),
         "--config", str(env_config)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    path.write_bytes(_tampered(archive, "sessions.csv"))
    bad = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "causette", "admin", "verify-export", str(path),
         "--config", str(env_config)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert bad.returncode == 1 and "sessions.csv" in bad.stderr


@pytest.mark.parametrize(
    "scope",
    [
        None,
        {"from_ts": 10, "to_ts": 5, "pseudonyms": ["a"]},
        {"from_ts": 0, "to_ts": 5},
        {"from_ts": 0, "to_ts": 5, "pseudonyms": "alice"},
        {"from_ts": 0, "to_ts": 5, "message_ids": [{"channel": "room:x", "id": "1"}]},
        {"from_ts": 0, "to_ts": 5, "pseudonyms": ["a"], "ip": "1.2.3.4"},
    ],
)
async def test_bad_requisitions_are_refused_and_nothing_is_recorded(make_moderator, scope):
    legal = await make_moderator("juriste", "legal")
    body = {"authority": "TJ", "reference": "r", "legal_basis": "b", "scope": scope}
    _, answer = await legal.call("POST", "/api/desk/requisitions", body, expect=400)
    assert answer["error"]["code"] == "bad_field"
    assert (await legal.get("/api/desk/requisitions"))["requisitions"] == []
    _, missing = await legal.call("GET", "/api/desk/requisitions/nope/archive", expect=404)
    assert missing["error"]["code"] == "not_found"


async def test_archive_is_not_ready_before_the_export(make_moderator):
    legal = await make_moderator("juriste", "legal")
    created = await legal.post(
        "/api/desk/requisitions",
        {
            "authority": "TJ",
            "reference": "r",
            "legal_basis": "b",
            "scope": {"sessions": ["x"], "from_ts": 0, "to_ts": 1},
        },
        expect=201,
    )
    rid = created["requisition"]["id"]
    _, answer = await legal.call("GET", f"/api/desk/requisitions/{rid}/archive", expect=409)
    assert answer["error"]["code"] == "not_ready"


async def test_a_message_removed_by_moderation_is_still_in_the_export(
    server, make_client, make_moderator
):
    """Deleting a message takes it out of the chat, not out of the evidence."""
    from_ts = time.time()
    relou = await make_client("Relou", gender="m")
    await relou.enter("general")
    kept = await relou.post("general", "message gardé")
    gone = await relou.post("general", "message supprimé par la modération")
    modo = await make_moderator("modo")
    subject_id = chatter_id(server, "Relou")
    await modo.post(
        "/api/desk/actions",
        {
            "action": "delete",
            "subject_id": subject_id,
            "channel": "room:general",
            "message_id": gone["id"],
            "rule": "harassment",
            "reason": "Insulte",
        },
    )
    history = await relou.request(
        {"type": "history", "channel": "room:general", "limit": 50}, "history"
    )
    assert [m["id"] for m in history["messages"]] == [kept["id"]]
    # Kept among held messages, sealed at rest (store/bodies.py): the export opens it.
    h = schema.held_messages
    [(raw, key_id)] = await server.app[SERVICE].store.read(
        lambda c: c.execute(select(h.c.text, h.c.key_id)).all()
    )
    assert key_id is not None and "supprimé" not in raw
    legal = await make_moderator("juriste", "legal")
    _, archive = await _export(
        legal, {"pseudonyms": ["Relou"], "from_ts": from_ts, "to_ts": time.time() + 60}
    )
    rows = {m["id"]: m for m in _table(archive, "messages")}
    assert set(rows) == {kept["id"], gone["id"]}
    assert rows[gone["id"]]["removed"] is True and rows[kept["id"]]["removed"] is False
    assert rows[gone["id"]]["text"] == "message supprimé par la modération"
