"""The shared rule lists in the live chat: a pseudonym holding a listed fragment is refused
at the join (``pseudonym_refused``), a message linking to a listed domain is refused with
the reason (``message_blocked``); never a silent drop.

Owns the lists as this process applies them (a ``RuleMatcher`` built from the database).
Rules:
- Read at start, and again after every change made here; a change made by another process
  of a cluster reaches this one through the bus (``rules`` control event). With Redis away
  a process keeps its last lists until the next change it hears of, or a restart.
- The lists only add refusals to what the safety engine and core/identity.py refuse; an
  empty list changes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from causette.core.errors import ChatError, ErrorCode
from causette.core.rule_lists import RuleMatcher
from causette.store import SqlStore
from causette.store.rule_lists import RuleListStore
from causette.tasks import TaskOwner

if TYPE_CHECKING:
    from causette.server.ports import ControlEvents

TOPIC = "rules"
_BLOCKED = (
    "Ce lien mène à un site que la modération a bloqué.",
    "This link leads to a site the moderators blocked.",
)


class RuleLists:
    def __init__(self, store: SqlStore, cluster: ControlEvents, tasks: TaskOwner) -> None:
        self.store = RuleListStore(store)
        self.cluster = cluster
        # The chat's side jobs: a reload heard from another process runs among them.
        self.tasks = tasks
        self.matcher = RuleMatcher()

    async def start(self) -> None:
        self.cluster.on(TOPIC, self._heard)
        await self.reload()

    async def reload(self) -> None:
        self.matcher = RuleMatcher(await self.store.current())

    async def changed(self) -> None:
        """The lists changed here: apply them, and tell the other processes."""
        await self.reload()
        self.cluster.broadcast(TOPIC)

    def _heard(self, _body: dict[str, Any]) -> None:
        self.tasks.spawn(self.reload(), name="rule-lists-reload", finish=True)

    def check_pseudonym(self, name: str) -> None:
        if self.matcher.pseudonym_refused(name):
            raise ChatError(ErrorCode.PSEUDONYM_REFUSED)

    def check_text(self, text: str) -> None:
        if self.matcher.blocked_domain(text) is not None:
            raise ChatError(ErrorCode.MESSAGE_BLOCKED, reason_fr=_BLOCKED[0], reason_en=_BLOCKED[1])
