"""Who on the trust and safety desk may do what.

Rules:
- Three roles, given by the operator when creating an account: ``moderator`` (the queue and
  its actions), ``admin`` (a moderator who also reads the audit log and runs the purge and
  the transparency report) and ``legal`` (the legal officer: requisitions, preservation,
  notifications to the authorities).
- Every desk endpoint names one permission; a role has it or the request is refused. The
  table below is the whole policy: tests/server/test_desk_authorization.py walks it.
- Least privilege: moderators never read connection data; only ``legal`` exports it.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    MODERATOR = "moderator"
    ADMIN = "admin"
    LEGAL = "legal"


class Permission(StrEnum):
    QUEUE_READ = "queue_read"  # the queue, a case's context, held messages, appeals
    SANCTION = "sanction"  # dismiss, warn, delete, mute, kick, ban, close PM, move out
    HELD_DECIDE = "held_decide"  # approve or reject a held message
    APPEAL_DECIDE = "appeal_decide"  # uphold or reverse (never one's own sanction)
    EMERGENCY = "emergency"  # prepare and record a notification to the authorities
    PRESERVE = "preserve"  # freeze data past normal purge
    PRESERVE_RELEASE = "preserve_release"  # lift a freeze
    REQUISITION = "requisition"  # record a requisition, export and download its archive
    AUDIT_READ = "audit_read"  # read and verify the audit chain
    OPERATE = "operate"  # purge, transparency report, list moderators


_MODERATION = frozenset(
    {
        Permission.QUEUE_READ,
        Permission.SANCTION,
        Permission.HELD_DECIDE,
        Permission.APPEAL_DECIDE,
        Permission.EMERGENCY,
        Permission.PRESERVE,
    }
)

GRANTS: dict[Role, frozenset[Permission]] = {
    Role.MODERATOR: _MODERATION,
    Role.ADMIN: _MODERATION | {Permission.AUDIT_READ, Permission.OPERATE},
    Role.LEGAL: frozenset(
        {
            Permission.EMERGENCY,
            Permission.PRESERVE,
            Permission.PRESERVE_RELEASE,
            Permission.REQUISITION,
            Permission.AUDIT_READ,
        }
    ),
}


def allowed(role: Role, permission: Permission) -> bool:
    return permission in GRANTS[role]
