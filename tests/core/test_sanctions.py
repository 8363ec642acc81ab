"""The pure rules of sanctions: validation, what lasts, statements, repeat offenders."""

from __future__ import annotations

from typing import Any

import pytest

from causette.core.errors import ChatError, ErrorCode
from causette.core.sanctions import (
    REPEAT_OFFENDER_RULE,
    RULE_NUMBERS,
    RULES,
    Action,
    RepeatPolicy,
    Sanction,
    Scope,
    appeal_token,
    forbids_joining,
    forbids_posting,
    ip_key,
    moves_out,
    parse_action,
    refusal,
    repeat_offence,
    report_severity,
    statement,
)

DAY = 86400.0
NOW = 1_000 * DAY
POLICY = RepeatPolicy(count=3, window_s=90 * DAY, suspension_s=72 * 3600.0)


def sanction(
    action: str = "warn",
    ts: float = NOW,
    *,
    until: float | None = None,
    automated: bool = False,
    rule: str = "harassment",
    status: str = "active",
    scope: str | None = None,
) -> Sanction:
    return Sanction("s1", ts, action, scope, until, rule, "insultes", automated, status)


def test_a_valid_ban_on_a_device():
    request = parse_action(
        {
            "action": "ban",
            "subject_id": "abc",
            "rule": "grooming",
            "reason": "  approche d'un mineur ",
            "scope": "device",
            "source": {"kind": "report", "id": "r1"},
        }
    )
    assert request.action is Action.BAN and request.scope is Scope.DEVICE
    assert request.duration_s is None and request.reason == "approche d'un mineur"
    assert (request.source_kind, request.source_id) == ("report", "r1")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"action": "warn", "rule": "spam"},
        {"action": "warn", "subject_id": "a", "rule": REPEAT_OFFENDER_RULE},
        {"action": "mute", "subject_id": "a", "rule": "spam"},
        {"action": "mute", "subject_id": "a", "rule": "spam", "duration_s": True},
        {"action": "mute", "subject_id": "a", "rule": "spam", "duration_s": 0},
        {"action": "ban", "subject_id": "a", "rule": "spam", "scope": "house"},
        {"action": "delete", "subject_id": "a", "rule": "spam", "channel": "x", "message_id": 1},
        {"action": "delete", "subject_id": "a", "rule": "spam", "channel": "room:a"},
        {"action": "close_pm", "subject_id": "a", "rule": "spam"},
        {"action": "warn", "subject_id": "a", "rule": "spam", "bulk_device": "yes"},
        {"action": "delete", "subject_id": "a", "rule": "spam", "bulk_device": True},
        {"action": "warn", "subject_id": "a", "rule": "spam", "source": {"kind": "appeal"}},
        {"action": "warn", "subject_id": "a", "rule": "spam", "reason": "x" * 1001},
        {"action": "dismiss"},
    ],
)
def test_bad_requests_name_the_field(body: dict[str, Any]):
    with pytest.raises(ChatError) as refused:
        parse_action(body)
    assert refused.value.code is ErrorCode.BAD_FIELD


def test_what_each_sanction_forbids_and_for_how_long():
    assert forbids_joining(sanction("ban"), NOW)
    assert forbids_joining(sanction("ban", until=NOW + 1), NOW)
    assert not forbids_joining(sanction("ban", until=NOW - 1), NOW)
    assert not forbids_joining(sanction("ban", status="reversed"), NOW)
    assert forbids_posting(sanction("mute", until=NOW + 60), NOW)
    assert not forbids_posting(sanction("warn"), NOW)
    assert moves_out(sanction("move_out"), NOW)
    assert not forbids_joining(sanction("kick"), NOW)


def test_three_warnings_within_the_window_suspend():
    two = [sanction(ts=NOW - 10 * DAY), sanction(ts=NOW - DAY)]
    assert not repeat_offence(two, POLICY, NOW)
    assert repeat_offence([*two, sanction()], POLICY, NOW)


def test_old_reversed_and_automatic_sanctions_do_not_count():
    old = sanction(ts=NOW - 91 * DAY)
    reversed_ = sanction(status="reversed")
    deleted = sanction("delete")
    assert not repeat_offence([old, reversed_, deleted, sanction()], POLICY, NOW)


def test_a_suspension_resets_the_count():
    before = [sanction(ts=NOW - 3 * DAY + i) for i in range(3)]
    suspended = sanction(
        "ban", ts=NOW - 2 * DAY, automated=True, rule=REPEAT_OFFENDER_RULE, until=NOW
    )
    assert not repeat_offence([*before, suspended, sanction()], POLICY, NOW)
    assert not repeat_offence(before, RepeatPolicy(0, POLICY.window_s, 1.0), NOW)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_statement_says_what_why_how_and_how_to_appeal(lang: str):
    shown = statement(sanction("ban", scope="device", until=NOW + DAY), lang, "tok")
    assert shown["action"] == "ban" and shown["automated"] is False
    assert shown["appeal_token"] == "tok" and shown["appeal_instruction"]
    assert shown["reason"] == "insultes" and shown["reason"] in shown["text"]
    assert shown["rule_text"] in shown["text"]
    assert ("device" if lang == "en" else "appareil") in shown["text"]
    assert ("human" if lang == "en" else "humain") in shown["text"]
    automatic = statement(sanction("ban", automated=True, rule=REPEAT_OFFENDER_RULE), lang, "t")
    assert ("automatic" if lang == "en" else "automatique") in automatic["text"]


def test_every_rule_has_its_own_number_and_the_statement_cites_it():
    assert set(RULE_NUMBERS) == set(RULES)
    assert sorted(RULE_NUMBERS.values()) == list(range(1, len(RULES) + 1))
    shown = statement(sanction("ban", rule="hate"), "fr", "tok")
    assert shown["rule_number"] == RULE_NUMBERS["hate"] == 3
    assert shown["rule_text"].startswith("Charte, règle 3 : ")
    assert shown["rule_url"] == "/legal/terms?lang=fr#rule-3"
    english = statement(sanction("warn", rule="spam"), "en", "tok")
    assert (
        english["rule_text"].startswith("Terms of use, rule 8: ")
        and english["rule_text"] in english["text"]
    )
    unknown = statement(sanction("warn", rule="gone"), "en", "tok")
    assert unknown["rule_number"] == RULE_NUMBERS["other"]


def test_a_ban_refusal_carries_the_statement():
    error = refusal(ErrorCode.BANNED, sanction("ban"), "en", "tok").as_dict("en")
    assert error["code"] == "banned" and "for good" in error["message"]
    assert error["statement"]["appeal_token"] == "tok"


def test_keys_are_keyed_and_stable():
    assert appeal_token(b"k", "s1") == appeal_token(b"k", "s1")
    assert appeal_token(b"k", "s1") != appeal_token(b"other", "s1")
    assert ip_key(b"k", "192.0.2.1") != ip_key(b"k", "192.0.2.2")
    assert "192" not in ip_key(b"k", "192.0.2.1")


def test_harm_to_people_comes_first_in_the_queue():
    order = ["grooming", "ambush", "hate", "harassment", "personal_data", "spam", "other"]
    severities = [report_severity(c) for c in order]
    assert severities == sorted(severities, reverse=True)
    assert report_severity("unknown") == report_severity("other")


def test_bulk_case_is_for_actions_on_a_held_source() -> None:
    from causette.core.sanctions import parse_action

    base = {"action": "ban", "subject_id": "c1", "rule": "spam", "reason": "bot farm"}
    held = {**base, "source": {"kind": "held", "id": "h1"}, "bulk_case": True}
    assert parse_action(held).bulk_case is True
    assert parse_action(base).bulk_case is False
    for bad in (
        {**base, "bulk_case": True},  # no source
        {**base, "source": {"kind": "report", "id": "r1"}, "bulk_case": True},
        {**held, "bulk_case": "yes"},
    ):
        with pytest.raises(ChatError) as refused:
            parse_action(bad)
        assert refused.value.code is ErrorCode.BAD_FIELD
