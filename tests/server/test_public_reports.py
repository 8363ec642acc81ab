"""Public reports (DSA art. 16) over real HTTP: filed with a proof of work, acknowledged
with a follow token, queued for moderators, urgent ones alerting; the outcome read back;
every bad field refused with nothing stored; the proof spent once; a per-address limit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select, update

from causette.core.pow import solve
from causette.server.keys import SERVICE
from causette.server.public_reports import REPORTS_PER_ADDRESS_PER_HOUR
from causette.store import schema
from tests.support.desk import DeskClient

PATH = "/api/reports/public"
JSON = {"Content-Type": "application/json"}


async def solved_pow(http: aiohttp.ClientSession, base_url: str) -> dict[str, str]:
    async with http.get(f"{base_url}api/pow") as resp:
        challenge = await resp.json()
    return {
        "challenge": challenge["challenge"],
        "nonce": solve(challenge["challenge"], challenge["difficulty"]),
    }


def form(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "category": "harassment",
        "target": {"pseudonym": "Brute_27", "room": "general", "time": "hier vers 21 h"},
        "text": "Il insulte tout le monde dans le salon Général depuis une heure.",
        "contact": "temoin@example.org",
        "good_faith": True,
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


async def post(
    http: aiohttp.ClientSession, base_url: str, body: Any, *, with_pow: bool = True
) -> tuple[int, Any]:
    if with_pow and isinstance(body, dict) and "pow" not in body:
        body = {**body, "pow": await solved_pow(http, base_url)}
    async with http.post(f"{base_url}{PATH.lstrip('/')}", json=body) as resp:
        return resp.status, await resp.json()


async def stored_reports(server: TestServer) -> list[Any]:
    return await server.app[SERVICE].store.read(
        lambda conn: conn.execute(select(schema.reports)).all()
    )


async def test_a_public_report_is_acknowledged_queued_and_followed_to_its_outcome(
    server: TestServer, base_url: str, make_moderator: Callable[..., Awaitable[DeskClient]]
) -> None:
    async with aiohttp.ClientSession() as http:
        status, body = await post(http, base_url, form())
        assert status == 201, body
        assert set(body) == {"report_id", "follow_token"}
        report_id, token = body["report_id"], body["follow_token"]

        rows = await stored_reports(server)
        assert len(rows) == 1
        row = rows[0]
        assert row.id == report_id
        assert row.reporter_id.startswith("public:")
        assert row.status == "open"
        assert row.lang == "fr"
        assert orjson.loads(row.target) == {
            "pseudonym": "Brute_27",
            "room": "general",
            "time": "hier vers 21 h",
            "contact": "temoin@example.org",
        }
        # Only the hash of the follow token is kept.
        assert row.follow_token_hash and token not in row.follow_token_hash

        moderator = await make_moderator("modo-p")
        queue = (await moderator.get("/api/desk/reports"))["reports"]
        mine = [r for r in queue if r["id"] == report_id]
        assert len(mine) == 1
        assert mine[0]["category"] == "harassment"
        assert "Brute_27" in mine[0]["target"]

        async with http.get(f"{base_url}api/reports/public/{token}") as resp:
            assert resp.status == 200
            assert resp.headers["Cache-Control"] == "no-store"
            followed = await resp.json()
        assert followed["status"] == "open"
        assert followed["category"] == "harassment"
        assert followed["outcome"] is None and followed["decided_at"] is None
        assert followed["received_at"] == pytest.approx(row.ts)

        # A moderator decides (another part of the desk sets these columns).
        decided_at = row.ts + 600
        await server.app[SERVICE].store.write(
            lambda conn: conn.execute(
                update(schema.reports)
                .where(schema.reports.c.id == report_id)
                .values(
                    status="decided",
                    outcome="actioned",
                    outcome_text="Le compte a été suspendu.",
                    decided_at=decided_at,
                    decided_by="m1",
                )
            )
        )
        async with http.get(f"{base_url}api/reports/public/{token}") as resp:
            followed = await resp.json()
        assert followed == {
            "status": "decided",
            "category": "harassment",
            "received_at": pytest.approx(row.ts),
            "outcome": "actioned",
            "outcome_text": "Le compte a été suspendu.",
            "decided_at": pytest.approx(decided_at),
        }


async def test_unknown_and_malformed_follow_tokens_answer_not_found(base_url: str) -> None:
    async with aiohttp.ClientSession() as http:
        for token in ("x" * 32, "short", "a" * 65, "bad%20token%20with%20spaces"):
            async with http.get(f"{base_url}api/reports/public/{token}") as resp:
                assert resp.status == 404
                assert (await resp.json())["error"]["code"] == "not_found"


async def test_a_grooming_report_raises_an_alert_for_the_queue(
    server: TestServer, base_url: str, make_moderator: Callable[..., Awaitable[DeskClient]]
) -> None:
    async with aiohttp.ClientSession() as http:
        status, body = await post(
            http,
            base_url,
            form(
                category="grooming",
                target={"pseudonym": "Prof_Max", "message": "room:general#42"},
                text="Il demande à une ado de continuer la conversation ailleurs, en secret.",
                contact=None,
            ),
        )
        assert status == 201, body
        _, harassment = await post(http, base_url, form())
    moderator = await make_moderator("modo-g")
    alerts = (await moderator.get("/api/desk/alerts"))["alerts"]
    about = [a for a in alerts if a["kind"] == "report.grooming"]
    assert len(about) == 1
    assert about[0]["severity"] == 3
    context = about[0]["context"]
    context = orjson.loads(context) if isinstance(context, str) else context
    assert context["report_id"] == body["report_id"]
    assert context["source"] == "public_report"
    assert context["target"] == {"pseudonym": "Prof_Max", "message": "room:general#42"}
    # A harassment report is queued but raises no alert.
    assert not [a for a in alerts if harassment["report_id"] in str(a["context"])]
    # Naming nobody who is there, the grooming report froze nothing (issue 15 item 9: it
    # used to freeze all data for 60 days); neither did the harassment one.
    assert (await moderator.get("/api/desk/preservations"))["preservations"] == []


async def test_a_grooming_report_about_someone_there_preserves_only_them(
    server: TestServer,
    base_url: str,
    make_client: Callable[..., Awaitable[Any]],
    make_moderator: Callable[..., Awaitable[DeskClient]],
) -> None:
    await make_client("Prof_Max", age=41, gender="m")
    async with aiohttp.ClientSession() as http:
        status, body = await post(
            http,
            base_url,
            form(
                category="grooming",
                target={"pseudonym": "Prof_Max", "room": "general"},
                text="Il demande à une ado de continuer la conversation ailleurs, en secret.",
            ),
        )
        assert status == 201, body
    moderator = await make_moderator("modo-g")
    [kept] = (await moderator.get("/api/desk/preservations"))["preservations"]
    assert kept["source_id"] == body["report_id"]
    assert kept["subject_id"] is not None and kept["channel"] == "room:general"


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"category": "rudeness"}, "category: one of"),
        ({"category": ...}, "category: one of"),
        ({"target": ...}, "target: an object"),
        ({"target": "Brute_27"}, "target: an object"),
        ({"target": {}}, "target: say what it is about"),
        ({"target": {"pseudonym": "   "}}, "target: say what it is about"),
        ({"target": {"address": "1 rue X"}}, "target.address: unknown field"),
        ({"target": {"pseudonym": 42}}, "target.pseudonym: a string"),
        ({"target": {"pseudonym": "x" * 41}}, "target.pseudonym: at most 40 characters"),
        ({"target": {"message": "m" * 201}}, "target.message: at most 200 characters"),
        ({"text": ...}, "text: describe what happened"),
        ({"text": "   "}, "text: describe what happened"),
        ({"text": 12}, "text: a string"),
        ({"text": "é" * 2001}, "text: at most 2000 characters"),
        ({"text": "bonjour\x00"}, "text: control characters"),
        ({"contact": "not an address"}, "contact: an e-mail address"),
        ({"contact": ["a@b.fr"]}, "contact: a string"),
        ({"good_faith": ...}, "good_faith: confirm"),
        ({"good_faith": False}, "good_faith: confirm"),
        ({"good_faith": "yes"}, "good_faith: confirm"),
        ({"lang": "de"}, "lang: fr or en"),
        ({"reporter_id": "chatter1"}, "reporter_id: unknown field"),
    ],
)
async def test_each_bad_field_is_refused_by_name_and_nothing_is_stored(
    server: TestServer, base_url: str, changes: dict[str, Any], says: str
) -> None:
    async with aiohttp.ClientSession() as http:
        status, body = await post(http, base_url, form(**changes))
    assert status == 400, body
    assert body["error"]["code"] == "bad_field"
    assert says in body["error"]["message"], body
    assert await stored_reports(server) == []


async def test_a_body_that_is_not_an_object_or_too_big_is_refused(
    server: TestServer, base_url: str
) -> None:
    async with aiohttp.ClientSession() as http:
        for raw in (b"not json", b"[1, 2]"):
            async with http.post(f"{base_url}api/reports/public", data=raw, headers=JSON) as resp:
                assert resp.status == 400
                assert (await resp.json())["error"]["code"] == "bad_json"
        status, body = await post(http, base_url, form(text="x" * 20_000))
        assert status == 400
        assert "body too large" in body["error"]["message"]
    assert await stored_reports(server) == []


async def test_the_proof_of_work_is_required_and_spent_once_but_not_by_a_bad_field(
    server: TestServer, base_url: str
) -> None:
    async with aiohttp.ClientSession() as http:
        status, body = await post(http, base_url, form(), with_pow=False)
        assert (status, body["error"]["code"]) == (403, "pow_invalid")
        status, body = await post(http, base_url, form(pow={"challenge": "v1.4.1.ab.cd"}))
        assert (status, body["error"]["code"]) == (403, "pow_invalid")
        proof = await solved_pow(http, base_url)
        # A wrong field is refused before the proof is looked at: it can be used again.
        status, _ = await post(http, base_url, form(good_faith=False, pow=proof))
        assert status == 400
        status, _ = await post(http, base_url, form(pow=proof))
        assert status == 201
        status, body = await post(http, base_url, form(pow=proof))
        assert (status, body["error"]["code"]) == (403, "pow_invalid")
    assert len(await stored_reports(server)) == 1


async def test_reports_from_one_address_are_rate_limited(server: TestServer, base_url: str) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(REPORTS_PER_ADDRESS_PER_HOUR):
            status, body = await post(http, base_url, form())
            assert status == 201, body
        proof = await solved_pow(http, base_url)
        async with http.post(f"{base_url}api/reports/public", json=form(pow=proof)) as resp:
            assert resp.status == 429, await resp.text()
            assert int(resp.headers["Retry-After"]) > 0
            assert (await resp.json())["error"]["code"] == "report_rate_limited"
    assert len(await stored_reports(server)) == REPORTS_PER_ADDRESS_PER_HOUR


async def test_english_reports_answer_in_english_and_keep_their_language(
    server: TestServer, base_url: str
) -> None:
    async with aiohttp.ClientSession(headers={"Accept-Language": "en-GB,en"}) as http:
        status, body = await post(http, base_url, form(good_faith=False))
        assert status == 400
        assert body["error"]["message"].startswith("Invalid field: good_faith")
        status, body = await post(http, base_url, form())
        assert status == 201
    assert [r.lang for r in await stored_reports(server)] == ["en"]


async def test_the_public_report_page_is_served_with_the_strict_csp(base_url: str) -> None:
    async with aiohttp.ClientSession() as http, http.get(f"{base_url}report.html") as resp:
        assert resp.status == 200
        assert resp.content_type == "text/html"
        assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
        assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
        page = await resp.text()
    assert '<script type="module" src="/static/js/report-page.js">' in page
    assert "<script>" not in page and "style=" not in page


async def test_public_report_text_is_cleaned_like_chat_text(
    server: TestServer, base_url: str
) -> None:
    """Issue 15 item 12: direction controls are dropped from the text and the target."""
    async with aiohttp.ClientSession() as http:
        status, body = await post(
            http,
            base_url,
            form(
                text="\u202eIl insulte\u2067 tout le monde\u200f.",
                target={"pseudonym": "Brute\u202e_27", "room": "general"},
            ),
        )
        assert status == 201, body
    [row] = await stored_reports(server)
    assert row.text == "Il insulte tout le monde."
    assert orjson.loads(row.target)["pseudonym"] == "Brute_27"
