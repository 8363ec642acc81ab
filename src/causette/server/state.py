"""This process's live state, and the fan-out of a frame to the sockets it holds.

Owns nothing it decides: it is where the facts sit that several parts of the server read.
- ``facts``: the pure live state (core/live.py): ``presence`` (who is online and in which
  room: this process's chatters, and in a cluster the other processes' too), the private
  ``conversations`` known here, and what each chatter held here has set.
- ``chatters``: the chatters this process holds (server/chatter.py), by id; each one's
  ``facts`` are the pure state's.
- ``heads``: the last message id this process knows of, per channel.

Rules:
- One writer: ``apply(change)``, for what happens here (server/live.py, the safety
  layer's flags) and for what other processes announce (server/cluster.py) alike;
  everyone else reads. ``presence`` and ``conversations`` are handed out for reading.
- Built first, before the cluster and the chat, so both can be handed it (server/app.py).
- ``deliver`` is the last step of every frame's way (from the local bus, or from the
  cluster's sequencer): to each target's socket held here, never to a blocked sender's
  target. It does no I/O of its own beyond queueing on those sockets.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from causette.bus import Envelope
from causette.core.consent import Conversation
from causette.core.live import Applied, Change, LiveFacts
from causette.core.presence import Presence
from causette.server import metrics
from causette.server.chatter import Chatter
from causette.server.connection import Connection


class LiveState:
    def __init__(self) -> None:
        self.facts = LiveFacts()
        self.chatters: dict[str, Chatter] = {}
        self.heads: dict[str, int] = {}

    @property
    def presence(self) -> Presence:
        return self.facts.presence

    @property
    def conversations(self) -> dict[str, Conversation]:
        return self.facts.conversations

    def apply(self, change: Change) -> Applied:
        """The one way the live state changes (core/live.py ``LiveFacts.apply``)."""
        return self.facts.apply(change)

    def connections(self) -> Iterator[Connection]:
        """The sockets this process holds, one per connected chatter."""
        for chatter in self.chatters.values():
            if chatter.connection is not None:
                yield chatter.connection

    def deliver(self, envelope: Envelope) -> None:
        if envelope.room is not None:
            targets: Iterable[str] = self.presence.members(envelope.room)
        else:
            targets = envelope.targets
        chatters = self.chatters
        sender = envelope.sender_id
        data = envelope.frame
        count = 0
        if envelope.message_id is None:
            for target in targets:
                if not envelope.echo and target == sender:
                    continue
                chatter = chatters.get(target)
                if (
                    chatter is not None
                    and chatter.connection is not None
                    and (sender is None or sender not in chatter.blocked)
                ):
                    chatter.connection.send(data)
                    count += 1
        else:
            channel, message_id = envelope.channel or "", envelope.message_id
            for target in targets:
                chatter = chatters.get(target)
                if chatter is None or chatter.connection is None or sender in chatter.blocked:
                    continue
                chatter.connection.send_message(channel, message_id, data)
                count += 1
        metrics.DELIVERIES.inc(count)
