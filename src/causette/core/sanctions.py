"""Sanctions: what a moderator (or the repeat-offender policy) may do to a chatter, what each
sanction forbids, and the statement of reasons the chatter receives (DSA art. 17).

Rules:
- Actions: ``dismiss`` (no sanction, closes a queue item), ``warn``, ``delete`` (a message),
  ``mute`` (timed), ``kick``, ``ban`` (on a pseudonym, a device key or an IP prefix; timed or
  permanent), ``close_pm`` (a conversation), ``move_out`` (out of the space's rooms and PMs).
- Every sanction names one house rule from ``RULES`` and a free-text reason for the chatter;
  its statement cites the rule by its number in the published terms (``RULE_NUMBERS``).
- A sanction is in force while active (not reversed) and before its ``until`` (None: for
  good). Only ``ban``, ``mute`` and ``move_out`` last; the others act once.
- Repeat offenders (DSA art. 23): ``repeat_offence`` is a pure function of past sanctions,
  the thresholds and now. Counted: human warnings, mutes and kicks not reversed, inside the
  window and after the last automatic suspension (a suspension resets the count).
- The appeal token is an HMAC of the sanction id: only its hash is stored, yet the server can
  show the same token again in a later statement (a banned chatter who lost it).
- Report severities order the moderators' queue: the harm to a person first.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from causette.core.errors import ChatError, ErrorCode, bad_field
from causette.core.text import cleaned


class Action(StrEnum):
    DISMISS = "dismiss"
    WARN = "warn"
    DELETE = "delete"
    MUTE = "mute"
    KICK = "kick"
    BAN = "ban"
    CLOSE_PM = "close_pm"
    MOVE_OUT = "move_out"


class Scope(StrEnum):
    PSEUDONYM = "pseudonym"
    DEVICE = "device"
    IP = "ip"


class Status(StrEnum):
    ACTIVE = "active"
    REVERSED = "reversed"


LASTING = frozenset({Action.BAN, Action.MUTE, Action.MOVE_OUT})
# What closes the chatter's connection after the statement.
DISCONNECTING = frozenset({Action.KICK, Action.BAN})
REPEAT_OFFENDER_RULE = "repeat_offender"
MAX_DURATION_S = 10 * 365 * 86400.0
REASON_MAX = 1000

# The house rules, as the chatter reads them.
RULES: dict[str, tuple[str, str]] = {
    "grooming": (
        "Approcher un mineur à des fins sexuelles est interdit.",
        "Approaching a minor for sexual purposes is forbidden.",
    ),
    "ambush": (
        "Attirer quelqu'un dans un guet-apens ou menacer sa sécurité est interdit.",
        "Luring someone into an ambush or threatening their safety is forbidden.",
    ),
    "hate": (
        "Les propos haineux ou discriminatoires sont interdits.",
        "Hateful or discriminatory speech is forbidden.",
    ),
    "harassment": (
        "Le harcèlement et les insultes sont interdits.",
        "Harassment and insults are forbidden.",
    ),
    "sexual_content": (
        "Les contenus sexuels non sollicités sont interdits.",
        "Unsolicited sexual content is forbidden.",
    ),
    "personal_data": (
        "Publier les données personnelles de quelqu'un est interdit.",
        "Publishing someone's personal data is forbidden.",
    ),
    "spam": (
        "Le spam et la publicité sont interdits.",
        "Spam and advertising are forbidden.",
    ),
    "minor_in_adult_space": (
        "L'espace adultes est réservé aux personnes majeures.",
        "The adult space is for adults only.",
    ),
    "adult_in_teen_space": (
        "L'espace ados est réservé aux 15-17 ans.",
        "The teen space is for 15 to 17 year olds only.",
    ),
    "impersonation": (
        "Se faire passer pour quelqu'un d'autre est interdit.",
        "Impersonating someone else is forbidden.",
    ),
    "other": (
        "Les contenus illégaux et les comportements qui nuisent aux autres sont interdits.",
        "Illegal content and behaviour that harms others are forbidden.",
    ),
    REPEAT_OFFENDER_RULE: (
        "Des manquements répétés aux règles entraînent une suspension automatique.",
        "Repeated breaches of the rules lead to an automatic suspension.",
    ),
}
# The rules' numbers in the terms of use (/legal/terms#rule-N, server/legal_pages.py): a
# statement of reasons cites the number, so a number never changes meaning once published;
# a new rule takes the next number.
RULE_NUMBERS: dict[str, int] = {
    "grooming": 1,
    "ambush": 2,
    "hate": 3,
    "harassment": 4,
    "sexual_content": 5,
    "personal_data": 6,
    "impersonation": 7,
    "spam": 8,
    "minor_in_adult_space": 9,
    "adult_in_teen_space": 10,
    "other": 11,
    REPEAT_OFFENDER_RULE: 12,
}
TERMS_PATH = "/legal/terms"
# Rules a moderator may cite (the repeat-offender rule is the policy's own).
MODERATOR_RULES = frozenset(r for r in RULES if r != REPEAT_OFFENDER_RULE)

# The moderators' queue: report categories by severity (0-100).
REPORT_SEVERITY: dict[str, int] = {
    "grooming": 100,
    "minor": 100,
    "ambush": 90,
    "threat": 90,
    "hate": 70,
    "harassment": 60,
    "sexual": 50,
    "sexual_content": 50,
    "personal_data": 40,
    "spam": 20,
    "other": 10,
}
HELD_SEVERITY = 60
APPEAL_SEVERITY = 30
# Alerts keep the safety layer's 1-3 scale; mapped onto the reports' one.
ALERT_SEVERITY = {3: 95, 2: 65, 1: 35}


def report_severity(category: str) -> int:
    return REPORT_SEVERITY.get(category, REPORT_SEVERITY["other"])


def alert_severity(level: int) -> int:
    return ALERT_SEVERITY.get(level, max(0, min(100, level)))


@dataclass(frozen=True, slots=True)
class ActionRequest:
    """A moderator's action, validated (``POST /api/desk/actions``)."""

    action: Action
    subject_id: str | None
    source_kind: str | None
    source_id: str | None
    rule: str
    reason: str
    duration_s: float | None
    scope: Scope | None
    channel: str | None
    message_id: int | None
    conversation_id: str | None
    bulk_device: bool
    # A held message merged with its copies, or an alert with the alerts merged into its
    # case (a flood): the action reaches every sender of a pending copy, or every subject
    # of a merged alert, not only the subject.
    bulk_case: bool = False


# Queue items an action closes (an appeal is decided by its own endpoint).
SOURCE_KINDS = ("report", "alert", "held")


def _text(body: Mapping[str, Any], name: str, limit: int, default: str = "") -> str:
    """A free text field, cleaned like chat text (core/text.py)."""
    value = body.get(name, default)
    if not isinstance(value, str) or len(value) > limit:
        raise bad_field(f"{name}: a string of at most {limit} characters")
    return cleaned(value)


def parse_action(body: Mapping[str, Any]) -> ActionRequest:
    """A moderator's request, or ``bad_field`` naming what is wrong."""
    try:
        action = Action(str(body.get("action")))
    except ValueError:
        raise bad_field(f"action: one of {', '.join(a.value for a in Action)}") from None
    source = body.get("source")
    source_kind = source_id = None
    if source is not None:
        if (
            not isinstance(source, dict)
            or source.get("kind") not in SOURCE_KINDS
            or not isinstance(source.get("id"), str)
        ):
            raise bad_field(f"source: {{kind: {'|'.join(SOURCE_KINDS)}, id}}")
        source_kind, source_id = source["kind"], source["id"]
    subject_id = body.get("subject_id")
    if subject_id is not None and not isinstance(subject_id, str):
        raise bad_field("subject_id: a chatter id")
    if action is Action.DISMISS:
        if source_kind is None:
            raise bad_field("source: dismiss closes a queue item")
        rule = "other"
    else:
        if not subject_id:
            raise bad_field("subject_id: required")
        rule = str(body.get("rule"))
        if rule not in MODERATOR_RULES:
            raise bad_field(f"rule: one of {', '.join(sorted(MODERATOR_RULES))}")
    reason = _text(body, "reason", REASON_MAX)
    duration = body.get("duration_s")
    if duration is not None:
        if (
            isinstance(duration, bool)
            or not isinstance(duration, int | float)
            or not 0 < duration <= MAX_DURATION_S
        ):
            raise bad_field("duration_s: seconds, more than 0, at most ten years")
        duration = float(duration)
    if action is Action.MUTE and duration is None:
        raise bad_field("duration_s: a mute lasts a given time")
    scope = None
    if action is Action.BAN:
        try:
            scope = Scope(body.get("scope", Scope.PSEUDONYM.value))
        except ValueError:
            raise bad_field("scope: pseudonym, device or ip") from None
    channel = message_id = conversation_id = None
    if action is Action.DELETE:
        channel, message_id = body.get("channel"), body.get("message_id")
        if not isinstance(channel, str) or not channel.startswith(("room:", "pm:")):
            raise bad_field("channel: the message's channel (room:… or pm:…)")
        if isinstance(message_id, bool) or not isinstance(message_id, int) or message_id < 1:
            raise bad_field("message_id: the message's id")
    if action is Action.CLOSE_PM:
        conversation_id = body.get("conversation_id")
        if not isinstance(conversation_id, str) or not conversation_id:
            raise bad_field("conversation_id: required")
    bulk = body.get("bulk_device", False)
    if not isinstance(bulk, bool):
        raise bad_field("bulk_device: true or false")
    if bulk and action in (Action.DELETE, Action.CLOSE_PM, Action.DISMISS):
        raise bad_field("bulk_device: not for delete, close_pm or dismiss")
    bulk_case = body.get("bulk_case", False)
    if not isinstance(bulk_case, bool):
        raise bad_field("bulk_case: true or false")
    if bulk_case and (
        source_kind not in ("held", "alert") or action in (Action.DELETE, Action.DISMISS)
    ):
        raise bad_field(
            "bulk_case: for an action on a held message or an alert, not delete or dismiss"
        )
    if not reason and action is not Action.DISMISS:
        # The statement of reasons (DSA art. 17) needs one: "" or blanks are not a reason.
        raise ChatError(ErrorCode.REASON_REQUIRED)
    return ActionRequest(
        action,
        subject_id,
        source_kind,
        source_id,
        rule,
        reason,
        duration,
        scope,
        channel,
        message_id,
        conversation_id,
        bulk,
        bulk_case,
    )


@dataclass(frozen=True, slots=True)
class Sanction:
    """What the core needs to know of a stored sanction."""

    id: str
    ts: float
    action: str
    scope: str | None
    until: float | None
    rule: str
    reason: str
    automated: bool
    status: str


def in_force(sanction: Sanction, now: float) -> bool:
    return (
        sanction.action in LASTING
        and sanction.status == Status.ACTIVE
        and (sanction.until is None or sanction.until > now)
    )


def forbids_joining(sanction: Sanction, now: float) -> bool:
    return sanction.action == Action.BAN and in_force(sanction, now)


def forbids_posting(sanction: Sanction, now: float) -> bool:
    return sanction.action == Action.MUTE and in_force(sanction, now)


def moves_out(sanction: Sanction, now: float) -> bool:
    return sanction.action == Action.MOVE_OUT and in_force(sanction, now)


# -- repeat offenders ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RepeatPolicy:
    """``count`` counted sanctions within ``window_s`` → an automatic ``suspension_s`` ban."""

    count: int
    window_s: float
    suspension_s: float


COUNTED = frozenset({Action.WARN, Action.MUTE, Action.KICK})


def repeat_offence(past: Iterable[Sanction], policy: RepeatPolicy, now: float) -> bool:
    """Whether the policy's automatic suspension is due now."""
    if policy.count <= 0:
        return False
    history = list(past)
    last_suspension = max(
        (s.ts for s in history if s.automated and s.rule == REPEAT_OFFENDER_RULE), default=None
    )
    counted = [
        s
        for s in history
        if s.action in COUNTED
        and not s.automated
        and s.status == Status.ACTIVE
        and s.ts >= now - policy.window_s
        and (last_suspension is None or s.ts > last_suspension)
    ]
    return len(counted) >= policy.count


def repeat_reason(policy: RepeatPolicy, lang: str) -> str:
    days = round(policy.window_s / 86400)
    if lang == "en":
        return f"{policy.count} sanctions within {days} days."
    return f"{policy.count} sanctions en {days} jours."


# -- the statement of reasons ----------------------------------------------------------------
_ACTIONS: dict[Action, tuple[str, str]] = {
    Action.WARN: ("Avertissement", "Warning"),
    Action.DELETE: ("Message supprimé", "Message deleted"),
    Action.MUTE: ("Interdiction d'écrire", "Muted"),
    Action.KICK: ("Exclusion de la session", "Removed from the session"),
    Action.BAN: ("Suspension de l'accès", "Access suspended"),
    Action.CLOSE_PM: ("Conversation privée fermée", "Private conversation closed"),
    Action.MOVE_OUT: ("Retrait de l'espace", "Moved out of the space"),
    Action.DISMISS: ("Aucune mesure", "No action"),
}
_SCOPES: dict[str, tuple[str, str]] = {
    Scope.PSEUDONYM: ("ce pseudonyme", "this pseudonym"),
    Scope.DEVICE: ("cet appareil (tous ses pseudonymes)", "this device (all its pseudonyms)"),
    Scope.IP: ("cette connexion internet", "this internet connection"),
}
APPEAL_INSTRUCTION = (
    "Vous pouvez contester cette décision : écrivez vos raisons dans le formulaire de recours "
    "(ou envoyez-les avec ce jeton à POST /api/appeals). Un autre modérateur que l'auteur de "
    "la décision l'examinera.",
    "You can appeal this decision: write your reasons in the appeal form (or send them with "
    "this token to POST /api/appeals). A moderator other than the one who decided will "
    "review it.",
)


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def until_text(until: float | None, lang: str) -> str:
    """ "until …" in words; permanent when None. UTC, so every reader sees the same."""
    if until is None:
        return "for good" if lang == "en" else "définitivement"
    moment = datetime.fromtimestamp(until, UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"until {moment}" if lang == "en" else f"jusqu'au {moment}"


def rule_text(rule: str, lang: str) -> str:
    return _pick(RULES.get(rule, RULES["other"]), lang)


def rule_number(rule: str) -> int:
    """The rule's number in the terms of use (an unknown rule reads as the general one)."""
    return RULE_NUMBERS.get(rule, RULE_NUMBERS["other"])


def rule_citation(rule: str, lang: str) -> str:
    """ "Charte, règle 3 : <the rule>" — what a statement of reasons says it breached."""
    number = rule_number(rule)
    if lang == "en":
        return f"Terms of use, rule {number}: {rule_text(rule, lang)}"
    return f"Charte, règle {number} : {rule_text(rule, lang)}"


def statement(sanction: Sanction, lang: str, appeal_token: str) -> dict[str, Any]:
    """The statement of reasons (DSA art. 17): what, why, how it was decided, how to appeal."""
    action = Action(sanction.action)
    what = _pick(_ACTIONS[action], lang)
    if sanction.scope:
        what += " — " + _pick(_SCOPES[sanction.scope], lang)
    if action in LASTING:
        what += f" ({until_text(sanction.until, lang)})"
    why = rule_citation(sanction.rule, lang)
    if lang == "en":
        how = (
            "Decided automatically by the repeat-offender policy."
            if sanction.automated
            else "Decided by a human moderator."
        )
        reason = f"Reason: {sanction.reason}" if sanction.reason else ""
    else:
        how = (
            "Décision automatique (politique sur les manquements répétés)."
            if sanction.automated
            else "Décision prise par un modérateur humain."
        )
        reason = f"Motif : {sanction.reason}" if sanction.reason else ""
    instruction = _pick(APPEAL_INSTRUCTION, lang)
    text = "\n".join(part for part in (what + ".", why, reason, how, instruction) if part)
    return {
        "sanction_id": sanction.id,
        "action": action.value,
        "scope": sanction.scope,
        "until": sanction.until,
        "rule": sanction.rule,
        "rule_text": why,
        "rule_number": rule_number(sanction.rule),
        "rule_url": f"{TERMS_PATH}?lang={lang}#rule-{rule_number(sanction.rule)}",
        "reason": sanction.reason,
        "automated": sanction.automated,
        "decided_at": sanction.ts,
        "title": _pick(_ACTIONS[action], lang),
        "text": text,
        "appeal_token": appeal_token,
        "appeal_instruction": instruction,
    }


def refusal(code: ErrorCode, sanction: Sanction, lang: str, appeal_token: str) -> ChatError:
    """``banned`` or ``muted``, with the statement that explains it."""
    error = ChatError(
        code,
        until_fr=until_text(sanction.until, "fr"),
        until_en=until_text(sanction.until, "en"),
        reason=rule_text(sanction.rule, lang).rstrip("."),
    )
    error.extra["statement"] = statement(sanction, lang, appeal_token)
    return error


# -- keys ----------------------------------------------------------------------------------
def appeal_token(secret: bytes, sanction_id: str) -> str:
    return hmac.new(secret, f"appeal|{sanction_id}".encode(), hashlib.sha256).hexdigest()[:40]


def ip_key(secret: bytes, ip_prefix: str) -> str:
    """An IP prefix as a ban can name it: keyed, so the database holds no address."""
    return hmac.new(secret, f"ip|{ip_prefix}".encode(), hashlib.sha256).hexdigest()[:32]
