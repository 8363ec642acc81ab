"""The outbound protocol: each builder's exact bytes (what the web client and API clients
parse), the ``ref`` conventions, and the close codes and frame types docs/protocol.md lists."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from causette.core.errors import ChatError, ErrorCode
from causette.server import protocol
from causette.server.protocol import CloseCode
from causette.store import MessageRecord

DOCS = Path(__file__).parents[2] / "docs" / "protocol.md"
RECORD = MessageRecord(
    "room:general", 42, 1764390000.5, "c1", '{"pseudonym":"Lea_75","age":24}', "salut"
)


def test_message_embeds_the_stored_sender_as_it_is() -> None:
    assert protocol.message(RECORD) == (
        b'{"type":"message","channel":"room:general","id":42,"ts":1764390000.5,'
        b'"from":{"pseudonym":"Lea_75","age":24},"text":"salut"}'
    )


def test_history_and_joined_embed_message_frames_without_reencoding() -> None:
    message = protocol.message(RECORD)
    assert protocol.history("room:general", [message], "7") == (
        b'{"type":"history","channel":"room:general","messages":[' + message + b'],"ref":"7"}'
    )
    assert protocol.joined({"slug": "general"}, [message], [{"pseudonym": "Lea_75"}]) == (
        b'{"type":"joined","room":{"slug":"general"},"history":['
        + message
        + b'],"users":[{"pseudonym":"Lea_75"}]}'
    )


def test_a_reply_carries_its_ref_even_when_null() -> None:
    assert protocol.pong(None) == b'{"type":"pong","ref":null}'
    assert protocol.left_reply("general", "3") == b'{"type":"left","room":"general","ref":"3"}'
    assert protocol.message_ack("2", "room:general", 42, 1.5) == (
        b'{"type":"ack","ref":"2","channel":"room:general","id":42,"ts":1.5}'
    )
    assert protocol.pm_policy_ack(None, "rooms") == (
        b'{"type":"ack","ref":null,"pm_policy":"rooms"}'
    )
    assert protocol.age_answer_ack("9", True) == b'{"type":"ack","ref":"9","age_answer":true}'


def test_a_pushed_frame_has_no_ref() -> None:
    assert protocol.left("general") == b'{"type":"left","room":"general"}'
    assert protocol.blocked("Relou99") == b'{"type":"blocked","pseudonym":"Relou99"}'
    assert protocol.blocked_reply("Relou99", None) == (
        b'{"type":"blocked","pseudonym":"Relou99","ref":null}'
    )


def test_error_and_deleted_leave_out_a_missing_ref() -> None:
    limited = ChatError(ErrorCode.RATE_LIMITED, retry_after=3)
    assert protocol.error(limited, "en") == (
        b'{"type":"error","code":"rate_limited","message":"'
        + limited.message("en").encode()
        + b'","retry_after":3}'
    )
    assert protocol.error(limited, "en", "2").endswith(b',"retry_after":3,"ref":"2"}')
    assert protocol.deleted("pm:7f", 3, "author") == (
        b'{"type":"deleted","channel":"pm:7f","id":3,"by":"author"}'
    )
    assert protocol.deleted("pm:7f", 3, "author", "4").endswith(b',"by":"author","ref":"4"}')


def test_presence_names_who_joined_or_left() -> None:
    assert protocol.presence("general", 2, left="Lea_75") == (
        b'{"type":"presence","room":"general","count":2,"left":"Lea_75"}'
    )
    assert protocol.presence("general", 3, joined={"pseudonym": "Lea_75"}) == (
        b'{"type":"presence","room":"general","count":3,"joined":{"pseudonym":"Lea_75"}}'
    )


def test_every_builder_type_is_documented() -> None:
    """Each frame type a builder sends has its row in the docs' server → client table."""
    server_to_client = DOCS.read_text().split("### Server → client", 1)[1].split("\n### ", 1)[0]
    documented = set(re.findall(r"^\| `(\w+)`(?: / `(\w+)`)?", server_to_client, re.M))
    names = {name for pair in documented for name in pair if name}
    sent = set()
    for name, builder in inspect.getmembers(protocol, inspect.isfunction):
        if builder.__module__ != protocol.__name__ or name.startswith("_"):
            continue
        sent.add(_type_of(name))
    assert sent <= names, sent - names


def _type_of(builder_name: str) -> str:
    for suffix in ("_reply", "_ack"):
        if builder_name.endswith(suffix) and builder_name != "report_ack":
            return "ack" if suffix == "_ack" else builder_name.removesuffix(suffix)
    return builder_name


def test_close_codes_are_the_documented_ones() -> None:
    close_codes = DOCS.read_text().split("### Close codes", 1)[1].split("\n#", 1)[0]
    documented = {int(code) for code in re.findall(r"^\| (\d{4}) \|", close_codes, re.M)}
    sent = {code.value for code in CloseCode if code is not CloseCode.ABNORMAL}
    # 1007 and 1009 are aiohttp's own (bad UTF-8, a frame over max_msg_size).
    assert documented - sent == {1007, 1009}
    assert sent <= documented
