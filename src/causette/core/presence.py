"""Who is online, under which name, in which rooms: the live side of the chat, in memory.

Rules:
- A name is held by one online chatter at a time, by skeleton (look-alikes collide).
- A chatter is online while connected and for a short grace after: the shell decides when,
  this module only records it.
- Room membership here is the *online* membership: it drives user lists, live counts and
  fan-out. The durable list of a chatter's rooms (for resume) lives in the store.
"""

from __future__ import annotations

from collections.abc import Iterator

from causette.core.errors import ChatError, ErrorCode
from causette.core.identity import Profile, Space, pseudonym_skeleton


class Presence:
    def __init__(self) -> None:
        self.profiles: dict[str, Profile] = {}
        self._holder_by_skeleton: dict[str, str] = {}
        self._members_by_room: dict[str, set[str]] = {}
        self._rooms_by_chatter: dict[str, set[str]] = {}

    def claim(self, chatter_id: str, profile: Profile) -> None:
        """Put a chatter online, or ``pseudonym_taken`` if another online one looks alike."""
        skeleton = pseudonym_skeleton(profile.pseudonym)
        holder = self._holder_by_skeleton.get(skeleton)
        if holder is not None and holder != chatter_id:
            raise ChatError(ErrorCode.PSEUDONYM_TAKEN)
        previous = self.profiles.get(chatter_id)
        if previous is not None:
            # Claiming under a new name frees the old one (else it stays held by nobody online).
            old = pseudonym_skeleton(previous.pseudonym)
            if old != skeleton and self._holder_by_skeleton.get(old) == chatter_id:
                del self._holder_by_skeleton[old]
        self._holder_by_skeleton[skeleton] = chatter_id
        self.profiles[chatter_id] = profile
        self._rooms_by_chatter.setdefault(chatter_id, set())

    def name_is_free(self, pseudonym: str, chatter_id: str | None = None) -> bool:
        holder = self._holder_by_skeleton.get(pseudonym_skeleton(pseudonym))
        return holder is None or holder == chatter_id

    def release(self, chatter_id: str) -> set[str]:
        """Take a chatter offline; returns the rooms they were counted in."""
        profile = self.profiles.pop(chatter_id, None)
        if profile is not None:
            skeleton = pseudonym_skeleton(profile.pseudonym)
            if self._holder_by_skeleton.get(skeleton) == chatter_id:
                del self._holder_by_skeleton[skeleton]
        rooms = self._rooms_by_chatter.pop(chatter_id, set())
        for slug in rooms:
            self._members_by_room.get(slug, set()).discard(chatter_id)
        return rooms

    def is_online(self, chatter_id: str) -> bool:
        return chatter_id in self.profiles

    def find(self, pseudonym: str, space: Space) -> str | None:
        """The online chatter holding this name *in this space* (the wall again)."""
        holder = self._holder_by_skeleton.get(pseudonym_skeleton(pseudonym))
        if holder is None or self.profiles[holder].space is not space:
            return None
        return holder

    def enter(self, chatter_id: str, slug: str) -> bool:
        rooms = self._rooms_by_chatter.setdefault(chatter_id, set())
        if slug in rooms:
            return False
        rooms.add(slug)
        self._members_by_room.setdefault(slug, set()).add(chatter_id)
        return True

    def exit(self, chatter_id: str, slug: str) -> bool:
        rooms = self._rooms_by_chatter.get(chatter_id, set())
        if slug not in rooms:
            return False
        rooms.discard(slug)
        self._members_by_room.get(slug, set()).discard(chatter_id)
        return True

    def members(self, slug: str) -> set[str]:
        return self._members_by_room.get(slug, set())

    def rooms_of(self, chatter_id: str) -> set[str]:
        return self._rooms_by_chatter.get(chatter_id, set())

    def count(self, slug: str) -> int:
        return len(self._members_by_room.get(slug, ()))

    def share_a_room(self, a: str, b: str) -> bool:
        return not self.rooms_of(a).isdisjoint(self.rooms_of(b))

    def search(self, prefix: str, space: Space, limit: int = 50) -> Iterator[Profile]:
        folded = prefix.casefold()
        found = 0
        for profile in self.profiles.values():
            if profile.space is space and profile.pseudonym.casefold().startswith(folded):
                yield profile
                found += 1
                if found >= limit:
                    return
