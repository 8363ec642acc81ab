"""The room catalogue: which rooms exist and which space each belongs to.

The catalogue is operator data (TOML). Parsing validates it whole: a bad file is refused at
start with the reason, never half-loaded. Room slugs are stable protocol identifiers.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass

from causette.core.identity import Space

# fullmatch, not match: "$" also matches before a trailing newline ("general\n").
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")


class CatalogueError(ValueError):
    """The room catalogue file is invalid; the message says where."""


@dataclass(frozen=True, slots=True)
class Room:
    slug: str
    name: str
    space: Space
    topic: str = ""

    @property
    def channel(self) -> str:
        return f"room:{self.slug}"


@dataclass(frozen=True, slots=True)
class Catalogue:
    rooms: tuple[Room, ...]

    def get(self, slug: object, space: Space) -> Room | None:
        """The room, only if it exists *in this space*: the wall starts here."""
        for room in self.rooms:
            if room.slug == slug and room.space is space:
                return room
        return None

    def in_space(self, space: Space) -> list[Room]:
        return [room for room in self.rooms if room.space is space]


def parse_catalogue(text: str) -> Catalogue:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"not valid TOML: {exc}") from None
    entries = data.get("room")
    if not isinstance(entries, list) or not entries:
        raise CatalogueError("the catalogue needs at least one [[room]]")
    rooms: list[Room] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        where = f"room #{index}"
        if not isinstance(entry, dict):
            raise CatalogueError(f"{where}: not a table")
        slug, name = entry.get("slug"), entry.get("name")
        if not isinstance(slug, str) or not _SLUG.fullmatch(slug):
            raise CatalogueError(f"{where}: slug must be lowercase letters, digits and '-'")
        if slug in seen:
            raise CatalogueError(f"{where}: duplicate slug {slug!r}")
        if not isinstance(name, str) or not name.strip():
            raise CatalogueError(f"{where} ({slug}): name is required")
        try:
            space = Space(str(entry.get("space")))
        except ValueError:
            raise CatalogueError(f"{where} ({slug}): space must be 'adult' or 'teen'") from None
        topic = entry.get("topic", "")
        if not isinstance(topic, str):
            raise CatalogueError(f"{where} ({slug}): topic must be text")
        unknown = set(entry) - {"slug", "name", "space", "topic"}
        if unknown:
            raise CatalogueError(f"{where} ({slug}): unknown keys {sorted(unknown)}")
        seen.add(slug)
        rooms.append(Room(slug, name.strip(), space, topic))
    return Catalogue(tuple(rooms))
