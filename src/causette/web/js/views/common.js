// Small view helpers shared by the chat panes.
import { h } from "../dom.js";
import { t, lang } from "../i18n.js";

export function genderClass(u) {
  return `g-${u && ["f", "m", "x"].includes(u.gender) ? u.gender : "x"}`;
}

/** "24 · F · Bretagne" */
export function userDetails(u) {
  return [t("user.age", { age: u.age }), t(`gender_long.${u.gender}`), u.region].filter(Boolean).join(" · ");
}

export function userSummary(u) {
  return t("user.summary", {
    pseudonym: u.pseudonym, age: u.age, gender: t(`gender_long.${u.gender}`), region: u.region || "",
  });
}

export function badge(count, labelKey = "chat.unread") {
  if (!count) return null;
  return h("span", { class: "badge", attrs: { "aria-label": t(labelKey, { count }) } }, String(count > 99 ? "99+" : count));
}

export function tabLabel(state, key) {
  if (key.startsWith("room:")) {
    const room = state.rooms.get(key.slice(5));
    return room ? room.name : key.slice(5);
  }
  if (key.startsWith("pm:")) {
    const conv = state.conversations.get(key.slice(3));
    return conv ? conv.with.pseudonym : "…";
  }
  if (key.startsWith("draft:")) return key.slice(6);
  return key;
}

/** How many people a room shows: for a room I am in, the people I can see (those I blocked
 * are not counted, so the counter and the list agree); else the server's count. */
export function roomCount(state, room) {
  const users = room.joined ? state.users.get(room.slug) : null;
  if (users) {
    let n = 0;
    for (const name of users.keys()) if (!state.blocked.has(name)) n += 1;
    return n;
  }
  return room.count ?? 0;
}

/** Up to two letters for an avatar: "Lea_75" -> "L", "jean-marc" -> "JM". */
export function initials(pseudonym) {
  const parts = String(pseudonym || "?").split(/[_\-\s]+/).filter((p) => /\p{L}/u.test(p));
  const letters = (parts.length ? parts : [String(pseudonym || "?")]).slice(0, 2).map((p) => [...p.replace(/[^\p{L}\p{N}]/gu, "")][0] || "");
  return letters.join("").toUpperCase() || "?";
}

/** A stable colour per pseudonym: one of eight classes (no style attribute under the CSP). */
export function avatarClass(pseudonym) {
  let hash = 0;
  for (const ch of String(pseudonym || "")) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return `av-${hash % 8}`;
}

export function sameDay(a, b) {
  return new Date(a * 1000).toDateString() === new Date(b * 1000).toDateString();
}

/** "Aujourd'hui", "Hier", or the date. */
export function dayLabel(ts) {
  const day = new Date(ts * 1000);
  const today = new Date();
  const yesterday = new Date(today.getTime() - 86400000);
  if (day.toDateString() === today.toDateString()) return t("chat.today");
  if (day.toDateString() === yesterday.toDateString()) return t("chat.yesterday");
  return new Intl.DateTimeFormat(lang(), { weekday: "long", day: "numeric", month: "long" }).format(day);
}
