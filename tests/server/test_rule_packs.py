"""Shared rule packs between two instances over real HTTP, each with its own database: an
admin lists entries and exports a signed pack; the other instance's admin trusts the
issuer's key, imports it, reviews a diff, and only the accepted entries apply (a pseudonym
refused at the join, a link refused in a room). A tampered pack, an unknown issuer and
entries that look like personal data are refused with stable codes and store nothing."""

from __future__ import annotations

import copy
import pathlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from causette.core.rule_lists import Entry, make_pack
from causette.core.sealing import new_signing_key, public_key_pem
from causette.server.app import build_app
from causette.server.desk import DESK
from causette.server.desk.service import new_moderator
from causette.settings import Settings
from tests.conftest import TEST_SETTINGS
from tests.support.client import ChatClient, JoinRefused
from tests.support.desk import PASSWORD, DeskClient

MakeModerator = Callable[..., Awaitable[DeskClient]]


@pytest.fixture
async def other(tmp_path: pathlib.Path) -> AsyncIterator[TestServer]:
    """A second instance: its own SQLite database, its own keys, its own name."""
    settings = Settings(
        data_dir=tmp_path / "other",
        rule_pack_issuer="Autre instance",
        fresh_account_s=0,  # its chatters may post links at once
        **TEST_SETTINGS,
    )
    srv = TestServer(build_app(settings), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


@pytest.fixture
async def other_admin(other: TestServer) -> AsyncIterator[DeskClient]:
    desk = other.app[DESK]
    await desk.moderators.create(new_moderator("admin-b", "admin", PASSWORD, desk.clock()), "t")
    client = await DeskClient.login(str(other.make_url("/")), "admin-b")
    yield client
    await client.close()


async def joins(base_url: str, pseudonym: str) -> str | None:
    """None when the join is accepted, else the refusal's code."""
    client = ChatClient(base_url.rstrip("/"))
    try:
        await client.join(pseudonym)
        return None
    except JoinRefused as refused:
        return refused.code
    finally:
        await client.close()


async def exported_pack(admin: DeskClient) -> tuple[dict[str, Any], dict[str, Any]]:
    await admin.post("/api/desk/rules", {"list": "pseudonym", "entry": "GrosMinet"}, expect=201)
    await admin.post(
        "/api/desk/rules", {"list": "link_domain", "entry": "arnaque.example"}, expect=201
    )
    issuer = await admin.get("/api/desk/rules/issuer")
    return await admin.post("/api/desk/rules/export", {}), issuer


async def test_a_pack_travels_and_applies_only_once_reviewed(
    server: TestServer,
    base_url: str,
    make_moderator: MakeModerator,
    other: TestServer,
    other_admin: DeskClient,
) -> None:
    admin = await make_moderator("admin-a", "admin")
    pack, issuer = await exported_pack(admin)
    assert pack["format"] == "causette-rule-pack/1"
    assert pack["entries"] == [
        {"list": "link_domain", "entry": "arnaque.example"},
        {"list": "pseudonym", "entry": "grosminet"},
    ]
    # The lists apply at once where they were typed: look-alikes too.
    assert await joins(base_url, "Le_Gr0sMinet") == "pseudonym_refused"

    other_url = str(other.make_url("/"))
    # Not trusted yet: refused, nothing kept.
    _, refused = await other_admin.call("POST", "/api/desk/rules/packs", pack, expect=400)
    assert refused["error"]["code"] == "pack_issuer_unknown"
    assert (await other_admin.get("/api/desk/rules/packs"))["packs"] == []

    trusted = await other_admin.post(
        "/api/desk/rules/issuers",
        {"name": "Instance A", "public_key": issuer["public_key"]},
        expect=201,
    )
    assert trusted["issuer"]["key_id"] == issuer["key_id"] == pack["signed_by"]
    await other_admin.post(
        "/api/desk/rules", {"list": "pseudonym", "entry": "grosminet"}, expect=201
    )
    received = (await other_admin.post("/api/desk/rules/packs", pack, expect=201))["pack"]
    assert received["status"] == "pending"
    assert [(e["index"], e["entry"], e["state"]) for e in received["entries"]] == [
        (0, "arnaque.example", "new"),
        (1, "grosminet", "present"),  # the diff against the lists as they are
    ]
    # Pending: nothing of it applies yet.
    link = "le site arnaque.example est bien"
    chatter = ChatClient(other_url.rstrip("/"))
    await chatter.join("Lectrice")
    await chatter.connect()
    await chatter.expect("synced")
    await chatter.enter("general")
    assert (await chatter.post("general", link))["type"] == "ack"
    lists = (await other_admin.get("/api/desk/rules"))["lists"]
    assert lists["link_domain"] == []

    reviewed = await other_admin.post(
        f"/api/desk/rules/packs/{received['id']}/review", {"accept": "all"}
    )
    assert reviewed["pack"]["status"] == "applied"
    assert reviewed["added"] == [{"list": "link_domain", "entry": "arnaque.example"}]
    for text in (link, "voir https://forum.arnaque.example/x"):  # subdomains too
        refusal = await chatter.post("general", text)
        assert (refusal["type"], refusal["code"]) == ("error", "message_blocked")
    assert (await chatter.post("general", "et ailleurs.example aussi"))["type"] == "ack"
    await chatter.close()
    lists = (await other_admin.get("/api/desk/rules"))["lists"]
    assert [(e["entry"], e["source"]) for e in lists["link_domain"]] == [
        ("arnaque.example", f"pack:{received['id']}")
    ]
    _, again = await other_admin.call(
        "POST", f"/api/desk/rules/packs/{received['id']}/review", {"accept": "all"}, expect=409
    )
    assert again["error"]["code"] == "already_decided"

    entries = await other.app[DESK].audit.entries()
    actions = [e.action for e in entries if e.action.startswith("rules.")]
    assert actions == ["rules.issuer_trust", "rules.add", "rules.pack_receive", "rules.pack_review"]
    assert (await other.app[DESK].audit.verify()).ok


async def test_an_admin_accepts_some_entries_and_the_rest_never_apply(
    make_moderator: MakeModerator, other: TestServer, other_admin: DeskClient
) -> None:
    admin = await make_moderator("admin-a", "admin")
    pack, issuer = await exported_pack(admin)
    body = {"name": "Instance A", "public_key": issuer["public_key"]}
    await other_admin.post("/api/desk/rules/issuers", body, expect=201)
    received = (await other_admin.post("/api/desk/rules/packs", pack, expect=201))["pack"]
    path = f"/api/desk/rules/packs/{received['id']}/review"
    _, bad = await other_admin.call("POST", path, {"accept": [7]}, expect=400)
    assert bad["error"]["code"] == "bad_field"
    reviewed = await other_admin.post(path, {"accept": [1]})
    assert reviewed["added"] == [{"list": "pseudonym", "entry": "grosminet"}]
    assert [e["accepted"] for e in reviewed["pack"]["entries"]] == [False, True]
    lists = (await other_admin.get("/api/desk/rules"))["lists"]
    assert (lists["link_domain"], [e["entry"] for e in lists["pseudonym"]]) == ([], ["grosminet"])
    other_url = str(other.make_url("/"))
    assert await joins(other_url, "GrosMinet_75") == "pseudonym_refused"
    assert await joins(other_url, "Titi_75") is None


async def test_a_tampered_pack_is_refused_and_nothing_is_kept(
    make_moderator: MakeModerator, other_admin: DeskClient
) -> None:
    admin = await make_moderator("admin-a", "admin")
    pack, issuer = await exported_pack(admin)
    body = {"name": "Instance A", "public_key": issuer["public_key"]}
    await other_admin.post("/api/desk/rules/issuers", body, expect=201)
    tampered = [copy.deepcopy(pack) for _ in range(4)]
    tampered[0]["entries"][0]["entry"] = "autre.example"
    tampered[1]["entries"].append({"list": "pseudonym", "entry": "titi"})
    tampered[2]["issuer"] = "Quelqu'un d'autre"
    tampered[3]["signature"] = "not base64!"
    for forged in tampered:
        _, refused = await other_admin.call("POST", "/api/desk/rules/packs", forged, expect=400)
        assert refused["error"]["code"] == "pack_signature_invalid", forged
    # Signed by a key nobody trusted (another instance's, say).
    stranger = make_pack("Instance A", [Entry("pseudonym", "titi")], 1.0, new_signing_key())
    _, refused = await other_admin.call("POST", "/api/desk/rules/packs", stranger, expect=400)
    assert refused["error"]["code"] == "pack_issuer_unknown"
    assert (await other_admin.get("/api/desk/rules/packs"))["packs"] == []
    assert (await other_admin.get("/api/desk/rules"))["lists"] == {
        "pseudonym": [],
        "link_domain": [],
    }


async def test_entries_that_look_like_personal_data_are_refused(
    other: TestServer, other_admin: DeskClient
) -> None:
    for entry in ("jean.dupont@example.org", "06 12 34 56 78", "0612345678", "192.168.1.20"):
        for list_name in ("pseudonym", "link_domain"):
            _, refused = await other_admin.call(
                "POST", "/api/desk/rules", {"list": list_name, "entry": entry}, expect=400
            )
            assert refused["error"]["code"] == "bad_field", entry
            assert "personal data" in refused["error"]["message"], entry
    # A correctly signed pack from a trusted issuer that carries one is refused whole.
    key = new_signing_key()
    body = {"name": "Bavarde", "public_key": public_key_pem(key).decode()}
    await other_admin.post("/api/desk/rules/issuers", body, expect=201)
    leaky = make_pack(
        "Bavarde",
        [Entry("pseudonym", "titi"), Entry("pseudonym", "appelle_0612345678")],
        1.0,
        key,
    )
    _, refused = await other_admin.call("POST", "/api/desk/rules/packs", leaky, expect=400)
    assert refused["error"]["code"] == "bad_field"
    assert refused["error"]["message"].startswith("Champ invalide : entries[0]")
    assert (await other_admin.get("/api/desk/rules/packs"))["packs"] == []


async def test_only_admins_manage_the_lists(
    server: TestServer, make_moderator: MakeModerator
) -> None:
    moderator = await make_moderator("modo-r", "moderator")
    legal = await make_moderator("legal-r", "legal")
    for desk in (moderator, legal):
        _, refused = await desk.call(
            "POST", "/api/desk/rules", {"list": "pseudonym", "entry": "titi"}, expect=403
        )
        assert refused["error"]["code"] == "forbidden"
        await desk.call("POST", "/api/desk/rules/export", {}, expect=403)
    assert not [e for e in await server.app[DESK].audit.entries() if e.action == "rules.add"]
