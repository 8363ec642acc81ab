"""Identity: pseudonym rules, look-alike skeletons, age bands and spaces, genders, profiles."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from causette.core.errors import ChatError, ErrorCode
from causette.core.identity import (
    Gender,
    Profile,
    Space,
    make_profile,
    normalise_pseudonym,
    parse_gender,
    pseudonym_skeleton,
    screen_pseudonym,
    space_for_age,
)

ALLOWED_ASCII = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"


def code_of(fn: object, *args: object) -> ErrorCode:
    with pytest.raises(ChatError) as info:
        fn(*args)  # type: ignore[operator]
    return info.value.code


# --- pseudonyms ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["Lea_75", "abc", "a" * 20, "Jean-Paul", "Éloïse", "Zoë", "Ωmega", "Маша", "李小龍"]
)
def test_valid_pseudonyms_are_kept(name: str) -> None:
    """Letters of any script, ASCII digits, - and _ within 3–20 characters are accepted as is."""
    assert normalise_pseudonym(name) == name


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("ＡＬＩＣＥ", "ALICE"),  # full-width letters
        ("ｌｅａ＿７５", "lea_75"),  # full-width digits and underscore
        ("ﬁfi", "fifi"),  # ligature
        ("e\u0301lise", "élise"),  # decomposed accent is composed
        ("  Bob  ", "Bob"),  # surrounding spaces dropped
        ("bob²", "bob2"),  # superscript digit becomes an ASCII digit
        ("Ⅻabc", "XIIabc"),  # roman numeral becomes letters
    ],
)
def test_nfkc_normalisation(raw: str, shown: str) -> None:
    """The pseudonym is NFKC-normalised and stripped before being checked and shown."""
    assert normalise_pseudonym(raw) == shown


@pytest.mark.parametrize("name", ["ab", "", "  ab  ", "a" * 21, "ＡＢ"])
def test_length_bounds(name: str) -> None:
    """Under 3 or over 20 characters (after normalisation) is pseudonym_invalid."""
    assert code_of(normalise_pseudonym, name) is ErrorCode.PSEUDONYM_INVALID


@pytest.mark.parametrize(
    "name",
    [
        "Jean Paul",  # inner space
        "bob😀",  # emoji
        "bob@home",
        "bob.smith",
        "bob!",
        "a/b/c",
        "<script>",
        "bob\u200bby",  # zero-width space
        "bob\u202eyy",  # right-to-left override
        "abc\n",  # newline inside after strip? (strip removes it: see below)
        "ab\tc",
        "bob߃",  # NKo digit
        "bob٣",  # Arabic-Indic digit
        "bob½",  # vulgar fraction (NFKC leaves a fraction slash)
        "bobↀ",  # roman numeral one thousand: numeric, not a letter, survives NFKC
        "x\u0301\u0301\u0301",  # stray combining marks
        "\ud800abc",  # lone surrogate
    ],
)
def test_forbidden_characters(name: str) -> None:
    """Spaces, emoji, punctuation, invisible characters and non-ASCII digits are refused."""
    if name == "abc\n":
        # A trailing newline is surrounding whitespace: stripped, the name is fine.
        assert normalise_pseudonym(name) == "abc"
        return
    assert code_of(normalise_pseudonym, name) is ErrorCode.PSEUDONYM_INVALID


@pytest.mark.parametrize("raw", [None, 123, b"alice", ["alice"], {"n": "alice"}])
def test_non_text_pseudonym(raw: object) -> None:
    """A pseudonym that is not a string is pseudonym_invalid, not a crash."""
    assert code_of(normalise_pseudonym, raw) is ErrorCode.PSEUDONYM_INVALID


@given(st.text(alphabet=ALLOWED_ASCII, min_size=3, max_size=20))
def test_any_ascii_name_of_allowed_chars_is_accepted(name: str) -> None:
    """Every 3–20 string of ASCII letters, digits, - and _ is accepted unchanged."""
    assert normalise_pseudonym(name) == name


@given(st.text(max_size=30))
def test_normalise_either_accepts_or_refuses_cleanly(raw: str) -> None:
    """Any text gives a valid shown name (stable under re-normalisation) or pseudonym_invalid."""
    try:
        name = normalise_pseudonym(raw)
    except ChatError as err:
        # Either outcome is right for arbitrary text; only the refusal's code is checked.
        assert err.code is ErrorCode.PSEUDONYM_INVALID  # noqa: PT017
        return
    assert 3 <= len(name) <= 20
    assert normalise_pseudonym(name) == name
    assert all(ch.isalpha() or ch in "0123456789-_" for ch in name)


# --- skeletons ----------------------------------------------------------------------------

LOOKALIKES = [
    ["Alice", "ALICE", "alice", "A1ice", "Аlice", "AIice", "ａｌｉｃｅ", "Álice", "Alicé"],
    ["Leo", "LEO", "Le0", "1eo", "Lеo", "Léo", "LÉO"],
    ["Marie", "rnarie", "MARIE", "Мarie"],
    ["Sam_75", "Sam-75", "5am_75", "Ѕam_75", "SAM_7S"],
    ["Wendy", "VVendy", "vvendy", "Ԝendy"],
    ["Dan", "clan", "CLAN"],
    ["Kevin", "Кevin", "KEVlN", "Κevin"],
    ["Bobby", "8obby", "Вobby"],
    ["Tom", "TOM", "7om", "Тоm"],
    ["Pierre", "Ρierre", "Pιerre", "P1erre"],
]


@pytest.mark.parametrize("group", LOOKALIKES, ids=[g[0] for g in LOOKALIKES])
def test_lookalikes_share_a_skeleton(group: list[str]) -> None:
    """Case, accents, full-width, confusable letters of other scripts and digits collide."""
    skeletons = {pseudonym_skeleton(normalise_pseudonym(name)) for name in group}
    assert len(skeletons) == 1, skeletons


def test_different_groups_do_not_collide() -> None:
    """Clearly different names keep different skeletons."""
    firsts = [pseudonym_skeleton(group[0]) for group in LOOKALIKES]
    assert len(set(firsts)) == len(firsts)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Alice", "Alicia"),
        ("Alice", "Malice"),
        ("Bob", "Rob"),
        ("Lea_75", "Lea_76"),
        ("Lea_75", "Leo_75"),
        ("Marie", "Mario"),
        ("Jean", "Jeanne"),
        ("abc", "abcd"),
        ("Noah", "Nora"),
    ],
)
def test_distinct_names_do_not_collide(a: str, b: str) -> None:
    """Names that read differently have different skeletons."""
    assert pseudonym_skeleton(a) != pseudonym_skeleton(b)


@given(st.text(alphabet=ALLOWED_ASCII, min_size=3, max_size=20))
def test_case_never_matters(name: str) -> None:
    """Upper, lower and swapped case of any name share its skeleton."""
    sk = pseudonym_skeleton(name)
    assert pseudonym_skeleton(name.upper()) == sk
    assert pseudonym_skeleton(name.lower()) == sk
    assert pseudonym_skeleton(name.swapcase()) == sk


@given(st.text(alphabet=ALLOWED_ASCII, min_size=3, max_size=20))
def test_fullwidth_form_shares_the_skeleton(name: str) -> None:
    """The full-width spelling of a name, once normalised, collides with the name."""
    wide = "".join(chr(ord(c) + 0xFEE0) for c in name)
    assert pseudonym_skeleton(normalise_pseudonym(wide)) == pseudonym_skeleton(name)


@given(st.text(alphabet="aceopxyABCEHKMOPTXY", min_size=3, max_size=20))
def test_cyrillic_homoglyphs_share_the_skeleton(name: str) -> None:
    """Replacing Latin letters by their Cyrillic twins does not escape the skeleton."""
    cyr = str.maketrans("aceopxyABCEHKMOPTXY", "асеорхуАВСЕНКМОРТХУ")
    assert pseudonym_skeleton(name.translate(cyr)) == pseudonym_skeleton(name)


# --- ages and spaces ----------------------------------------------------------------------


@pytest.mark.parametrize("age", [0, 1, 10, 13, 14])
def test_under_fifteen_is_too_young(age: int) -> None:
    """Ages 0–14 are refused with age_too_young."""
    assert code_of(space_for_age, age) is ErrorCode.AGE_TOO_YOUNG


@pytest.mark.parametrize(("age", "space"), [(15, Space.TEEN), (16, Space.TEEN), (17, Space.TEEN)])
def test_fifteen_to_seventeen_is_teen(age: int, space: Space) -> None:
    """Ages 15, 16 and 17 are the teen space."""
    assert space_for_age(age) is space


@pytest.mark.parametrize("age", [18, 19, 25, 40, 99, 120])
def test_eighteen_and_over_is_adult(age: int) -> None:
    """Ages 18 to 120 are the adult space."""
    assert space_for_age(age) is Space.ADULT


@pytest.mark.parametrize(
    "age", [True, False, -1, -18, 121, 10**9, 18.0, 16.5, "18", None, [18], float("nan")]
)
def test_invalid_ages(age: object) -> None:
    """Bools, negatives, huge values and non-integers are age_invalid."""
    assert code_of(space_for_age, age) is ErrorCode.AGE_INVALID


@given(st.integers())
def test_age_wall_for_every_integer(age: int) -> None:
    """Any integer maps to exactly the band the rules say: invalid, too young, teen or adult."""
    if age < 0 or age > 120:
        assert code_of(space_for_age, age) is ErrorCode.AGE_INVALID
    elif age < 15:
        assert code_of(space_for_age, age) is ErrorCode.AGE_TOO_YOUNG
    elif age < 18:
        assert space_for_age(age) is Space.TEEN
    else:
        assert space_for_age(age) is Space.ADULT


# --- genders ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "gender"),
    [("f", Gender.FEMALE), ("F", Gender.FEMALE), ("m", Gender.MALE), ("x", Gender.OTHER)],
)
def test_genders(raw: str, gender: Gender) -> None:
    """f, m and x (any case) are the genders."""
    assert parse_gender(raw) is gender


@pytest.mark.parametrize("raw", ["", "female", "h", "ff", None, 1, True, "x "])
def test_invalid_genders(raw: object) -> None:
    """Anything else is gender_invalid."""
    assert code_of(parse_gender, raw) is ErrorCode.GENDER_INVALID


# --- profiles -----------------------------------------------------------------------------


def test_make_profile_adult() -> None:
    """A valid adult join form gives a profile with département, region and adult space."""
    profile = make_profile("Lea_75", 24, "f", "75")
    assert profile == Profile("Lea_75", 24, Gender.FEMALE, "75", "Île-de-France", Space.ADULT)


def test_make_profile_teen_normalises_everything() -> None:
    """A teen form is normalised: full-width name, 2a, gender in capitals."""
    profile = make_profile("ＴＯＭ", 16, "M", "2a")
    assert (profile.pseudonym, profile.department, profile.region) == ("TOM", "2A", "Corse")
    assert profile.space is Space.TEEN and profile.gender is Gender.MALE


def test_make_profile_outside_france() -> None:
    """hors is a valid département and keeps the code hors."""
    assert make_profile("Expat", 30, "x", "hors").department == "hors"


@pytest.mark.parametrize(
    ("form", "code"),
    [
        (("a", 24, "f", "75"), ErrorCode.PSEUDONYM_INVALID),
        (("Lea", 14, "f", "75"), ErrorCode.AGE_TOO_YOUNG),
        (("Lea", True, "f", "75"), ErrorCode.AGE_INVALID),
        (("Lea", 24, "q", "75"), ErrorCode.GENDER_INVALID),
        (("Lea", 24, "f", "96"), ErrorCode.DEPARTMENT_INVALID),
        (("Lea", 24, "f", "20"), ErrorCode.DEPARTMENT_INVALID),
        (("Lea", 24, "f", 75), ErrorCode.DEPARTMENT_INVALID),
        (("Lea", 24, "f", None), ErrorCode.DEPARTMENT_INVALID),
    ],
)
def test_make_profile_refusals(form: tuple[object, ...], code: ErrorCode) -> None:
    """Each invalid field gives its own error code."""
    assert code_of(make_profile, *form) is code


def test_public_view_hides_department_and_space() -> None:
    """public() shows pseudonym, age, gender and region only: never the département."""
    public = make_profile("Lea_75", 24, "f", "75").public()
    assert public == {"pseudonym": "Lea_75", "age": 24, "gender": "f", "region": "Île-de-France"}


# --- screening (issue 13, items 11 and 12) -------------------------------------------------


@pytest.mark.parametrize("name", ["Alice\u3164", "Ali\u115fce", "\u3164\u3164\u3164", "Bob\uffa0"])
def test_hangul_fillers_are_refused(name: str) -> None:
    """Fillers render as nothing: a name holding one is pseudonym_invalid."""
    assert code_of(normalise_pseudonym, name) is ErrorCode.PSEUDONYM_INVALID


@pytest.mark.parametrize(
    ("name", "age"),
    [
        ("Pedo_69", 30),
        ("P3d0_69", 30),
        ("Lolita13", 20),
        ("L0l1ta", 20),
        ("Papa_cherche_ado", 41),
        ("nazi88", 22),
        ("N4zi_88", 22),
        ("Hitler_fan", 30),
        ("Admin", 30),
        ("Adm1n", 30),
        ("Moderateur", 30),
        ("modo_paris", 30),
        ("Causette_team", 30),
        ("jeune_fille_14", 30),
        ("petit_boy_12", 45),
    ],
)
def test_screening_refuses_roles_harm_and_false_child_ages(name: str, age: int) -> None:
    """Reserved roles, names aimed at children or hate (after look-alike folding), and an
    adult's name claiming a child's age are pseudonym_refused."""
    assert code_of(screen_pseudonym, name, age) is ErrorCode.PSEUDONYM_REFUSED


@pytest.mark.parametrize(
    ("name", "age"),
    [
        ("jeune_fille_16", 16),  # a teen saying her own age
        ("kev_du_14", 30),  # Calvados, not an age: no word for a child next to it
        ("supporter_om", 30),
        ("staffy_lover", 30),
        ("Adonis", 25),
        ("modeste", 40),
        ("Lea_75", 20),
    ],
)
def test_screening_lets_ordinary_names_through(name: str, age: int) -> None:
    """Départements, ordinary words that contain a reserved fragment's letters, and a
    teen's true age are not refused."""
    screen_pseudonym(name, age)
