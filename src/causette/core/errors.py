"""Stable error codes and their readable messages, in French and English.

Every refusal the server sends is a ``ChatError``: a code from ``ErrorCode`` (stable, part of
the protocol), a message for a person, and sometimes ``retry_after`` seconds. Messages are
looked up by language at the edge, so the core raises codes, never sentences.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    BAD_JSON = "bad_json"
    BAD_EVENT = "bad_event"
    BAD_FIELD = "bad_field"
    FRAME_TOO_BIG = "frame_too_big"
    BINARY_UNSUPPORTED = "binary_unsupported"
    HELLO_REQUIRED = "hello_required"
    NOT_AUTHENTICATED = "not_authenticated"
    PSEUDONYM_INVALID = "pseudonym_invalid"
    PSEUDONYM_TAKEN = "pseudonym_taken"
    PSEUDONYM_REFUSED = "pseudonym_refused"
    AGE_INVALID = "age_invalid"
    AGE_TOO_YOUNG = "age_too_young"
    GENDER_INVALID = "gender_invalid"
    DEPARTMENT_INVALID = "department_invalid"
    POW_INVALID = "pow_invalid"
    POW_EXPIRED = "pow_expired"
    JOIN_RATE_LIMITED = "join_rate_limited"
    REPORT_RATE_LIMITED = "report_rate_limited"
    ROOM_UNKNOWN = "room_unknown"
    NOT_IN_ROOM = "not_in_room"
    TEXT_EMPTY = "text_empty"
    TEXT_TOO_LONG = "text_too_long"
    RATE_LIMITED = "rate_limited"
    PM_RATE_LIMITED = "pm_rate_limited"
    USER_UNKNOWN = "user_unknown"
    PM_REFUSED = "pm_refused"
    PM_PENDING = "pm_pending"
    CONVERSATION_UNKNOWN = "conversation_unknown"
    MESSAGE_BLOCKED = "message_blocked"
    FRESH_NO_LINKS = "fresh_no_links"
    FRESH_PM_LIMIT = "fresh_pm_limit"
    ADULTS_OUT_OF_REACH = "adults_out_of_reach"
    # Join: this device is remembered for an under-15 refusal, a move-out or the other space.
    DEVICE_PAUSED = "device_paused"
    # The trust and safety desk (moderators) and sanctions (chatters).
    FORBIDDEN = "forbidden"
    LOGIN_FAILED = "login_failed"
    LOGIN_THROTTLED = "login_throttled"
    NOT_FOUND = "not_found"
    # An /api/ path that exists, asked with a method it does not take (HTTP 405).
    METHOD_NOT_ALLOWED = "method_not_allowed"
    ALREADY_DECIDED = "already_decided"
    SAME_MODERATOR = "same_moderator"
    NOT_READY = "not_ready"
    REASON_REQUIRED = "reason_required"
    # Cross-site request forgery defences (server/http_api.py ``same_origin``, ``read_body``).
    ORIGIN_REFUSED = "origin_refused"
    UNSUPPORTED_CONTENT_TYPE = "unsupported_content_type"
    # Trusted flaggers (DSA art. 22): a credential the admin revoked files nothing.
    FLAGGER_REVOKED = "flagger_revoked"
    # Shared rule packs (core/rule_lists.py): signed by no trusted issuer, or altered.
    PACK_ISSUER_UNKNOWN = "pack_issuer_unknown"
    PACK_SIGNATURE_INVALID = "pack_signature_invalid"
    # A chatter's own data and messages (server/own_data.py).
    NOT_AUTHOR = "not_author"
    MESSAGE_UNKNOWN = "message_unknown"
    DATA_RATE_LIMITED = "data_rate_limited"
    BANNED = "banned"
    MUTED = "muted"
    MOVED_OUT = "moved_out"
    STORE_UNAVAILABLE = "store_unavailable"
    INTERNAL = "internal"


_MESSAGES: dict[ErrorCode, tuple[str, str]] = {
    ErrorCode.BAD_JSON: ("Le message n'est pas un objet JSON.", "The frame is not a JSON object."),
    ErrorCode.BAD_EVENT: ("Type d'événement absent ou inconnu.", "Missing or unknown event type."),
    ErrorCode.BAD_FIELD: ("Champ invalide : {detail}.", "Invalid field: {detail}."),
    ErrorCode.FRAME_TOO_BIG: ("Message trop volumineux.", "Frame too big."),
    ErrorCode.BINARY_UNSUPPORTED: (
        "Les trames binaires ne sont pas acceptées.",
        "Binary frames are not supported.",
    ),
    ErrorCode.HELLO_REQUIRED: (
        "Le premier message doit être « hello ».",
        "The first frame must be 'hello'.",
    ),
    ErrorCode.NOT_AUTHENTICATED: (
        "Session absente ou expirée : entrez à nouveau.",
        "No session or an expired one: join again.",
    ),
    ErrorCode.PSEUDONYM_INVALID: (
        "Pseudo invalide : 3 à 20 caractères, lettres, chiffres, - et _.",
        "Invalid pseudonym: 3 to 20 characters, letters, digits, - and _.",
    ),
    ErrorCode.PSEUDONYM_TAKEN: (
        "Ce pseudo (ou un pseudo qui lui ressemble trop) est déjà utilisé.",
        "This pseudonym (or one that looks too much like it) is already in use.",
    ),
    ErrorCode.PSEUDONYM_REFUSED: (
        "Ce pseudo n'est pas accepté ici (nom réservé, ou qui vise des mineurs ou un groupe). "
        "Choisis-en un autre.",
        "This pseudonym is not accepted here (a reserved name, or one aimed at minors or at a "
        "group). Please choose another.",
    ),
    ErrorCode.AGE_INVALID: ("Âge invalide.", "Invalid age."),
    ErrorCode.AGE_TOO_YOUNG: (
        "causette est réservé aux 15 ans et plus. Si quelqu'un te met mal à l'aise en ligne, "
        "appelle le 3018 (gratuit, anonyme).",
        "causette is for people aged 15 and over. If someone online makes you feel unsafe, "
        "talk to an adult you trust.",
    ),
    ErrorCode.GENDER_INVALID: ("Genre invalide.", "Invalid gender."),
    ErrorCode.DEPARTMENT_INVALID: ("Département inconnu.", "Unknown département."),
    ErrorCode.POW_INVALID: (
        "Vérification anti-robot invalide ou déjà utilisée.",
        "The anti-bot check is invalid or was already used.",
    ),
    ErrorCode.POW_EXPIRED: (
        "Vérification anti-robot expirée : réessayez.",
        "The anti-bot check expired: try again.",
    ),
    ErrorCode.JOIN_RATE_LIMITED: (
        "Trop d'entrées depuis cette connexion : réessayez dans {retry_after} s.",
        "Too many joins from this connection: retry in {retry_after} s.",
    ),
    ErrorCode.REPORT_RATE_LIMITED: (
        "Trop de signalements depuis cette connexion : réessayez dans {retry_after} s.",
        "Too many reports from this connection: retry in {retry_after} s.",
    ),
    ErrorCode.ROOM_UNKNOWN: ("Salon inconnu.", "Unknown room."),
    ErrorCode.NOT_IN_ROOM: ("Vous n'êtes pas dans ce salon.", "You are not in this room."),
    ErrorCode.TEXT_EMPTY: ("Message vide.", "Empty message."),
    ErrorCode.TEXT_TOO_LONG: (
        "Message trop long ({limit} caractères au plus).",
        "Message too long (at most {limit} characters).",
    ),
    ErrorCode.RATE_LIMITED: (
        "Trop de messages : attendez {retry_after} s.",
        "Too many messages: wait {retry_after} s.",
    ),
    ErrorCode.PM_RATE_LIMITED: (
        "Trop de nouvelles conversations privées : attendez {retry_after} s.",
        "Too many new private conversations: wait {retry_after} s.",
    ),
    ErrorCode.USER_UNKNOWN: (
        "Personne n'est connecté sous ce pseudo.",
        "Nobody online by that name.",
    ),
    ErrorCode.PM_REFUSED: (
        "Cette personne n'accepte pas votre message privé.",
        "This person does not accept your private message.",
    ),
    ErrorCode.PM_PENDING: (
        "Attendez que votre demande soit acceptée avant d'écrire à nouveau.",
        "Wait until your request is accepted before writing again.",
    ),
    ErrorCode.CONVERSATION_UNKNOWN: ("Conversation inconnue.", "Unknown conversation."),
    ErrorCode.MESSAGE_BLOCKED: (
        "Message non envoyé. {reason_fr}",
        "Message not sent. {reason_en}",
    ),
    ErrorCode.FRESH_NO_LINKS: (
        "Compte tout récent : les liens seront possibles dans quelques minutes.",
        "Brand-new account: links will be allowed in a few minutes.",
    ),
    ErrorCode.FRESH_PM_LIMIT: (
        "Compte tout récent : pas plus de {limit} nouvelles conversations privées pour l'instant.",
        "Brand-new account: no more than {limit} new private conversations for now.",
    ),
    ErrorCode.ADULTS_OUT_OF_REACH: (
        "Tu as indiqué avoir moins de 18 ans : les salons et messages privés entre adultes "
        "ne te sont plus accessibles.",
        "You said you are under 18: adult rooms and private messages with adults are no "
        "longer open to you.",
    ),
    # The whole explanation depends on what was remembered (core/devices.py).
    ErrorCode.DEVICE_PAUSED: ("{explanation_fr}", "{explanation_en}"),
    ErrorCode.FORBIDDEN: (
        "Votre rôle ne permet pas cette action.",
        "Your role does not allow this action.",
    ),
    ErrorCode.LOGIN_FAILED: ("Nom ou mot de passe incorrect.", "Wrong name or password."),
    ErrorCode.LOGIN_THROTTLED: (
        "Trop d'essais : réessayez dans {retry_after} s.",
        "Too many attempts: retry in {retry_after} s.",
    ),
    ErrorCode.NOT_FOUND: ("Introuvable.", "Not found."),
    ErrorCode.METHOD_NOT_ALLOWED: (
        "Méthode non acceptée à cette adresse.",
        "This method is not accepted at this address.",
    ),
    ErrorCode.ALREADY_DECIDED: ("Déjà traité.", "Already decided."),
    ErrorCode.NOT_READY: (
        "Pas encore prêt : l'export est en cours ou n'a pas été lancé.",
        "Not ready yet: the export is running or was not started.",
    ),
    ErrorCode.SAME_MODERATOR: (
        "Un recours est tranché par un autre modérateur que l'auteur de la sanction.",
        "An appeal is decided by a moderator other than the one who sanctioned.",
    ),
    ErrorCode.BANNED: (
        "Accès suspendu {until_fr} : {reason}. Vous pouvez contester cette décision.",
        "Access suspended {until_en}: {reason}. You can appeal this decision.",
    ),
    ErrorCode.MUTED: (
        "Vous ne pouvez pas écrire {until_fr} : {reason}.",
        "You cannot post {until_en}: {reason}.",
    ),
    ErrorCode.MOVED_OUT: (
        "Un modérateur t'a retiré de cet espace : ses salons et messages privés ne te sont "
        "plus accessibles.",
        "A moderator moved you out of this space: its rooms and private messages are no "
        "longer open to you.",
    ),
    ErrorCode.REASON_REQUIRED: (
        "Motif obligatoire : la personne sanctionnée doit savoir pourquoi (DSA art. 17).",
        "A reason is required: the person sanctioned must be told why (DSA art. 17).",
    ),
    ErrorCode.ORIGIN_REFUSED: (
        "Requête refusée : elle vient d'un autre site.",
        "Request refused: it comes from another site.",
    ),
    ErrorCode.UNSUPPORTED_CONTENT_TYPE: (
        "Le corps de la requête doit être du JSON (Content-Type: application/json).",
        "The request body must be JSON (Content-Type: application/json).",
    ),
    ErrorCode.FLAGGER_REVOKED: (
        "Cet accès de signaleur de confiance a été révoqué : contactez le service.",
        "This trusted flagger credential was revoked: contact the service.",
    ),
    ErrorCode.PACK_ISSUER_UNKNOWN: (
        "Paquet de règles refusé : il n'est signé par aucun émetteur de confiance.",
        "Rule pack refused: no trusted issuer signed it.",
    ),
    ErrorCode.PACK_SIGNATURE_INVALID: (
        "Paquet de règles refusé : sa signature ne correspond pas (modifié ou mal signé).",
        "Rule pack refused: its signature does not hold (altered or wrongly signed).",
    ),
    ErrorCode.NOT_AUTHOR: (
        "Seul l'auteur d'un message peut le supprimer.",
        "Only a message's author can delete it.",
    ),
    ErrorCode.MESSAGE_UNKNOWN: (
        "Ce message n'existe pas ou n'est plus là.",
        "This message does not exist or is gone.",
    ),
    ErrorCode.DATA_RATE_LIMITED: (
        "Trop de demandes sur vos données : réessayez dans {retry_after} s.",
        "Too many requests about your data: retry in {retry_after} s.",
    ),
    ErrorCode.STORE_UNAVAILABLE: (
        "Enregistrement momentanément impossible : rien n'a été envoyé, réessayez dans "
        "{retry_after} s.",
        "Saving is unavailable for a moment: nothing was sent, retry in {retry_after} s.",
    ),
    ErrorCode.INTERNAL: (
        "Erreur interne : rien n'a été appliqué.",
        "Internal error: nothing was applied.",
    ),
}

LANGUAGES = ("fr", "en")


class ChatError(Exception):
    """A refusal with a stable code; ``params`` fill the readable message."""

    def __init__(self, code: ErrorCode, *, retry_after: float | None = None, **params: Any) -> None:
        super().__init__(code.value)
        self.code = code
        self.retry_after = None if retry_after is None else max(1, round(retry_after + 0.499))
        self.params = params
        # The client's correlation id, when the refusal is about one of its events.
        self.ref: str | None = None
        # Structured fields sent with the message (a ban's statement of reasons).
        self.extra: dict[str, Any] = {}

    def message(self, lang: str = "fr") -> str:
        fr, en = _MESSAGES[self.code]
        template = en if lang == "en" else fr
        return template.format(retry_after=self.retry_after, **self.params)

    def as_dict(self, lang: str = "fr") -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code.value, "message": self.message(lang)}
        if self.retry_after is not None:
            body["retry_after"] = self.retry_after
        body.update(self.extra)
        return body


def bad_field(detail: str) -> ChatError:
    return ChatError(ErrorCode.BAD_FIELD, detail=detail)
