// What a role may do, mirroring core/roles.py. Only decides what the console shows: the
// server checks every request anyway. /api/desk/me's "permissions" wins when present.
const MODERATION = ["queue_read", "sanction", "held_decide", "appeal_decide", "emergency", "preserve"];

const GRANTS = {
  moderator: MODERATION,
  admin: [...MODERATION, "audit_read", "operate"],
  legal: ["emergency", "preserve", "preserve_release", "requisition", "audit_read"],
};

export function permissionsOf(moderator) {
  if (moderator && Array.isArray(moderator.permissions)) return new Set(moderator.permissions);
  return new Set(GRANTS[moderator && moderator.role] || []);
}
