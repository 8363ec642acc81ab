"""Joining without registration over HTTP: profile rules, proof of work, per-IP rate,
look-alike pseudonyms, session cookies and tokens, logout."""

from __future__ import annotations

import aiohttp
import pytest

from causette.core.pow import solve
from tests.support.client import ChatClient, JoinRefused


async def _join(client: ChatClient, **body):
    async with client.http.get(f"{client.base_url}/api/pow") as resp:
        challenge = await resp.json()
    body.setdefault(
        "pow",
        {
            "challenge": challenge["challenge"],
            "nonce": solve(challenge["challenge"], challenge["difficulty"]),
        },
    )
    async with client.http.post(f"{client.base_url}/api/join", json=body) as resp:
        return resp.status, await resp.json(), resp


async def test_join_returns_token_cookie_and_profile(make_client):
    """A join answers 201 with a token, an HttpOnly SameSite=Strict cookie and the profile."""
    client = await make_client()
    status, body, resp = await _join(
        client, pseudonym="Camille", age=29, gender="x", department="69"
    )
    assert status == 201 and len(body["token"]) > 30
    assert body["me"] == {
        "pseudonym": "Camille",
        "age": 29,
        "gender": "x",
        "region": "Auvergne-Rhône-Alpes",
        "space": "adult",
        "department": "69",
    }
    cookie = resp.headers.getall("Set-Cookie")
    session = next(c for c in cookie if c.startswith("causette_session="))
    assert "HttpOnly" in session and "SameSite=Strict" in session and "Path=/" in session


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (
            {"pseudonym": "Al", "age": 20, "gender": "f", "department": "75"},
            400,
            "pseudonym_invalid",
        ),
        (
            {"pseudonym": "Al ice", "age": 20, "gender": "f", "department": "75"},
            400,
            "pseudonym_invalid",
        ),
        (
            {"pseudonym": "Alice", "age": 14, "gender": "f", "department": "75"},
            400,
            "age_too_young",
        ),
        ({"pseudonym": "Alice", "age": 200, "gender": "f", "department": "75"}, 400, "age_invalid"),
        ({"pseudonym": "Alice", "age": "20", "gender": "f", "department": "75"}, 400, "bad_field"),
        (
            {"pseudonym": "Alice", "age": 20, "gender": "q", "department": "75"},
            400,
            "gender_invalid",
        ),
        (
            {"pseudonym": "Alice", "age": 20, "gender": "f", "department": "99"},
            400,
            "department_invalid",
        ),
        ({"pseudonym": "Alice", "age": 20, "gender": "f"}, 400, "bad_field"),
    ],
)
async def test_join_refusals(make_client, body, status, code):
    """Each bad join form answers its status and stable code, with a message."""
    client = await make_client()
    got, answer, _ = await _join(client, **body)
    assert got == status and answer["error"]["code"] == code and answer["error"]["message"]


async def test_under_15_explanation_mentions_help(make_client):
    """The under-15 refusal explains and points to help, in French by default."""
    client = await make_client()
    _, answer, _ = await _join(client, pseudonym="Petit", age=13, gender="m", department="59")
    assert "15 ans" in answer["error"]["message"] and "3018" in answer["error"]["message"]


async def test_malformed_bodies(make_client):
    """Non-JSON and non-object bodies get bad_json; nothing is created."""
    client = await make_client()
    for raw in (b"not json", b"[1]", b"\xff\xfe"):
        async with client.http.post(
            f"{client.base_url}/api/join", data=raw, headers={"Content-Type": "application/json"}
        ) as resp:
            assert resp.status == 400
            assert (await resp.json())["error"]["code"] == "bad_json"


@pytest.mark.parametrize("name", ["ALICE", "A1ice", "\u0410lice", "alice"])
async def test_look_alike_pseudonyms_are_taken(make_client, name):
    """While Alice is online, her look-alikes are refused with pseudonym_taken (409)."""
    await make_client("Alice")
    client = await make_client()
    status, body, _ = await _join(client, pseudonym=name, age=30, gender="m", department="75")
    assert status == 409 and body["error"]["code"] == "pseudonym_taken"


async def test_pseudonym_freed_after_logout(make_client):
    """Logging out frees the pseudonym at once and kills the token."""
    alice = await make_client("Alice")
    headers = {"Authorization": f"Bearer {alice.token}"}
    async with alice.http.post(f"{alice.base_url}/api/logout", headers=headers) as resp:
        assert resp.status == 204
    async with alice.http.get(f"{alice.base_url}/api/session", headers=headers) as resp:
        assert resp.status == 200 and (await resp.json())["me"] is None
    again = await make_client("Alice")
    assert again.me["pseudonym"] == "Alice"


async def test_pseudonym_freed_after_grace(make_client, settings):
    """A chatter gone longer than the grace loses the name; resuming then closes 4010."""
    import asyncio

    settings.presence_grace_s = 0.2
    alice = await make_client("Alice")
    await alice.disconnect()
    await asyncio.sleep(0.5)
    await make_client("Alice", gender="m")
    alice.ws = await alice.http.ws_connect(f"{alice.base_url}/ws")
    await alice.send({"type": "hello", "token": alice.token})
    err = await alice.expect("error")
    assert err["code"] == "pseudonym_taken"
    with pytest.raises(ConnectionError):
        await alice.recv()
    assert alice.close_code == 4010


async def test_pow_is_required_and_single_use(make_client):
    """A join without proof, with a wrong one, or reusing one, is refused."""
    client = await make_client()
    form = {"pseudonym": "Bob", "age": 30, "gender": "m", "department": "33"}
    status, body, _ = await _join(client, **form, pow=None)
    assert status == 403 and body["error"]["code"] == "pow_invalid"
    async with client.http.get(f"{client.base_url}/api/pow") as resp:
        challenge = (await resp.json())["challenge"]
    nonce = solve(challenge, 4)
    status, _, _ = await _join(client, **form, pow={"challenge": challenge, "nonce": nonce})
    assert status == 201
    status, body, _ = await _join(
        client, **{**form, "pseudonym": "Bob2"}, pow={"challenge": challenge, "nonce": nonce}
    )
    assert status == 403 and body["error"]["code"] == "pow_invalid"


async def test_join_rate_per_ip(make_client, settings):
    """Past the per-IP join rate, joins get 429 join_rate_limited with Retry-After."""
    settings.joins_per_ip_per_hour = 2
    client = await make_client()
    for name in ("Un", "Deux"):
        client.token = None
        await client.join(f"{name}_1")
    with pytest.raises(JoinRefused) as refused:
        await client.join("Trois_1")
    assert refused.value.status == 429 and refused.value.code == "join_rate_limited"


async def test_cookie_session_resumes_on_the_same_device_only(base_url):
    """The browser cookie resumes the session; the same cookie on another device does not."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        client = ChatClient(base_url, browser)
        await client.join("Cookie")
        async with browser.get(f"{base_url}api/session") as resp:
            assert resp.status == 200 and (await resp.json())["me"]["pseudonym"] == "Cookie"
        async with browser.ws_connect(f"{base_url}ws") as ws:
            await ws.send_json({"type": "hello"})
            assert (await ws.receive_json(timeout=5))["type"] == "welcome"
        session_cookie = browser.cookie_jar.filter_cookies(base_url)["causette_session"].value
    other = aiohttp.ClientSession(cookies={"causette_session": session_cookie})
    async with other, other.get(f"{base_url}api/session") as resp:
        assert resp.status == 200 and (await resp.json())["me"] is None


async def test_http_api_requires_session(base_url):
    """Session-only endpoints answer 401 not_authenticated without one; /api/session
    answers 200 with no session (a first visit is not an error)."""
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base_url}api/rooms") as resp:
            assert resp.status == 401
            assert (await resp.json())["error"]["code"] == "not_authenticated"
        async with http.get(f"{base_url}api/session") as resp:
            assert resp.status == 200 and await resp.json() == {"me": None}


async def test_english_messages_by_accept_language(make_client):
    """Errors come in English when the browser asks for it."""
    client = await make_client()
    async with client.http.post(
        f"{client.base_url}/api/join",
        json={"pseudonym": "X", "age": 20, "gender": "f", "department": "75"},
        headers={"Accept-Language": "en-GB,en;q=0.9"},
    ) as resp:
        assert (await resp.json())["error"]["message"].startswith("Invalid pseudonym")


@pytest.mark.parametrize(
    ("name", "age"),
    [
        ("Pedo_69", 30),
        ("Lolita13", 20),
        ("Papa_cherche_ado", 41),
        ("SalePD", 25),
        ("nazi88", 22),
        ("Admin", 30),
        ("Moderateur", 30),
        ("jeune_fille_14", 30),
    ],
)
async def test_names_that_advertise_harm_or_a_role_are_refused(make_client, name, age):
    """Reserved roles, names aimed at children or hate, slurs (the engine reads the name),
    and an adult whose name claims a child's age: pseudonym_refused, nobody joins."""
    client = await make_client()
    status, body, _ = await _join(client, pseudonym=name, age=age, gender="m", department="75")
    assert status == 400 and body["error"]["code"] == "pseudonym_refused"
    assert body["error"]["message"]


@pytest.mark.parametrize(
    ("name", "age"),
    [("pd_et_fier", 30), ("gouine_fiere", 27), ("gay_paris", 35), ("jeune_fille_16", 16)],
)
async def test_self_designations_and_true_ages_are_welcome(make_client, name, age):
    """LGBT+ people naming themselves, and a 16-year-old saying so, join normally."""
    client = await make_client()
    status, body, _ = await _join(client, pseudonym=name, age=age, gender="f", department="75")
    assert status == 201, body


@pytest.mark.parametrize("name", ["Alice\u3164", "Ali\u115fce", "\u3164\u3164\u3164"])
async def test_invisible_fillers_are_not_letters(make_client, name):
    """A Hangul filler renders as nothing: "Alice"+U+3164 is not a new name, and a name of
    fillers is blank; both are pseudonym_invalid."""
    client = await make_client()
    status, body, _ = await _join(client, pseudonym=name, age=30, gender="f", department="75")
    assert status == 400 and body["error"]["code"] == "pseudonym_invalid"


async def test_a_refused_resume_leaves_the_connections_gauge_alone(
    make_client, server, monkeypatch
):
    """Issue 15 item 17: a resume refused with 4010 decremented a connection it never
    counted, and causette_connections drifted below zero."""
    import asyncio

    from causette.server import metrics
    from causette.server.keys import SERVICE

    live = server.app[SERVICE].live
    before = metrics.CONNECTIONS._value.get()
    alice = await make_client("Alice")
    assert metrics.CONNECTIONS._value.get() == before + 1
    [chatter] = [c for c in live.chatters.values() if c.profile.pseudonym == "Alice"]
    ended: list[object] = []
    gone = asyncio.Event()
    disconnect = live.disconnect

    def observed(who, conn):  # the real disconnect, and a signal when it ran
        disconnect(who, conn)
        if who is chatter:
            ended.append(conn)
            gone.set()

    monkeypatch.setattr(live, "disconnect", observed)
    await alice.disconnect()
    async with asyncio.timeout(10):
        await gone.wait()
    assert metrics.CONNECTIONS._value.get() == before
    live.go_offline(chatter)  # the grace period ends (its timer, run now)
    await make_client("Alice", gender="m")
    gone.clear()
    alice.ws = await alice.http.ws_connect(f"{alice.base_url}/ws")
    await alice.send({"type": "hello", "token": alice.token})
    assert (await alice.expect("error"))["code"] == "pseudonym_taken"
    with pytest.raises(ConnectionError):
        await alice.recv()
    assert alice.close_code == 4010
    async with asyncio.timeout(10):  # the refused socket's handler has finished
        await gone.wait()
    assert len(ended) == 2
    assert metrics.CONNECTIONS._value.get() == before + 1  # the new Alice only


async def _join_from(client: ChatClient, name: str, forwarded_for: str) -> tuple[int, str | None]:
    """A join through the load balancer, which says the client's address in the header."""
    async with client.http.get(f"{client.base_url}/api/pow") as resp:
        challenge = await resp.json()
    body = {
        "pseudonym": name,
        "age": 30,
        "gender": "x",
        "department": "75",
        "pow": {
            "challenge": challenge["challenge"],
            "nonce": solve(challenge["challenge"], challenge["difficulty"]),
        },
    }
    headers = {"X-Forwarded-For": forwarded_for}
    async with client.http.post(f"{client.base_url}/api/join", json=body, headers=headers) as resp:
        answer = await resp.json()
        return resp.status, None if resp.status == 201 else answer["error"]["code"]


async def test_join_limits_per_address_and_per_64_hold_behind_the_trusted_proxy(
    make_client, settings
):
    """Issue 17 (a bot flood): behind the load balancer every join comes from its address;
    the limit counts the address the trusted proxy names (IPv4), or its /64 (IPv6: a farm
    rotating addresses inside one /64 is one unit), never the proxy itself."""
    settings.trusted_proxies = "127.0.0.1"
    settings.joins_per_ip_per_hour = 2
    client = await make_client()
    for n in range(2):
        assert await _join_from(client, f"Quatre{n}", "198.51.100.7") == (201, None)
        assert await _join_from(client, f"Six{n}", f"2001:db8:1:2::{n + 1:x}") == (201, None)
    assert await _join_from(client, "Quatre2", "198.51.100.7") == (429, "join_rate_limited")
    assert await _join_from(client, "Six2", "2001:db8:1:2:ffff::9") == (429, "join_rate_limited")
    # Another address, another /64: each has its own allowance (the proxy's is not shared).
    assert await _join_from(client, "Voisin", "198.51.100.8") == (201, None)
    assert await _join_from(client, "Voisine", "2001:db8:1:3::1") == (201, None)
    # A client cannot pick its address: a proxy's own hop is skipped, the client's counted.
    assert await _join_from(client, "Malin", "198.51.100.7, 127.0.0.1") == (
        429,
        "join_rate_limited",
    )


async def test_a_forwarded_for_header_from_an_untrusted_peer_is_not_an_address(
    make_client, settings
):
    """Without a trusted proxy the header is ignored: a bot naming a new address on each
    join is still counted on the one it connects from."""
    settings.trusted_proxies = "10.0.0.0/8"
    settings.joins_per_ip_per_hour = 2
    client = await make_client()
    assert await _join_from(client, "Faux1", "198.51.100.1") == (201, None)
    assert await _join_from(client, "Faux2", "198.51.100.2") == (201, None)
    assert await _join_from(client, "Faux3", "198.51.100.3") == (429, "join_rate_limited")


async def _refused_total(client: ChatClient, code: str) -> float:
    async with client.http.get(f"{client.base_url}/metrics") as resp:
        text = await resp.text()
    prefix = f'causette_refused_total{{code="{code}"}} '
    return sum(float(line[len(prefix) :]) for line in text.splitlines() if line.startswith(prefix))


async def test_join_refusals_are_counted_by_code_in_the_metrics(make_client, settings):
    """What an operator watches under a join storm: every refused join counts once under its
    code in causette_refused_total (the counter is the process's, so the test reads deltas)."""
    settings.trusted_proxies = "127.0.0.1"
    settings.joins_per_ip_per_hour = 1
    client = await make_client()
    limited, invalid = (
        await _refused_total(client, "join_rate_limited"),
        await _refused_total(client, "pow_invalid"),
    )
    assert await _join_from(client, "Compte1", "198.51.100.20") == (201, None)
    for n in range(2):
        assert await _join_from(client, f"Compte{n + 2}", "198.51.100.20") == (
            429,
            "join_rate_limited",
        )
    status, body, _ = await _join(
        client, pseudonym="SansPreuve", age=30, gender="x", department="75", pow=None
    )
    assert (status, body["error"]["code"]) == (403, "pow_invalid")
    assert await _refused_total(client, "join_rate_limited") == limited + 2
    assert await _refused_total(client, "pow_invalid") == invalid + 1
