"""Shared rule lists and rule packs at the desk (admins only, ``Permission.OPERATE``).

- ``GET /api/desk/rules`` the lists; ``POST /api/desk/rules`` ``{"list", "entry"}`` adds an
  entry, ``POST /api/desk/rules/remove`` ``{"list", "entry"}`` removes one.
- ``GET /api/desk/rules/issuer`` this instance's issuer name, key id and public key (PEM):
  what another instance's admin trusts to import our packs.
- ``POST /api/desk/rules/export`` ``{"lists": [...]}`` (all lists when absent) answers the
  signed pack of the entries (core/rule_lists.py).
- ``GET /api/desk/rules/issuers``, ``POST /api/desk/rules/issuers`` ``{"name",
  "public_key"}``, ``POST /api/desk/rules/issuers/{key_id}/remove``: the issuers whose packs
  this instance reviews.
- ``POST /api/desk/rules/packs`` (body: a pack) checks it and keeps it pending: 201 with
  its entries, each marked ``new`` or ``present`` against the current lists. Unknown
  issuer: ``pack_issuer_unknown``; a signature that does not hold:
  ``pack_signature_invalid``; an entry that looks like personal data: ``bad_field``.
  Nothing is stored then.
- ``GET /api/desk/rules/packs`` and ``/packs/{id}``: packs with that diff, recomputed.
- ``POST /api/desk/rules/packs/{id}/review`` ``{"accept": "all" | [indexes]}`` applies the
  accepted entries (``[]`` rejects the pack); only now do they reach the chat.

Every change is audited in the keyed chain (store/rule_lists.py), and every process of a
cluster applies the new lists (server/rule_lists.py).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from causette.core.errors import ChatError, ErrorCode, bad_field
from causette.core.roles import Permission
from causette.core.rule_lists import (
    ISSUER_MAX,
    LISTS,
    PACK_ENTRIES_MAX,
    Entry,
    make_pack,
    normalise_entry,
    read_pack,
)
from causette.core.sealing import SealError, parse_public_key, public_key_id, public_key_pem
from causette.core.text import cleaned
from causette.server.desk.auth import require
from causette.server.desk.service import DESK, Desk
from causette.server.http_api import json_response, read_json
from causette.server.keys import SERVICE
from causette.server.retention import load_signing_key
from causette.store.moderators import Moderator
from causette.store.rule_lists import Issuer, RuleListStore, StoredPack

PACK_BODY_MAX = 1024 * 1024  # 5,000 entries of a few dozen bytes, with room to spare


def _store(request: web.Request) -> RuleListStore:
    return request.app[SERVICE].rules.store


def _actor(moderator: Moderator) -> str:
    return f"moderator:{moderator.id}"


def _issuer_name(request: web.Request) -> str:
    name = request.app[DESK].settings.rule_pack_issuer or request.host.split(":")[0]
    return name[:ISSUER_MAX]


async def _entry(request: web.Request) -> Entry:
    body = await read_json(request)
    unknown = sorted(set(body) - {"list", "entry"})
    if unknown:
        raise bad_field(f"{unknown[0]}: unknown field")
    return normalise_entry(body.get("list"), body.get("entry"))


async def lists(request: web.Request) -> web.Response:
    await require(request, Permission.OPERATE)
    found: dict[str, list[dict[str, Any]]] = {name: [] for name in LISTS}
    for row in await _store(request).entries():
        found.setdefault(row["list"], []).append(row)
    return json_response({"lists": found})


async def add(request: web.Request) -> web.Response:
    moderator = await require(request, Permission.OPERATE)
    entry = await _entry(request)
    await _store(request).add(entry, request.app[DESK].clock(), _actor(moderator))
    await request.app[SERVICE].rules.changed()
    return json_response({"added": entry.public()}, 201)


async def remove(request: web.Request) -> web.Response:
    moderator = await require(request, Permission.OPERATE)
    entry = await _entry(request)
    await _store(request).remove(entry, request.app[DESK].clock(), _actor(moderator))
    await request.app[SERVICE].rules.changed()
    return json_response({"removed": entry.public()})


async def issuer(request: web.Request) -> web.Response:
    await require(request, Permission.OPERATE)
    key = load_signing_key(request.app[DESK].settings)
    return json_response(
        {
            "name": _issuer_name(request),
            "key_id": public_key_id(key),
            "public_key": public_key_pem(key).decode("ascii"),
        }
    )


async def export(request: web.Request) -> web.Response:
    moderator = await require(request, Permission.OPERATE)
    body = await read_json(request)
    wanted = body.get("lists", list(LISTS))
    if not isinstance(wanted, list) or not wanted or any(w not in LISTS for w in wanted):
        raise bad_field(f"lists: some of {', '.join(LISTS)}")
    desk = request.app[DESK]
    entries = [e for e in await _store(request).current() if e.list in wanted]
    if len(entries) > PACK_ENTRIES_MAX:
        raise bad_field(f"lists: at most {PACK_ENTRIES_MAX} entries in one pack")
    now = desk.clock()
    pack = make_pack(_issuer_name(request), entries, now, load_signing_key(desk.settings))
    detail = {"lists": sorted(wanted), "entries": len(pack["entries"])}
    await desk.audit_action(moderator, "rules.export", "rules", detail)
    return json_response(pack)


async def issuers(request: web.Request) -> web.Response:
    await require(request, Permission.OPERATE)
    return json_response({"issuers": [i.public() for i in await _store(request).issuers()]})


async def trust(request: web.Request) -> web.Response:
    moderator = await require(request, Permission.OPERATE)
    body = await read_json(request, 8192)
    name, pem = body.get("name"), body.get("public_key")
    if not isinstance(name, str) or not 1 <= len(cleaned(name)) <= ISSUER_MAX:
        raise bad_field(f"name: 1 to {ISSUER_MAX} characters")
    if not isinstance(pem, str):
        raise bad_field("public_key: the issuer's Ed25519 public key (PEM)")
    try:
        key = parse_public_key(pem.strip().encode())
    except SealError:
        raise bad_field("public_key: the issuer's Ed25519 public key (PEM)") from None
    found = Issuer(
        public_key_id(key),
        cleaned(name),
        public_key_pem(key).decode("ascii"),
        request.app[DESK].clock(),
    )
    await _store(request).trust(found, _actor(moderator))
    return json_response({"issuer": found.public()}, 201)


async def distrust(request: web.Request) -> web.Response:
    moderator = await require(request, Permission.OPERATE)
    key_id = request.match_info["key_id"]
    await _store(request).distrust(key_id, request.app[DESK].clock(), _actor(moderator))
    return web.Response(status=204)


async def _pack_body(store: RuleListStore, pack: StoredPack) -> dict[str, Any]:
    """A pack with each entry marked against the lists as they are now."""
    current = await store.current()
    accepted = set(pack.accepted or ())
    entries = []
    for index, entry in enumerate(pack.entries):
        item: dict[str, Any] = {"index": index, **entry.public()}
        item["state"] = "present" if entry in current else "new"
        if pack.accepted is not None:
            item["accepted"] = entry in accepted
        entries.append(item)
    return {
        "id": pack.id,
        "issuer": pack.issuer,
        "signed_by": pack.signed_by,
        "created_at": pack.created_at,
        "received_at": pack.received_at,
        "status": pack.status,
        "decided_at": pack.decided_at,
        "entries": entries,
        "new": sum(1 for e in entries if e["state"] == "new"),
    }


async def receive(request: web.Request) -> web.Response:
    moderator = await require(request, Permission.OPERATE)
    document = await read_json(request, PACK_BODY_MAX)
    store = _store(request)
    trusted = {}
    for known in await store.issuers():
        trusted[known.key_id] = parse_public_key(known.public_key.encode())
    pack = read_pack(document, trusted)
    desk: Desk = request.app[DESK]
    pack_id = await store.receive(pack, desk.clock(), _actor(moderator))
    stored = await store.packs(pack_id)
    return json_response({"pack": await _pack_body(store, stored[0])}, 201)


async def packs(request: web.Request) -> web.Response:
    await require(request, Permission.OPERATE)
    store = _store(request)
    return json_response({"packs": [await _pack_body(store, p) for p in await store.packs()]})


async def pack(request: web.Request) -> web.Response:
    await require(request, Permission.OPERATE)
    store = _store(request)
    found = await store.packs(request.match_info["pack_id"])
    if not found:
        raise ChatError(ErrorCode.NOT_FOUND)
    return json_response({"pack": await _pack_body(store, found[0])})


async def review(request: web.Request) -> web.Response:
    moderator = await require(request, Permission.OPERATE)
    body = await read_json(request, 64 * 1024)
    accept = body.get("accept")
    if accept == "all":
        indexes = None
    elif isinstance(accept, list) and all(
        isinstance(i, int) and not isinstance(i, bool) for i in accept
    ):
        indexes = list(accept)
    else:
        raise bad_field('accept: "all" or a list of entry indexes ([] rejects the pack)')
    store = _store(request)
    found, added = await store.decide(
        request.match_info["pack_id"], indexes, request.app[DESK].clock(), _actor(moderator)
    )
    if added:
        await request.app[SERVICE].rules.changed()
    answer = await _pack_body(store, found)
    return json_response({"pack": answer, "added": [e.public() for e in added]})


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/api/desk/rules", lists)
    app.router.add_post("/api/desk/rules", add)
    app.router.add_post("/api/desk/rules/remove", remove)
    app.router.add_get("/api/desk/rules/issuer", issuer)
    app.router.add_post("/api/desk/rules/export", export)
    app.router.add_get("/api/desk/rules/issuers", issuers)
    app.router.add_post("/api/desk/rules/issuers", trust)
    app.router.add_post("/api/desk/rules/issuers/{key_id}/remove", distrust)
    app.router.add_get("/api/desk/rules/packs", packs)
    app.router.add_post("/api/desk/rules/packs", receive)
    app.router.add_get("/api/desk/rules/packs/{pack_id}", pack)
    app.router.add_post("/api/desk/rules/packs/{pack_id}/review", review)
