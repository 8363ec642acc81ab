// Small view helpers shared by the chat panes.
import { h } from "../dom.js";
import { t } from "../i18n.js";

export function genderClass(u) {
  return `g-${u && ["f", "m", "x"].includes(u.gender) ? u.gender : "x"}`;
}

/** "24 · F · Bretagne" */
export function userDetails(u) {
  return [t("user.age", { age: u.age }), t(`gender.${u.gender}`), u.region].filter(Boolean).join(" · ");
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
