"""Tests for causette.safety.score and the `causette safety` CLI: the contract to the letter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from causette.cli import main
from causette.safety.engine import SafetyEngine
from causette.safety.rules import load_rules
from causette.safety.score import LineError, parse_line, score_lines

MSG = {
    "conversation": "c1",
    "ts": 1719302400.0,
    "sender": "alex",
    "sender_age": 34,
    "sender_account_age_s": 300.0,
    "sender_device": "d-4f1a",
    "to": "lea",
    "recipient_age": 16,
    "text": "t ou ?",
}


def _line(**over: object) -> str:
    return json.dumps({**MSG, **over})


def test_output_shape_follows_the_contract() -> None:
    """Message lines then summary lines, with exactly the contract's keys."""
    lines = [
        _line(),
        _line(ts=1719302460.0, text="salut"),
        _line(conversation="c2", to="#room", recipient_age=None, text="bonjour"),
    ]
    outputs, errors = score_lines(lines)
    assert not errors
    msgs, summaries = outputs[:3], outputs[3:]
    assert [(m["conversation"], m["index"]) for m in msgs] == [("c1", 0), ("c1", 1), ("c2", 0)]
    assert set(msgs[0]) == {"conversation", "index", "action", "labels", "text"}
    assert msgs[0]["text"] == "t ou ?"
    assert [s["conversation"] for s in summaries] == ["c1", "c2"]
    assert set(summaries[0]) == {
        "conversation",
        "summary",
        "escalate",
        "categories",
        "first_alert_index",
        "risk",
    }
    assert summaries[0]["summary"] is True
    assert set(summaries[0]["risk"]) == {"grooming", "ambush"}


def test_held_messages_have_no_text() -> None:
    """A held or blocked message's line has no text key."""
    outputs, _ = score_lines([_line(text="je vais te tuer", to="bob", recipient_age=30)])
    assert outputs[0]["action"] in ("hold", "block") and "text" not in outputs[0]


def test_labels_and_categories_stay_in_the_contract() -> None:
    """Engine-only labels (minor.*) never reach the scorer's output."""
    outputs, _ = score_lines([_line(sender_age=19, text="j'ai 13 ans en vrai")])
    cats = {"grooming", "ambush", "hate", "harassment", "threat", "pii", "spam", "sexual"}
    for o in outputs:
        for lab in o.get("labels", []):
            assert lab.split(".")[0] in cats
        assert set(o.get("categories", [])) <= cats


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ("not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        (json.dumps({k: v for k, v in MSG.items() if k != "text"}), "'text'"),
        (_line(ts="soon"), "'ts'"),
        (_line(sender_age=True), "sender_age"),
        (_line(sender_age=16.5), "sender_age"),
        (_line(conversation=""), "conversation"),
    ],
)
def test_malformed_lines_are_named(line: str, needle: str) -> None:
    """Each malformed line raises a LineError saying what is wrong."""
    with pytest.raises(LineError, match=needle):
        parse_line(line)


def test_bad_lines_are_reported_and_the_rest_scored() -> None:
    """A bad line in the middle is reported with its number; the others are scored."""
    outputs, errors = score_lines([_line(), "{oops", "", _line(ts=1719302500.0)])
    assert [n for n, _ in errors] == [2]
    assert [o["index"] for o in outputs if not o.get("summary")] == [0, 1]


def test_cli_score_writes_output_and_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`causette safety score` writes JSONL and exits 1 when a line was bad."""
    src = tmp_path / "in.jsonl"
    src.write_text(_line() + "\n" + "garbage\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    code = main(["safety", "score", "--input", str(src), "--output", str(out)])
    assert code == 1
    assert "line 2" in capsys.readouterr().err
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert rows[0]["conversation"] == "c1" and rows[-1]["summary"] is True


def test_cli_score_stdout_clean_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A clean file exits 0 and prints one JSON object per line on stdout."""
    src = tmp_path / "in.jsonl"
    src.write_text(_line() + "\n", encoding="utf-8")
    assert main(["safety", "score", "--input", str(src)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all(json.loads(x) for x in lines)


def test_cli_missing_file_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An unreadable input exits 2 with a message."""
    assert main(["safety", "score", "--input", str(tmp_path / "nope.jsonl")]) == 2
    assert "nope.jsonl" in capsys.readouterr().err


def test_cli_explain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`causette safety explain` shows signals, suppressed ones included, and the verdict."""
    src = tmp_path / "in.jsonl"
    src.write_text(
        _line(text="il m'a traité de pd hier", to="bob", recipient_age=30) + "\n", encoding="utf-8"
    )
    assert main(["safety", "explain", "--input", str(src), "--conversation", "c1"]) == 0
    out = capsys.readouterr().out
    assert "suppressed by reported" in out and "=> allow" in out and "summary" in out
    assert main(["safety", "explain", "--input", str(src), "--conversation", "zz"]) == 1


def test_bom_and_lone_surrogates_are_accepted() -> None:
    """A byte-order mark and a lone surrogate in text do not make a line malformed."""
    from causette.safety.score import dumps

    bom = b"\xef\xbb\xbf" + _line().encode()
    surrogate = b'{"conversation": "c9", "ts": 1.0, "sender": "a", "to": "b", "text": "hi \\ud800"}'
    outputs, errors = score_lines([bom, surrogate])
    assert not errors
    assert all(json.loads(dumps(o)) for o in outputs)


_RULES = load_rules()
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(MSG)), _JSON, max_size=9) | _JSON)
def test_any_json_line_is_scored_or_named(obj: object) -> None:
    """Any JSON value on a line is either scored or reported as line 1; nothing raises."""
    line = json.dumps(obj)
    outputs, errors = score_lines([line], SafetyEngine(_RULES))
    assert (len(errors) == 1 and errors[0][0] == 1) or (not errors and len(outputs) == 2)


@pytest.mark.parametrize("to", [None, "", "absent"])
def test_a_null_empty_or_absent_to_is_a_room_message(to: str | None) -> None:
    """``"to": null``, ``""`` or no ``to`` at all is a public room message, not an error."""
    obj = {k: v for k, v in MSG.items() if k not in ("to", "recipient_age")}
    obj = {k: v for k, v in obj.items() if k not in ("sender_account_age_s", "sender_device")}
    if to != "absent":
        obj["to"] = to
    msg, _ = parse_line(json.dumps(obj))
    assert msg.room
    assert msg.recipient_age is None and msg.sender_device is None


def test_a_to_of_the_wrong_type_is_named() -> None:
    """A ``to`` that is neither a string nor null is malformed."""
    with pytest.raises(LineError, match="'to'"):
        parse_line(_line(to=5))


def _conversation(cid: str, benign: bool, lines: list[tuple[str, str, bool]]) -> str:
    cats = [] if benign else ["threat"]
    return json.dumps(
        {
            "id": cid,
            "lang": "fr",
            "setting": "pm",
            "room": None,
            "benign": benign,
            "categories": cats,
            "summary": "test",
            "participants": {
                "rico": {"age": 30, "account_age_s": 86400, "device": None},
                "sam": {"age": 31, "account_age_s": 86400, "device": None},
            },
            "messages": [
                {"from": who, "text": text, "dt": 20, "act": act, "push": False}
                for who, text, act in lines
            ],
        }
    )


def test_cli_figures_scores_new_authors_with_the_shipped_engine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`safety figures` scores a corpus folder the engine was never trained on, per author,
    with the rules alone and with the shipped layer, and writes the counts as JSON."""
    threat = _conversation(
        "001",
        False,
        [
            ("rico", "tu m'as balancé aux flics", True),
            ("sam", "quoi ?", False),
            ("rico", "je vais te tuer, je sais où tu habites", True),
            ("rico", "je vais te crever sale bâtard", True),
        ],
    )
    benign = _conversation(
        "002", True, [("rico", "on se fait un ciné samedi ?", False), ("sam", "carrément", False)]
    )
    (tmp_path / "zed.jsonl").write_text(threat + "\n" + benign + "\n", encoding="utf-8")
    out = tmp_path / "figures.json"
    assert main(["safety", "figures", "--corpus", str(tmp_path), "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "| zed, rules alone |" in printed
    data = json.loads(out.read_text())
    assert data["zed, rules alone"]["threat_escalated"] == [1, 1]
    assert data["zed, rules alone"]["benign_escalated"] == [0, 1]
    assert main(["safety", "figures", "--corpus", str(tmp_path / "none")]) == 2
