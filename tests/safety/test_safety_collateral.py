"""The engine punishes no one for what they did not do (issue 13): a school year or a bare
number is a cue, not an age; a shop named by someone else does not unmask a child's number;
handles are masked where moving apps is the first step; a spelled-out number is masked to
its last word; a teen asked for her number or a meeting is shown a light card."""

from __future__ import annotations

import pytest

from causette.safety.engine import MessageContext, SafetyEngine

T0 = 1_719_302_400.0
OLD = 90 * 86400.0  # an account three months old


def _say(
    engine: SafetyEngine,
    conv: str,
    sender: str,
    text: str,
    age: int,
    *,
    to: str | None = None,
    to_age: int | None = None,
    account: float = OLD,
    at: float = 0.0,
):
    room = to is None
    ctx = MessageContext(
        conv, sender, text, "#" + conv if room else to or "", age, to_age, account, sender
    )
    return engine.evaluate(ctx, T0 + at)


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("je passe le brevet cette année", 14),
        ("im in year 10?", 14),
        ("jsuis en 3eme", 14),
    ],
)
def test_a_school_year_is_a_cue_never_a_statement(
    engine: SafetyEngine, text: str, age: int
) -> None:
    """It still raises the risk (the age is known to the engine), but it is not sure."""
    d = _say(engine, "ados", "lea", text, 16)
    assert d.age_disclosure is not None
    assert d.age_disclosure.disclosed_age == age
    assert not d.age_disclosure.sure
    assert d.action == "allow"


def test_asking_who_takes_the_brevet_says_nothing_about_oneself(engine: SafetyEngine) -> None:
    d = _say(engine, "ados", "lea", "qui passe le brevet cette année ?", 16)
    assert d.age_disclosure is None


@pytest.mark.parametrize("text", ["moi 94", "moi 75 et toi", "ça fait 20 ans que j'habite ici"])
def test_a_number_that_may_be_a_place_or_a_duration_does_nothing(
    engine: SafetyEngine, text: str
) -> None:
    """A 16-year-old naming her département is not an adult in the teen space."""
    _say(engine, "ados", "tom", "vous êtes d'où ?", 16)
    d = _say(engine, "ados", "lea", text, 16, at=10)
    assert d.age_disclosure is None
    assert "minor.adult_disclosed" not in d.labels
    after = _say(engine, "ados", "lea", "trop bien ce salon", 16, at=20)
    assert after.action == "allow"


def test_an_explicit_statement_is_sure(engine: SafetyEngine) -> None:
    d = _say(engine, "adultes", "zoe", "en vrai j'ai 14 ans", 19)
    assert d.age_disclosure is not None and d.age_disclosure.sure
    assert d.age_disclosure.disclosed_age == 14


def test_a_bare_number_answering_an_age_question_is_a_statement(engine: SafetyEngine) -> None:
    _say(engine, "p", "marc", "t'as quel âge ?", 35, to="zoe", to_age=19)
    d = _say(engine, "p", "zoe", "moi 14", 19, to="marc", to_age=35, at=5)
    assert d.age_disclosure is not None and d.age_disclosure.sure


def test_a_helpline_named_by_someone_else_does_not_unmask_a_childs_number(
    engine: SafetyEngine,
) -> None:
    _say(engine, "ados", "tom", "le café en bas est ouvert, sinon y'a le 3018", 16)
    d = _say(engine, "ados", "lea", "appelle moi 06 12 34 56 78", 15, at=5)
    assert d.action == "mask"
    assert "06 12" not in (d.text or "")


def test_a_shop_in_ones_own_words_keeps_its_number_but_not_from_a_fresh_account(
    engine: SafetyEngine,
) -> None:
    shop = "la pharmacie de garde c'est le 01 42 68 53 00"
    assert _say(engine, "general", "anne", shop, 40).action == "allow"
    fresh = _say(engine, "general", "new", shop, 40, account=600.0, at=5)
    assert fresh.action == "mask" and "42 68" not in (fresh.text or "")
    teen = _say(engine, "ados", "lea", shop, 16, at=10)
    assert teen.action == "mask"


def test_handles_are_masked_in_rooms_and_between_teens_not_between_adults(
    engine: SafetyEngine,
) -> None:
    line = "mon snap c'est lea_2009"
    room = _say(engine, "general", "anne", line, 30)
    assert room.action == "mask" and "lea_2009" not in (room.text or "")
    teens = _say(engine, "p1", "lea", line, 16, to="tom", to_age=16, at=5)
    assert teens.action == "mask" and "lea_2009" not in (teens.text or "")
    adults = _say(engine, "p2", "anne", line, 30, to="marc", to_age=35, at=10)
    assert adults.action == "allow" and adults.text == line


def test_a_spelled_out_number_is_masked_to_its_last_word(engine: SafetyEngine) -> None:
    text = "zéro six douze trente quatre cinquante six soixante dix huit"
    d = _say(engine, "general", "anne", text, 30)
    assert d.action == "mask"
    assert d.text is not None and not any(c.isalpha() for c in d.text)


def test_the_first_ask_for_a_number_or_a_meeting_shows_a_teen_a_card(
    engine: SafetyEngine,
) -> None:
    """A declared 16-year-old asking a 15-year-old: a light card, no hold, no escalation."""
    d = _say(engine, "p", "tom", "tu me donnes ton numéro ?", 16, to="lea", to_age=15)
    assert d.card is not None and d.card.target == "lea" and d.card.kind == "grooming"
    assert d.action in ("allow", "warn") and not d.escalate
    again = _say(engine, "p", "tom", "tu me donnes ton numéro stp", 16, to="lea", to_age=15, at=5)
    assert again.card is None
    meet = _say(engine, "p", "tom", "on se voit samedi ?", 16, to="lea", to_age=15, at=10)
    assert meet.card is not None


def test_no_card_between_adults_asking_for_a_number(engine: SafetyEngine) -> None:
    d = _say(engine, "p", "anne", "tu me donnes ton numéro ?", 30, to="marc", to_age=35)
    assert d.card is None


def test_grooming_in_a_room_holds_the_suspect_not_the_room(engine: SafetyEngine) -> None:
    """Risk belongs to a speaker: after a grooming escalation in a room with a child in it,
    the suspect's messages are held, everyone else's still go through; a moderator can
    clear it."""
    lines = [
        "t'as quel âge lea ?",
        "t'es trop mature pour ton âge lea",
        "dis rien à tes parents lea, c'est notre secret",
        "t'es seule chez toi lea ?",
        "ajoute moi sur snap lea, envoie une photo",
        "on se voit ce soir lea ? viens seule",
    ]
    escalated_at = None
    for i, line in enumerate(lines):
        d = _say(engine, "ados", "max", line, 25, at=i * 20)
        _say(engine, "ados", "lea", "euh ok", 15, at=i * 20 + 5)
        if d.escalated_now:
            escalated_at = i
            break
    assert escalated_at is not None, "the rules alone escalate this sequence"
    later = _say(engine, "ados", "max", "alors ?", 25, at=300)
    assert later.action == "hold"
    other = _say(engine, "ados", "jules", "quelqu'un a vu le match hier ?", 16, at=305)
    assert other.action == "allow"
    assert _say(engine, "ados", "lea", "je vais manger", 15, at=310).action == "allow"
    assert engine.clear("ados", "max")
    assert _say(engine, "ados", "max", "bonne soirée", 25, at=320).action == "allow"
    assert not engine.clear("ados", "max")


def test_a_bare_at_name_in_an_adult_room_is_a_mention_not_a_handle(engine: SafetyEngine) -> None:
    """ "@lea tu viens ?" addresses someone in the room: left alone among adults, even from a
    fresh account; masked in the teen space, where it may as well be a handle elsewhere."""
    line = "@lea_2009 tu viens ce soir ?"
    assert _say(engine, "general", "anne", line, 30).text == line
    assert _say(engine, "general", "new", line, 30, account=600.0, at=5).text == line
    teen = _say(engine, "ados", "tom", line, 16, at=10)
    assert teen.action == "mask" and "lea_2009" not in (teen.text or "")


def test_a_cleared_private_conversation_stays_cleared(full: SafetyEngine) -> None:
    """A moderator lifted a pair's freeze: the next ordinary message goes through, and the
    risk they already judged does not freeze the pair again (it did, through the learned
    layer, on the very next message)."""
    _say(full, "p", "tom", "salut t'as quel âge ?", 17, to="lea", to_age=15)
    _say(full, "p", "lea", "15 et toi", 15, to="tom", to_age=17, at=5)
    _say(full, "p", "tom", "t'es trop mature pour ton âge", 17, to="lea", to_age=15, at=10)
    held = _say(
        full, "p", "tom", "tes parents sont là ? t'es seule ?", 17, to="lea", to_age=15, at=15
    )
    assert held.action == "hold"
    assert full.clear("p", "tom")
    after = _say(full, "p", "tom", "on révise ensemble ?", 17, to="lea", to_age=15, at=20)
    assert after.action != "hold", after.reasons
    again = _say(full, "p", "tom", "bon je file, à demain", 17, to="lea", to_age=15, at=25)
    assert again.action != "hold", again.reasons


@pytest.mark.parametrize(
    "text",
    [
        "le train avait encore une heure de retard",
        "il y a des retards sur la ligne 13 ce matin",
        "désolé du retard, j'arrive",
    ],
)
def test_french_late_is_not_an_english_slur(engine: SafetyEngine, text: str) -> None:
    """Both lexicons read every message: "retard" (late) said three times is no hate."""
    for i in range(3):
        d = _say(engine, "general", "anne", text, 30, at=5.0 * i)
        assert d.action == "allow"
        assert not [label for label in d.labels if label.startswith("hate.")]


@pytest.mark.parametrize("text", ["shut up you retard", "such a retard lol", "those retards again"])
def test_the_slur_aimed_at_someone_is_still_read(engine: SafetyEngine, text: str) -> None:
    d = _say(engine, "general", "anne", text, 30)
    assert "hate.ableist" in d.labels
    assert d.action != "allow"


# ---- words a child quotes, banter among friends, peers among themselves -----------------


@pytest.mark.parametrize(
    "text",
    [
        "this girl from drama wrote 'kys' under my tiktok and 5 ppl liked it",
        "dans la vidéo ils disent « je vais te tuer », ça fait froid dans le dos",
        "il m'a dit je vais te tuer, je fais quoi ?",
    ],
)
def test_a_threat_a_child_quotes_or_reports_is_not_hers(engine: SafetyEngine, text: str) -> None:
    d = _say(engine, "p", "lily", text, 15, to="jas", to_age=15)
    assert d.action == "allow", d.reasons
    assert not [x for x in d.labels if x.startswith(("threat.", "harassment."))]
    quoted = [s for s in d.signals if s.name in ("threat.violence", "harassment.self_harm")]
    assert quoted and all(s.suppressed_by in ("quoted", "reported") for s in quoted)


def test_a_message_that_is_all_quotation_says_what_it_quotes(engine: SafetyEngine) -> None:
    d = _say(engine, "p", "tom", "« je vais te tuer »", 16, to="lea", to_age=16)
    assert d.action == "hold"


def test_quoting_is_no_shield_for_someone_already_hostile(engine: SafetyEngine) -> None:
    _say(engine, "p", "tom", "ferme ta gueule espèce de connard", 16, to="lea", to_age=16)
    d = _say(engine, "p", "tom", "comme dit l'autre 'je vais te tuer'", 16, to="lea", at=5)
    assert d.action == "hold"


def test_a_threat_just_after_laughter_among_friends_is_banter(engine: SafetyEngine) -> None:
    _say(engine, "ados", "kenji", "mdr j'ai spoil la fin de la saison", 16)
    d = _say(engine, "ados", "nour", "je vais te tuer jte jure", 16, at=20)
    assert d.action == "allow", d.reasons
    assert [s.suppressed_by for s in d.signals if s.name == "threat.violence"] == ["banter_context"]


def test_the_same_threat_with_no_laughter_or_long_after_is_held(engine: SafetyEngine) -> None:
    _say(engine, "ados", "kenji", "j'ai spoil la fin de la saison", 16)
    assert _say(engine, "ados", "nour", "je vais te tuer jte jure", 16, at=20).action == "hold"
    _say(engine, "lycee", "kenji", "mdr j'ai spoil la fin", 16)
    late = _say(engine, "lycee", "nour", "je vais te tuer jte jure", 16, at=600)
    assert late.action == "hold"


def test_laughter_does_not_cover_an_adult_threatening_a_child(engine: SafetyEngine) -> None:
    _say(engine, "p", "lea", "mdr t'es nul", 15, to="marc", to_age=35)
    d = _say(engine, "p", "marc", "je vais te tuer", 35, to="lea", to_age=15, at=10)
    assert d.action == "hold"


def test_one_message_the_model_dislikes_warns_a_teen_a_pattern_holds(full: SafetyEngine) -> None:
    """Between declared minors the learned layer alone warns the sender once; between
    adults it holds; a sender already hostile in the conversation is held."""
    text = "ur so ugly nobody even likes u, everyone laughs at u"
    teens = _say(full, "ados", "amy", text, 16)
    assert "harassment.learned" in teens.labels and teens.action == "warn"
    adults = _say(full, "general", "amy", text, 30)
    assert adults.action == "hold"
    _say(full, "lycee", "bea", "ta gueule connard", 16)
    again = _say(full, "lycee", "bea", text, 16, at=5)
    assert again.action == "hold"


def test_classmates_swapping_snaps_are_not_frozen(full: SafetyEngine) -> None:
    """Two declared 16-year-olds: an age question, a compliment and a snap are how
    classmates talk; the conversation model may suspect, but without a warning's worth of
    the rules' grooming stages the pair is not frozen (the child answering included)."""
    lines = [
        ("timeo", "t'es en quelle classe ?"),
        ("jade", "seconde et toi"),
        ("timeo", "pareil seconde. t'es trop mature pour une seconde en vrai mdrr"),
        ("jade", "c'est toi le bébé 😂"),
        ("timeo", "vasy on s'ajoute sur snap, ici ça bug"),
        ("jade", "jadouu.lsr"),
    ]
    for i, (who, text) in enumerate(lines):
        to = "jade" if who == "timeo" else "timeo"
        d = _say(full, "p", who, text, 16, to=to, to_age=16, at=10.0 * i)
        assert d.action not in ("hold", "block"), (text, d.reasons)
    assert not full.conversations["p"].frozen


def test_checking_a_child_is_alone_freezes_a_declared_minor_pair(full: SafetyEngine) -> None:
    """A declared 17-year-old asks a 15-year-old's age, calls her cute, then whether her
    parents are home and she is alone: the stages add up to less than the warning line
    between declared minors, but checking that she is alone gains access to her (an access
    stage, policy.yaml) — the pair is frozen, not only escalated."""
    lines = [
        ("tom", "salut t'as quel âge ?"),
        ("lea", "15 et toi"),
        ("tom", "17. t'es trop mignonne"),
        ("lea", "merci"),
        ("tom", "tes parents sont là ? t'es seule chez toi ?"),
    ]
    decisions = []
    for i, (who, text) in enumerate(lines):
        to, age, to_age = ("lea", 17, 15) if who == "tom" else ("tom", 15, 17)
        decisions.append(_say(full, "p", who, text, age, to=to, to_age=to_age, at=10.0 * i))
    conv = full.conversations["p"]
    assert "grooming.alone_check" in conv.cues["tom"]
    assert any(d.escalated_now for d in decisions)
    assert conv.frozen
    assert _say(full, "p", "tom", "alors ?", 17, to="lea", to_age=15, at=60).action == "hold"
