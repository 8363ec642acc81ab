// The client's state and its only mutators. Views subscribe to named parts
// ("rooms", "tabs", "messages", "people", "conn", "pms", "me", "notice") and re-render
// those parts; a burst of changes is rendered once (batched in a microtask).
//
// Messages are kept per channel, sorted by id, deduplicated by (channel, id): a message
// replayed after a reconnect, or received both as an ack and as a broadcast, shows once.

const MAX_MESSAGES = 500;
const STORE_KEY = "causette.session";

export const state = {
  me: null,
  meta: null,
  conn: { status: "connecting", retryAt: null },
  rooms: new Map(), // slug -> room object (every room of the space)
  users: new Map(), // slug -> Map(pseudonym -> user)
  conversations: new Map(), // id -> {id, with, state, last_id}
  channels: new Map(), // channel -> {messages, ids, lastId, unread, gap}
  tabs: [], // "room:<slug>", "pm:<id>", "draft:<pseudonym>"
  active: null,
  peopleRoom: null,
  blocked: new Set(),
  pmPolicy: "everyone",
  filters: { ageMin: "", ageMax: "", gender: "", region: "", q: "" },
  notice: null, // {text, kind}
  view: "chat", // phone layout: "rooms" | "chat" | "people"
  // Safety (docs/protocol.md "Safety"): cards shown to the person at risk, my messages
  // held for moderators, and a note above the composer about my last message.
  cards: [], // {id, kind, channel, about}
  held: new Map(), // channel -> [{heldId, text, reason, ts}]
  notes: new Map(), // channel -> {text, kind: "info" | "error"}
  // The report dialog (issue 6): {target, category, status, seq, reportId?, error?} or null.
  report: null,
  // Moderation (issue 6): statements of reasons received (DSA art. 17), the one that ended
  // the session (kick, ban: close 4012), and notices (a report's outcome, an appeal's decision).
  statements: [],
  sanctionEnd: null,
  modNotices: [], // {id, kind, title, lines}
  synced: false,
  typing: new Map(), // "pm:<id>" -> {pseudonym, until}: the other side is writing
};

const listeners = new Map();
const dirty = new Set();
let scheduled = false;

export function subscribe(part, fn) {
  if (!listeners.has(part)) listeners.set(part, new Set());
  listeners.get(part).add(fn);
  return () => listeners.get(part).delete(fn);
}

export function changed(...parts) {
  for (const p of parts) dirty.add(p);
  if (scheduled) return;
  scheduled = true;
  queueMicrotask(() => {
    scheduled = false;
    const parts = [...dirty];
    dirty.clear();
    for (const p of parts) for (const fn of listeners.get(p) || []) fn();
  });
}

export function resetListeners() {
  listeners.clear();
}

// ---- persistence (sessionStorage: survives a reload of this tab, not a new tab) ----

export function saved() {
  try {
    return JSON.parse(sessionStorage.getItem(STORE_KEY) || "{}") || {};
  } catch {
    return {};
  }
}

export function persist() {
  const lastIds = {};
  for (const [ch, c] of state.channels) if (c.lastId > 0) lastIds[ch] = c.lastId;
  const tabs = state.tabs.filter((k) => !k.startsWith("draft:"));
  try {
    sessionStorage.setItem(STORE_KEY, JSON.stringify({ lastIds, tabs, active: state.active, view: state.view }));
  } catch { /* ignore */ }
}

export function forget() {
  try { sessionStorage.removeItem(STORE_KEY); } catch { /* ignore */ }
}

// ---- channels and messages ----

export function channel(key) {
  let c = state.channels.get(key);
  if (!c) {
    c = { messages: [], ids: new Set(), lastId: 0, unread: 0, gap: null };
    state.channels.set(key, c);
  }
  return c;
}

/** Adds a message once; returns true if it was new. */
export function addMessage(key, msg) {
  const c = channel(key);
  if (typeof msg.id !== "number" || c.ids.has(msg.id)) return false;
  c.ids.add(msg.id);
  const list = c.messages;
  if (!list.length || list[list.length - 1].id < msg.id) {
    list.push(msg);
  } else {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].id < msg.id) lo = mid + 1; else hi = mid;
    }
    list.splice(lo, 0, msg);
  }
  if (list.length > MAX_MESSAGES) {
    for (const old of list.splice(0, list.length - MAX_MESSAGES)) c.ids.delete(old.id);
  }
  if (msg.id > c.lastId) c.lastId = msg.id;
  return true;
}

export function lastIds() {
  const out = {};
  const stored = saved().lastIds || {};
  for (const [ch, id] of Object.entries(stored)) if (Number.isInteger(id)) out[ch] = id;
  for (const [ch, c] of state.channels) if (c.lastId > (out[ch] || 0)) out[ch] = c.lastId;
  return out;
}

// ---- tabs ----

export function tabKeyForConversation(conv) {
  return `pm:${conv.id}`;
}

export function openTab(key, { activate = true } = {}) {
  if (!state.tabs.includes(key)) state.tabs.push(key);
  if (activate || !state.active) setActive(key);
  changed("tabs");
  persist();
}

export function setActive(key) {
  // The unread marker ("Nouveaux messages") sits before the first message not yet seen, in
  // the channel being opened; the one left behind forgets its marker.
  const old = state.active ? state.channels.get(state.active) : null;
  if (old && state.active !== key) old.markerId = null;
  const next = key ? state.channels.get(key) : null;
  if (next && state.active !== key) {
    next.markerId = next.unread > 0 ? next.messages[Math.max(0, next.messages.length - next.unread)]?.id ?? null : null;
  }
  state.active = key;
  if (key && key.startsWith("room:")) {
    state.peopleRoom = key.slice(5);
    changed("people");
  }
  const c = key ? state.channels.get(key) : null;
  if (c) c.unread = 0;
  changed("tabs", "messages", "active");
  persist();
}

export function closeTab(key) {
  const i = state.tabs.indexOf(key);
  if (i < 0) return;
  state.tabs.splice(i, 1);
  if (state.active === key) setActive(state.tabs[Math.min(i, state.tabs.length - 1)] || null);
  changed("tabs", "messages");
  persist();
}

export function replaceTab(oldKey, newKey) {
  const i = state.tabs.indexOf(oldKey);
  if (i < 0) return openTab(newKey);
  if (state.tabs.includes(newKey)) state.tabs.splice(i, 1);
  else state.tabs[i] = newKey;
  if (state.active === oldKey) setActive(newKey);
  changed("tabs", "messages");
  persist();
}

/** Ask the conversation view to put the cursor in the message box (or, when it cannot be
 * written in, on what can be done there) once it has rendered the active tab. */
export function requestFocus() {
  changed("focus");
}

export function notify(text, kind = "info") {
  state.notice = { text, kind, at: Date.now() };
  changed("notice");
}

export function isBlocked(pseudonym) {
  return state.blocked.has(pseudonym);
}

/** The private message requests waiting for my answer (none from people I blocked). */
export function requestCount() {
  return [...state.conversations.values()].filter((c) => c.state === "pending_in" && !state.blocked.has(c.with.pseudonym)).length;
}

/** Unread messages, except in `skip` (the conversation in sight) and in pending requests:
 * a request's first message is the request itself, counted once by requestCount(). */
export function unreadCount(skip = null) {
  let n = 0;
  for (const [key, c] of state.channels) {
    if (key === skip) continue;
    if (key.startsWith("pm:") && state.conversations.get(key.slice(3))?.state === "pending_in") continue;
    n += c.unread;
  }
  return n;
}
