"""A chatter's own data: a message taken back, the export (GDPR art. 15/20), erasure (art. 17).

Run on every backend (SQLite in one process; PostgreSQL + Redis): real sockets, real store.
"""

from __future__ import annotations

import time
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from causette.server.keys import SERVICE
from causette.store import bodies, schema
from tests.server.test_requisitions import _export, _table
from tests.support.client import ChatClient, closed_with
from tests.support.desk import chatter_id


async def _rows(server: TestServer, table: Any) -> list[Any]:
    store = server.app[SERVICE].store
    return list(await store.read(lambda conn: conn.execute(select(table)).all()))


async def _texts(server: TestServer) -> list[str]:
    """Every stored message body, opened (they are sealed at rest)."""
    store = server.app[SERVICE].store

    def q(conn: Any) -> list[str]:
        return [bodies.record_of(conn, r).text for r in conn.execute(select(*bodies.columns()))]

    return list(await store.read(q))


async def _held(server: TestServer) -> list[tuple[str, str]]:
    """Every held message as (text opened, status); their raw text is sealed at rest."""
    store = server.app[SERVICE].store

    def q(conn: Any) -> list[tuple[str, str]]:
        rows = conn.execute(select(*bodies.held_columns("status"))).mappings().all()
        assert all(r["key_id"] is not None for r in rows)
        return [(bodies.open_row(conn, bodies.HELD, r), r["status"]) for r in rows]

    return list(await store.read(q))


def _auth(client: ChatClient) -> dict[str, str]:
    return {"Authorization": f"Bearer {client.token}"}


async def _get_data(client: ChatClient, fmt: str = "json") -> tuple[int, Any]:
    async with client.http.get(
        f"{client.base_url}/api/me/data?format={fmt}", headers=_auth(client)
    ) as resp:
        body = await resp.read()
        if fmt == "json" or resp.status != 200:
            return resp.status, orjson.loads(body)
        return resp.status, body.decode()


async def _erase(client: ChatClient, body: Any = None) -> tuple[int, Any]:
    async with client.http.post(
        f"{client.base_url}/api/me/erase",
        json={"confirm": True} if body is None else body,
        headers=_auth(client),
    ) as resp:
        return resp.status, await resp.json()


# -- a message taken back ----------------------------------------------------------------------
async def test_author_deletes_a_room_message_everywhere_and_for_good(make_client, server):
    """The author's delete leaves Bob's view at once, history and resume never bring it
    back, and a client that was away drops it on resume (tombstone). Its text is gone:
    nothing needed it as evidence."""
    alice = await make_client("Alice")
    bob = await make_client("Bob", gender="m")
    carol = await make_client("Carol")
    for c in (alice, bob, carol):
        await c.enter("general")
    ack = await alice.post("general", "mon numéro 06 12 34 56 78")
    kept = await alice.post("general", "oups")
    await carol.expect("message", id=kept["id"])
    await carol.disconnect()  # Carol holds both messages and is away

    reply = await alice.request(
        {"type": "delete", "channel": "room:general", "id": ack["id"]}, "deleted"
    )
    assert reply == {
        "type": "deleted",
        "channel": "room:general",
        "id": ack["id"],
        "by": "author",
        "ref": reply["ref"],
    }
    gone = await bob.expect("deleted", id=ack["id"])
    assert gone["channel"] == "room:general" and gone["by"] == "author"

    history = await bob.request({"type": "history", "channel": "room:general"}, "history")
    assert [m["id"] for m in history["messages"]] == [kept["id"]]
    replayed = await carol.resume()
    assert replayed == []  # nothing new; and what she holds is dropped:
    dropped = await carol.expect("deleted", id=ack["id"])
    assert dropped["channel"] == "room:general"

    texts = await _texts(server)
    held = [text for text, _ in await _held(server)]
    assert "mon numéro 06 12 34 56 78" not in texts + held
    # Alice only got her answer (with its ref), not a second copy from the fan-out.
    await alice.settle()
    assert [f for f in alice.frames if f["type"] == "deleted"] == [reply]


async def test_only_the_author_may_delete(make_client, server):
    """Bob cannot delete Alice's message (structured error, nothing changes); an unknown
    id and a conversation one is not part of answer ``message_unknown``."""
    alice = await make_client("Alice")
    bob = await make_client("Bob", gender="m")
    for c in (alice, bob):
        await c.enter("general")
    ack = await alice.post("general", "à moi")
    refused = await bob.request(
        {"type": "delete", "channel": "room:general", "id": ack["id"]}, "deleted"
    )
    assert refused["type"] == "error" and refused["code"] == "not_author"
    assert refused["message"]
    unknown = await bob.request(
        {"type": "delete", "channel": "room:general", "id": ack["id"] + 50}, "deleted"
    )
    assert unknown["code"] == "message_unknown"
    stranger = await bob.request({"type": "delete", "channel": "pm:abcdef", "id": 1}, "deleted")
    assert stranger["code"] == "message_unknown"
    bad = await bob.request({"type": "delete", "channel": "room:general", "id": 0}, "deleted")
    assert bad["code"] == "bad_field"
    assert await _texts(server) == ["à moi"]


async def test_a_reported_private_message_is_kept_as_evidence(make_client, server):
    """Bob reported Alice's private message: when she deletes it, it leaves both views
    but stays, sealed from chatters, among the desk's removed messages."""
    alice = await make_client("Alice")
    bob = await make_client("Bob", gender="m")
    for c in (alice, bob):
        await c.enter("general")
    ack = await alice.pm("Bob", "viens chez moi 3 rue des Lilas")
    channel = ack["channel"]
    await bob.expect("message", channel=channel, id=ack["id"])
    report = await bob.request(
        {"type": "report", "category": "harassment", "channel": channel, "id": ack["id"]},
        "report_ack",
    )
    assert report["type"] == "report_ack"
    reply = await alice.request({"type": "delete", "channel": channel, "id": ack["id"]}, "deleted")
    assert reply["type"] == "deleted"
    await bob.expect("deleted", channel=channel, id=ack["id"])
    assert [r for r in await _rows(server, schema.messages) if r.channel == channel] == []
    assert await _held(server) == [("viens chez moi 3 rue des Lilas", "removed")]
    history = await bob.request({"type": "history", "channel": channel}, "history")
    assert history["messages"] == []


# -- the export ---------------------------------------------------------------------------------
async def test_export_holds_my_data_and_nobody_elses(make_client):
    """Alice's export has her session, rooms, messages and the private conversation she is
    part of (both sides); never Bob's room messages nor anything of Dan's. Bob's export
    does not hold Alice's room message either."""
    alice = await make_client("Alice")
    bob = await make_client("Bob", gender="m")
    dan = await make_client("Dan", gender="m")
    for c in (alice, bob, dan):
        await c.enter("general")
    await alice.post("general", "salut de Alice")
    await bob.post("general", "salut de Bob")
    await dan.post("general", "salut de Dan")
    pm = await bob.pm("Alice", "un mot pour Alice")
    await alice.expect("message", channel=pm["channel"])
    await dan.pm("Bob", "secret de Dan pour Bob")

    status, mine = await _get_data(alice)
    assert status == 200
    assert mine["session"]["pseudonym"] == "Alice" and mine["rooms"] == ["general"]
    texts = {m["text"]: m for m in mine["messages"]}
    assert set(texts) == {"salut de Alice", "un mot pour Alice"}
    assert texts["salut de Alice"]["mine"] and not texts["un mot pour Alice"]["mine"]
    assert texts["un mot pour Alice"]["from"] == "Bob"
    assert [c["with"] for c in mine["conversations"]] == ["Bob"]
    assert mine["connection_data"]["rows"] >= 1  # counted, never opened
    assert "token_hash" not in orjson.dumps(mine).decode()

    _, bobs = await _get_data(bob)
    assert {m["text"] for m in bobs["messages"]} == {
        "salut de Bob",
        "un mot pour Alice",
        "secret de Dan pour Bob",
    }


async def test_export_holds_my_reports_sanctions_and_appeals(make_client, make_moderator, server):
    """Issue 15 item 2 names them: the reports I made (never those about me: reporters are
    protected), the sanctions I received and my appeals, in the JSON and the readable page."""
    modo = await make_moderator("modo")
    alice = await make_client("Alice")
    bob = await make_client("Bob", gender="m")
    for c in (alice, bob):
        await c.enter("general")
    ack = await bob.post("general", "t'es nulle")
    await alice.expect("message", channel="room:general", id=ack["id"])
    report = {"type": "report", "category": "harassment", "channel": "room:general"}
    made = await alice.request({**report, "id": ack["id"], "text": "il m'insulte"}, "report_ack")
    assert made["type"] == "report_ack", made
    await modo.post(
        "/api/desk/actions",
        {
            "action": "warn",
            "subject_id": chatter_id(server, "Bob"),
            "rule": "harassment",
            "reason": "Une insulte envers Alice",
        },
    )
    token = (await bob.expect("sanction"))["statement"]["appeal_token"]
    async with bob.http.post(
        f"{bob.base_url}/api/appeals", json={"token": token, "text": "Je plaisantais"}
    ) as resp:
        assert resp.status == 201
        appeal = await resp.json()

    _, alices = await _get_data(alice)
    [mine] = alices["reports"]
    assert (mine["id"], mine["category"], mine["text"]) == (
        made["report_id"],
        "harassment",
        "il m'insulte",
    )
    assert alices["sanctions"] == [] and alices["appeals"] == []
    _, bobs = await _get_data(bob)
    assert bobs["reports"] == []  # Alice's report about him is not his to read
    [sanction] = bobs["sanctions"]
    assert (sanction["action"], sanction["rule"], sanction["reason"]) == (
        "warn",
        "harassment",
        "Une insulte envers Alice",
    )
    [appealed] = bobs["appeals"]
    assert appealed["id"] == appeal["appeal_id"] and appealed["sanction_id"] == sanction["id"]
    assert (appealed["text"], appealed["status"]) == ("Je plaisantais", "open")
    status, page = await _get_data(bob, "html")
    assert status == 200
    for section, text in (("sanctions", "Une insulte envers Alice"), ("appeals", "Je plaisantais")):
        start = page.index(f'<section id="{section}">')
        assert text in page[start : page.index("</section>", start)]
    assert "il m&#x27;insulte" not in page and "il m'insulte" not in page


async def test_export_needs_my_own_session_and_is_rate_limited(make_client, base_url):
    """No session: 401; a forged token: 401; the HTML page escapes chat text; the seventh
    request within the hour: 429 ``data_rate_limited`` with Retry-After."""
    alice = await make_client("Alice")
    await alice.enter("general")
    await alice.post("general", "<script>alert(1)</script>")
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base_url}api/me/data") as resp:
            assert resp.status == 401
            assert (await resp.json())["error"]["code"] == "not_authenticated"
        async with http.get(
            f"{base_url}api/me/data", headers={"Authorization": "Bearer nope"}
        ) as resp:
            assert resp.status == 401
    status, page = await _get_data(alice, "html")
    assert status == 200
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    for _ in range(5):  # six in all
        assert (await _get_data(alice))[0] == 200
    async with alice.http.get(f"{base_url}api/me/data", headers=_auth(alice)) as resp:
        assert resp.status == 429
        assert (await resp.json())["error"]["code"] == "data_rate_limited"
        assert int(resp.headers["Retry-After"]) > 0


async def test_export_by_cookie_downloads_json(base_url):
    """The browser's way: the session and device cookies set at the join, a JSON
    attachment; the session cookie without its device cookie is refused."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        alice = ChatClient(base_url, http)
        await alice.join("Alice")
        async with http.get(f"{base_url}api/me/data") as resp:
            assert resp.status == 200
            assert "attachment" in resp.headers["Content-Disposition"]
            assert resp.headers["Cache-Control"] == "no-store"
            assert (await resp.json())["session"]["pseudonym"] == "Alice"
        session = {c.key: c.value for c in http.cookie_jar}["causette_session"]
    async with aiohttp.ClientSession() as other:
        headers = {"Cookie": f"causette_session={session}"}
        async with other.get(f"{base_url}api/me/data", headers=headers) as resp:
            assert resp.status == 401


# -- erasure ------------------------------------------------------------------------------------
async def test_erasure_ends_the_session_frees_the_name_and_keeps_what_the_law_needs(
    make_client, server, base_url
):
    """Alice erases her data: her socket closes with 4001, her messages leave Bob's view,
    her session row and messages are gone, the connection data stay (sealed) and she is
    told until when; someone else can take the name at once."""
    alice = await make_client("Alice")
    bob = await make_client("Bob", gender="m")
    for c in (alice, bob):
        await c.enter("general")
    first = await alice.post("general", "un")
    second = await alice.post("general", "deux")
    await bob.expect("message", id=second["id"])
    refused = await _erase(alice, {"confirm": False})
    assert refused[0] == 400 and refused[1]["error"]["code"] == "bad_field"

    status, answer = await _erase(alice)
    assert status == 200, answer
    assert answer["erased"]["messages"] == 2 and answer["erased"]["session"] is True
    kept = {k["what"]: k for k in answer["kept"]}
    connection = kept["connection_data"]
    assert connection["why"] == "lcen" and connection["count"] >= 2
    assert connection["until"] > server.app[SERVICE].clock() + 360 * 86400
    assert "evidence" not in kept

    await closed_with(alice, 4001)
    for message_id in (first["id"], second["id"]):
        await bob.expect("deleted", id=message_id, by="erasure")
    sessions = [r.pseudonym for r in await _rows(server, schema.sessions)]
    assert sessions == ["Bob"]
    assert await _texts(server) == []
    assert len(await _rows(server, schema.connection_log)) >= 2
    async with alice.http.get(f"{base_url}api/session", headers=_auth(alice)) as resp:
        assert (await resp.json()) == {"me": None}
    again = await make_client("Alice")
    assert again.me["pseudonym"] == "Alice"


async def test_erasure_closes_my_private_conversations_for_the_other_side(make_client, server):
    """Bob had a conversation with Alice: when she erases her data, it closes on his side,
    her private message leaves his view, and his own message to her is still his (in his
    export)."""
    alice = await make_client("Alice")
    bob = await make_client("Bob", gender="m")
    for c in (alice, bob):
        await c.enter("general")
    ack = await alice.pm("Bob", "coucou Bob")
    request = (await bob.expect("conversation"))["conversation"]
    await bob.send({"type": "pm_respond", "conversation": request["id"], "decision": "accept"})
    await alice.expect("conversation", timeout=5)
    accepted = await bob.expect("conversation")
    assert accepted["conversation"]["state"] == "accepted"
    answer = await bob.request(
        {"type": "pm", "conversation": request["id"], "text": "salut"}, "ack"
    )
    assert answer["type"] == "ack"
    status, _ = await _erase(alice)
    assert status == 200
    closed = await bob.expect("conversation")
    assert closed["conversation"]["id"] == request["id"]
    assert closed["conversation"]["state"] == "blocked"
    await bob.expect("deleted", channel=ack["channel"], id=ack["id"], by="erasure")
    _, bobs = await _get_data(bob)
    assert [m["text"] for m in bobs["messages"]] == ["salut"]


async def test_erasure_keeps_preserved_evidence_sealed(make_client, server):
    """A grooming report preserves Alice's data: her erasure takes her messages out of
    every view, keeps them (and her session row, ended) for the desk, and tells her."""
    alice = await make_client("Alice", age=30)
    bob = await make_client("Bob", gender="m", age=30)
    for c in (alice, bob):
        await c.enter("general")
    ack = await alice.post("general", "message gardé")
    await bob.expect("message", id=ack["id"])
    report = await bob.request(
        {"type": "report", "category": "grooming", "pseudonym": "Alice"}, "report_ack"
    )
    assert report["type"] == "report_ack"
    status, answer = await _erase(alice)
    assert status == 200
    kept = {k["what"]: k for k in answer["kept"]}
    assert kept["evidence"]["count"] == 1 and kept["evidence"]["until"] is None
    assert answer["erased"]["session"] is False
    await bob.expect("deleted", id=ack["id"])
    assert await _texts(server) == []
    assert await _held(server) == [("message gardé", "removed")]
    sessions = {r.pseudonym: r for r in await _rows(server, schema.sessions)}
    assert sessions["Alice"].ended_at is not None


@pytest.mark.parametrize("path", ["/api/me/erase"])
async def test_erasure_refuses_a_cross_site_form(make_client, base_url, path):
    """A cross-site page cannot erase someone's data (Origin checked, JSON only)."""
    alice = await make_client("Alice")
    async with alice.http.post(
        f"{base_url.rstrip('/')}{path}",
        data="confirm=true",
        headers={"Origin": "https://evil.example", "Content-Type": "text/plain"},
    ) as resp:
        assert resp.status == 403
    status, _ = await _get_data(alice)
    assert status == 200  # still there


async def test_a_message_kept_as_evidence_is_in_the_requisition_export(make_client, make_moderator):
    """Taken back by its author under a report: out of the chat, still in the export
    a legal officer answers a requisition with, marked removed."""
    from_ts = time.time()
    alice = await make_client("Alice")
    bob = await make_client("Bob", gender="m")
    for c in (alice, bob):
        await c.enter("general")
    ack = await bob.post("general", "message signalé puis retiré")
    await alice.expect("message", id=ack["id"])
    report = await alice.request(
        {"type": "report", "category": "hate", "channel": "room:general", "id": ack["id"]},
        "report_ack",
    )
    assert report["type"] == "report_ack"
    reply = await bob.request(
        {"type": "delete", "channel": "room:general", "id": ack["id"]}, "deleted"
    )
    assert reply["type"] == "deleted"
    legal = await make_moderator("juriste", "legal")
    _, archive = await _export(
        legal, {"pseudonyms": ["Bob"], "from_ts": from_ts, "to_ts": time.time() + 60}
    )
    rows = {m["id"]: m for m in _table(archive, "messages")}
    assert rows[ack["id"]]["removed"] is True
    assert rows[ack["id"]]["text"] == "message signalé puis retiré"


async def test_message_bodies_are_sealed_at_rest(make_client, server):
    """The running server seals every body (item 5): the database holds no text, with the
    key's id beside it; chatters read it as they always did."""
    alice = await make_client("Alice")
    bob = await make_client("Bob", gender="m")
    for c in (alice, bob):
        await c.enter("general")
    await alice.post("general", "rendez-vous au 12 rue Oberkampf")
    pm = await alice.pm("Bob", "le mot de passe est tulipe")
    await bob.expect("message", channel=pm["channel"])
    rows = await _rows(server, schema.messages)
    assert len(rows) == 2
    assert all(r.key_id and "Oberkampf" not in r.text and "tulipe" not in r.text for r in rows)
    history = await bob.request({"type": "history", "channel": "room:general"}, "history")
    assert [m["text"] for m in history["messages"]] == ["rendez-vous au 12 rue Oberkampf"]
    assert sorted(await _texts(server)) == [
        "le mot de passe est tulipe",
        "rendez-vous au 12 rue Oberkampf",
    ]


async def test_the_desk_still_sees_a_reported_message_its_author_took_back(
    make_client, make_moderator
):
    """The report's case shows the message, marked as taken back by its author."""
    alice = await make_client("Alice")
    bob = await make_client("Bob", gender="m")
    for c in (alice, bob):
        await c.enter("general")
    before = await bob.post("general", "avant")
    ack = await bob.post("general", "ce salon est vraiment nul")
    await alice.expect("message", id=ack["id"])
    report = await alice.request(
        {"type": "report", "category": "harassment", "channel": "room:general", "id": ack["id"]},
        "report_ack",
    )
    reply = await bob.request(
        {"type": "delete", "channel": "room:general", "id": ack["id"]}, "deleted"
    )
    assert reply["type"] == "deleted"
    mod = await make_moderator("modo")
    case = await mod.get(f"/api/desk/cases/report/{report['report_id']}")
    shown = {m["id"]: m for m in case["context"]["messages"]}
    assert shown[ack["id"]]["text"] == "ce salon est vraiment nul"
    assert shown[ack["id"]]["removed"] == "author" and shown[ack["id"]]["focus"] is True
    assert "removed" not in shown[before["id"]]
