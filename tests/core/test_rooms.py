"""Room catalogue: strict parsing, the shipped catalogue, and the wall in Catalogue.get."""

from __future__ import annotations

from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from causette.core.identity import Space
from causette.core.rooms import Catalogue, CatalogueError, Room, parse_catalogue


def shipped() -> Catalogue:
    text = resources.files("causette").joinpath("data/rooms.toml").read_text("utf-8")
    return parse_catalogue(text)


def room_toml(
    slug: str = "general", name: str = "Général", space: str = "adult", **extra: str
) -> str:
    lines = ["[[room]]", f'slug = "{slug}"', f'name = "{name}"', f'space = "{space}"']
    lines += [f'{k} = "{v}"' for k, v in extra.items()]
    return "\n".join(lines) + "\n"


# --- the shipped catalogue ----------------------------------------------------------------


def test_shipped_catalogue_is_valid_and_has_both_spaces() -> None:
    """data/rooms.toml parses and has rooms in both the adult and the teen space."""
    catalogue = shipped()
    assert catalogue.in_space(Space.ADULT)
    assert catalogue.in_space(Space.TEEN)
    assert len(catalogue.in_space(Space.ADULT)) + len(catalogue.in_space(Space.TEEN)) == len(
        catalogue.rooms
    )


@pytest.mark.parametrize(
    "name",
    [
        *["Général", "Amitié", "Musique", "Jeux vidéo", "18–25 ans", "25–40 ans", "40 ans et +"],
        *[
            "LGBT+",
            "Rencontres 18+",
            "Île-de-France",
            "Bretagne",
            "Corse",
            "Occitanie",
            "Outre-mer",
        ],
    ],
)
def test_shipped_catalogue_has_the_adult_rooms_the_product_lists(name: str) -> None:
    """Each room the product promises adults exists, in the adult space."""
    assert name in {room.name for room in shipped().in_space(Space.ADULT)}


def test_shipped_catalogue_has_one_room_per_region() -> None:
    """Every metropolitan region of the département table has an adult room of that name."""
    from causette.core.geography import departments

    regions = {
        d.region for d in departments().values() if d.code[:1].isdigit() and len(d.code) == 2
    }
    regions |= {departments()["2A"].region}
    names = {room.name for room in shipped().in_space(Space.ADULT)}
    assert len(regions) == 13
    assert regions <= names


def test_adult_only_rooms_are_not_in_the_teen_space() -> None:
    """Dating and age-bracket rooms exist only for adults; the teen space has its own general."""
    teen = {room.slug for room in shipped().in_space(Space.TEEN)}
    assert not teen & {"rencontres", "18-25", "25-40", "40-plus", "general"}
    assert "ados-general" in teen
    assert all("rencontre" not in room.name.lower() for room in shipped().in_space(Space.TEEN))


def test_shipped_slugs_unique_and_channels_prefixed() -> None:
    """Slugs are unique and each room's channel is room:<slug>."""
    rooms = shipped().rooms
    assert len({r.slug for r in rooms}) == len(rooms)
    assert all(r.channel == f"room:{r.slug}" for r in rooms)


@given(
    st.sampled_from([r.slug for r in shipped().rooms]) | st.text(max_size=12),
    st.sampled_from(list(Space)),
)
def test_get_never_crosses_the_wall(slug: str, space: Space) -> None:
    """Catalogue.get returns a room of the asked space with that slug, or None."""
    room = shipped().get(slug, space)
    if room is not None:
        assert room.space is space and room.slug == slug
    else:
        assert all(r.slug != slug or r.space is not space for r in shipped().rooms)


def test_get_other_space_is_none() -> None:
    """An adult room asked from the teen space (and the reverse) is None, like a missing one."""
    catalogue = shipped()
    assert catalogue.get("rencontres", Space.ADULT) is not None
    assert catalogue.get("rencontres", Space.TEEN) is None
    assert catalogue.get("ados-general", Space.TEEN) is not None
    assert catalogue.get("ados-general", Space.ADULT) is None
    assert catalogue.get(None, Space.ADULT) is None
    assert catalogue.get(["general"], Space.ADULT) is None


# --- parsing ------------------------------------------------------------------------------


def test_parse_minimal_catalogue() -> None:
    """A single valid room parses with name stripped and topic defaulting to empty."""
    catalogue = parse_catalogue(room_toml(name="  Général  "))
    assert catalogue.rooms == (Room("general", "Général", Space.ADULT, ""),)


def test_parse_keeps_order_and_topic() -> None:
    """Rooms keep the file order and their topics."""
    text = room_toml("b", "B", "teen", topic="t") + room_toml("a", "A", "adult")
    rooms = parse_catalogue(text).rooms
    assert [r.slug for r in rooms] == ["b", "a"]
    assert rooms[0].topic == "t" and rooms[0].space is Space.TEEN


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "at least one"),
        ("room = []", "at least one"),
        ('room = "general"', "at least one"),
        ('[room]\nslug = "a"', "at least one"),
        ("[[room", "not valid TOML"),
        ("room = [1]", "not a table"),
        (room_toml("a") + room_toml("a", "Autre"), "duplicate slug"),
        (room_toml("a") + room_toml("a", "Autre", "teen"), "duplicate slug"),
        (room_toml(space="adults"), "space"),
        (room_toml(space="Adult"), "space"),
        (room_toml(space=""), "space"),
        ('[[room]]\nslug = "a"\nname = "A"', "space"),
        (room_toml(extra="x"), "unknown keys"),
        (room_toml(name=""), "name is required"),
        (room_toml(name="   "), "name is required"),
        ('[[room]]\nslug = "a"\nspace = "adult"', "name is required"),
        ('[[room]]\nslug = "a"\nname = 3\nspace = "adult"', "name is required"),
        ('[[room]]\nslug = "a"\nname = "A"\nspace = "adult"\ntopic = 3', "topic"),
        ('[[room]]\nname = "A"\nspace = "adult"', "slug"),
        ('[[room]]\nslug = 7\nname = "A"\nspace = "adult"', "slug"),
    ],
)
def test_parse_errors(text: str, reason: str) -> None:
    """An invalid catalogue is refused whole with a CatalogueError naming the problem."""
    with pytest.raises(CatalogueError, match=reason):
        parse_catalogue(text)


@pytest.mark.parametrize(
    "slug", ["", "General", "-general", "gé", "a b", "a_b", "a.b", "a" * 41, "general\\n", "a/b"]
)
def test_bad_slugs(slug: str) -> None:
    """Slugs must be 1–40 lowercase ASCII letters, digits and '-', not starting with '-'."""
    with pytest.raises(CatalogueError, match="slug"):
        parse_catalogue(room_toml(slug))


@pytest.mark.parametrize("slug", ["a", "0", "18-25", "a" * 40, "ados-jeux-video"])
def test_good_slugs(slug: str) -> None:
    """Edge-case slugs that follow the rule are accepted."""
    assert parse_catalogue(room_toml(slug)).rooms[0].slug == slug


def test_error_names_the_room() -> None:
    """The error message says which room (by position) is wrong."""
    with pytest.raises(CatalogueError, match=r"room #2"):
        parse_catalogue(room_toml("a") + room_toml("b", space="kids"))


@given(st.text(max_size=200))
def test_parse_garbage_only_raises_catalogue_error(text: str) -> None:
    """Any text either parses or raises CatalogueError (never another exception)."""
    try:
        catalogue = parse_catalogue(text)
    except CatalogueError:
        return
    assert catalogue.rooms
