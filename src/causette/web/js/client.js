// The controller: turns server events into state changes and chatter actions into
// client events. It holds no DOM.
import { Connection } from "./socket.js";
import {
  state, changed, channel, addMessage, lastIds, openTab, closeTab, replaceTab, setActive,
  persist, saved, notify, tabKeyForConversation, requestFocus,
} from "./state.js";
import { t, errorText, lang } from "./i18n.js";
import { onModerationEvent, addStatement, mutedNote, rememberReport } from "./sanctions.js";
import { chime } from "./sound.js";

let conn = null;
const pending = new Map(); // ref -> {kind, channel?, to?, text?}
let firstSync = true;
// A new chatter goes straight into a living room: the busiest room of their space, once
// the room list (with counts) arrives, unless they chose something themselves first.
let autoEnter = false;
let autoSlug = null;

/** The busiest room of my space among the themed rooms and my own region's room; Général
 * when nobody is anywhere (or on a tie). */
export function livingRoom() {
  const rooms = [...state.rooms.values()];
  const mine = state.me && state.me.region;
  const candidates = rooms.filter((r) => !isRegionRoom(r) || r.name === mine);
  const general = candidates.find((r) => r.slug === "general" || r.slug === "ados-general") || candidates[0];
  let best = general;
  for (const r of candidates) if ((r.count || 0) > ((best && best.count) || 0)) best = r;
  return best || null;
}

export function isRegionRoom(room) {
  return room.slug.startsWith("region-");
}
// Refusals of a message that deserve to stay in sight above the composer.
const SAFETY_CODES = new Set(["message_blocked", "fresh_no_links", "fresh_pm_limit", "adults_out_of_reach", "moved_out"]);

export function start() {
  conn = new Connection({
    onEvent: handle,
    onState: (s) => {
      state.conn = s;
      changed("conn");
    },
    helloFields: () => ({ last_ids: lastIds(), lang: lang() }), // lang: the server's texts
  });
  conn.connect();
  return conn;
}

export function stop() {
  if (conn) conn.stop();
  conn = null;
}

export function reconnect() {
  if (conn) { conn.stopped = false; conn.retryNow(); }
}

function send(event, meta) {
  const ref = conn ? conn.send(event) : null;
  if (ref === null) {
    notify(t("conn.offline"), "error");
    return null;
  }
  if (meta) pending.set(ref, meta);
  return ref;
}

// ---- actions ----

export function joinRoom(slug) {
  autoEnter = false;
  const key = `room:${slug}`;
  const room = state.rooms.get(slug);
  if (room && room.joined && state.tabs.includes(key)) {
    setActive(key);
    state.view = "chat";
    changed("view");
    requestFocus();
    return;
  }
  send({ type: "join", room: slug }, { kind: "join", slug });
}

/** A tab chosen by the chatter (click, list, chip): shown, with the cursor in the box. */
export function showTab(key) {
  autoEnter = false;
  openTab(key);
  state.view = "chat";
  changed("view");
  requestFocus();
}

export function leaveRoom(slug) {
  send({ type: "leave", room: slug }, { kind: "leave", slug });
  closeTab(`room:${slug}`);
  const room = state.rooms.get(slug);
  if (room) room.joined = false;
  changed("rooms");
}

export function post(key, text) {
  clearNote(key);
  if (key.startsWith("room:")) {
    return send({ type: "post", room: key.slice(5), text }, { kind: "post", channel: key, text });
  }
  if (key.startsWith("pm:")) {
    const conv = state.conversations.get(key.slice(3));
    if (!conv) return null;
    return send({ type: "pm", to: conv.with.pseudonym, text }, { kind: "pm", channel: key, to: conv.with.pseudonym, text });
  }
  if (key.startsWith("draft:")) {
    const to = key.slice(6);
    return send({ type: "pm", to, text }, { kind: "pm", draft: key, to, text });
  }
  return null;
}

export function openPm(pseudonym) {
  for (const conv of state.conversations.values()) {
    if (conv.with && conv.with.pseudonym === pseudonym && conv.state !== "blocked") {
      showTab(tabKeyForConversation(conv));
      return;
    }
  }
  showTab(`draft:${pseudonym}`);
}

export function respond(conversationId, decision) {
  if (send({ type: "pm_respond", conversation: conversationId, decision }, { kind: "respond", conversationId, decision }) === null) return;
  if (decision === "accept") showTab(`pm:${conversationId}`);
  const conv = state.conversations.get(conversationId);
  if (decision === "block" && conv) applyBlock(conv.with.pseudonym); // the block applies everywhere
}

// Typing in a private conversation: at most one notice every 3 s (the server passes on
// no more either), only in an accepted conversation, never in rooms.
const TYPING_EVERY_MS = 3000;
const TYPING_SHOWN_MS = 5000;
let typingSentAt = 0;
export function typing(key) {
  if (!key || !key.startsWith("pm:")) return;
  const conv = state.conversations.get(key.slice(3));
  if (!conv || conv.state !== "accepted" || Date.now() - typingSentAt < TYPING_EVERY_MS) return;
  typingSentAt = Date.now();
  if (conn) conn.send({ type: "typing", conversation: conv.id });
}

function onTyping(ev) {
  if (!ev.channel || !ev.pseudonym || state.blocked.has(ev.pseudonym)) return;
  const until = Date.now() + TYPING_SHOWN_MS;
  state.typing.set(ev.channel, { pseudonym: ev.pseudonym, until });
  changed("typing");
  setTimeout(() => {
    const now = state.typing.get(ev.channel);
    if (now && now.until <= Date.now()) { state.typing.delete(ev.channel); changed("typing"); }
  }, TYPING_SHOWN_MS + 50);
}

export function block(pseudonym) {
  send({ type: "block", pseudonym }, { kind: "block", pseudonym });
}

// ---- safety ----

/** The note above the composer about my last message in `key` (masked, refused…). */
function setNote(key, text, kind) {
  if (!key) return;
  state.notes.set(key, { text, kind });
  changed("notes");
}

export function clearNote(key) {
  if (state.notes.delete(key)) changed("notes");
}

export function dismissCard(id) {
  state.cards = state.cards.filter((c) => c.id !== id);
  changed("cards", "tabs");
}

/** The card's one tap: block the person it is about. In a private conversation the block
 * closes it (as every block does); the card goes with it. */
export function blockFromCard(id) {
  const card = state.cards.find((c) => c.id === id);
  if (!card) return;
  block(card.about);
  state.cards = state.cards.filter((c) => c.about !== card.about);
  changed("cards", "tabs");
}

// ---- reports (issue 6, docs/protocol.md `report`) ----

export const REPORT_CATEGORIES = ["grooming", "ambush", "hate", "harassment", "spam", "personal_data", "other"];

/** Ask the view to open the report dialog. `target`: {pseudonym} for a chatter, or
 * {pseudonym, channel, id, text} for a message; `category` pre-selects one (a card's kind). */
export function askReport(target, category = null) {
  if (!target || !target.pseudonym) return;
  state.report = { target, category, status: "choosing", seq: (state.report ? state.report.seq : 0) + 1 };
  changed("report");
}

/** The second click: send the report. The dialog shows the acknowledgement or the error. */
export function sendReport(category, text = "") {
  const r = state.report;
  if (!r || !REPORT_CATEGORIES.includes(category)) return;
  const event = { type: "report", category };
  if (r.target.channel && typeof r.target.id === "number") {
    event.channel = r.target.channel;
    event.id = r.target.id;
  } else {
    event.pseudonym = r.target.pseudonym;
  }
  const extra = String(text || "").trim().slice(0, 500);
  if (extra) event.text = extra;
  const ref = send(event, { kind: "report", seq: r.seq, about: r.target.pseudonym });
  if (ref === null) {
    r.status = "error";
    r.error = t("conn.offline");
  } else {
    r.status = "sending";
    r.category = category;
  }
  changed("report");
}

export function closeReport() {
  if (!state.report) return;
  state.report = null;
  changed("report");
}

function onReportAnswer(p, ev) {
  const r = state.report;
  const text = ev.type === "report_ack" ? t("report.sent") : errorText(ev);
  notify(text, ev.type === "report_ack" ? "info" : "error");
  if (!r || r.seq !== p.seq) return; // the dialog was closed or reopened: the toast says it
  if (ev.type === "report_ack") {
    r.status = "sent";
    r.reportId = ev.report_id || "";
  } else {
    r.status = "error";
    r.error = text;
  }
  changed("report");
}

/** The card's report button: the same dialog, about the card's person, pre-set to its kind
 * (ambush -> ambush, grooming -> grooming). */
export function reportFromCard(id) {
  const card = state.cards.find((c) => c.id === id);
  if (!card) return;
  askReport({ pseudonym: card.about }, card.kind === "grooming" ? "grooming" : "ambush");
}

let cardSeq = 0;
function onSafetyCard(ev) {
  if (!ev.channel || !ev.about || state.blocked.has(ev.about)) return;
  const kind = ev.kind === "grooming" ? "grooming" : "ambush";
  if (state.cards.some((c) => c.channel === ev.channel && c.kind === kind && c.about === ev.about)) return;
  cardSeq += 1;
  state.cards.push({ id: cardSeq, kind, channel: ev.channel, about: ev.about });
  if (!state.tabs.includes(ev.channel) && (ev.channel.startsWith("room:") || state.conversations.has(ev.channel.slice(3)))) {
    openTab(ev.channel, { activate: false });
  }
  if (state.active !== ev.channel) notify(t("safety.card_elsewhere", { name: ev.about }), "error");
  changed("cards", "tabs");
}

/** A gentle age check: something I wrote sounded younger than my space allows. One card, in
 * the channel where it was said, with two answers; nothing happens until I answer. */
function onAgeCheck(ev) {
  if (!ev.channel || state.cards.some((c) => c.kind === "age_check")) return;
  cardSeq += 1;
  state.cards.push({ id: cardSeq, kind: "age_check", channel: ev.channel, space: ev.space === "teen" ? "teen" : "adult" });
  changed("cards", "tabs");
}

/** My answer to the age check: `under` true when I am younger than my space allows. */
export function answerAgeCheck(id, under) {
  if (!state.cards.some((c) => c.id === id)) return;
  if (conn) conn.send({ type: "age_answer", under });
  state.cards = state.cards.filter((c) => c.id !== id);
  changed("cards", "tabs");
}

function onHeld(ev) {
  const p = ev.ref ? pending.get(ev.ref) : null;
  if (ev.ref) pending.delete(ev.ref);
  const key = ev.channel;
  if (!key) return;
  if (p && p.draft) replaceTab(p.draft, key);
  const list = state.held.get(key) || [];
  list.push({ heldId: ev.held_id, text: p ? p.text : "", reason: ev.reason || "", ts: Date.now() / 1000 });
  state.held.set(key, list);
  changed("messages", "tabs");
}

function onReleased(ev) {
  const list = state.held.get(ev.channel) || [];
  const item = list.find((x) => x.heldId === ev.held_id);
  state.held.set(ev.channel, list.filter((x) => x !== item));
  // The message also comes as a regular `message`; whichever is first shows, once.
  if (item && typeof ev.id === "number") {
    addMessage(ev.channel, { id: ev.id, ts: Date.now() / 1000, from: state.me, text: item.text });
    persist();
  }
  changed("messages", "tabs");
}

export function unblock(pseudonym) {
  send({ type: "unblock", pseudonym }, { kind: "unblock", pseudonym });
}

export function setPolicy(policy) {
  send({ type: "pm_policy", policy }, { kind: "policy", policy });
}

/** Take back one of my messages (a phone number posted by mistake): it leaves every view;
 * the answer is a `deleted` with my ref (docs/protocol.md). */
export function deleteMessage(key, id) {
  if (!key || typeof id !== "number") return;
  send({ type: "delete", channel: key, id }, { kind: "delete", channel: key, id });
}

export function olderHistory(key, before) {
  send({ type: "history", channel: key, before, limit: 50 });
}

export function refreshUsers(slug) {
  send({ type: "users", room: slug });
}

// ---- server events ----

/** Someone I blocked disappears: from lists, from every channel, and their PM tabs close. */
function applyBlock(pseudonym) {
  const already = state.blocked.has(pseudonym);
  state.blocked.add(pseudonym);
  for (const users of state.users.values()) users.delete(pseudonym);
  for (const c of state.channels.values()) {
    const kept = c.messages.filter((m) => !(m.from && m.from.pseudonym === pseudonym));
    for (const m of c.messages) if (!kept.includes(m)) c.ids.delete(m.id);
    c.messages = kept;
  }
  for (const conv of state.conversations.values()) {
    if (conv.with && conv.with.pseudonym === pseudonym) {
      conv.state = "blocked";
      closeTab(`pm:${conv.id}`);
    }
  }
  closeTab(`draft:${pseudonym}`);
  state.cards = state.cards.filter((c) => c.about !== pseudonym);
  if (!already) notify(t("chat.blocked_done", { name: pseudonym }));
  changed("people", "messages", "pms", "tabs", "me", "cards");
}

function roomFrom(obj) {
  const old = state.rooms.get(obj.slug) || {};
  const room = { ...old, ...obj };
  state.rooms.set(obj.slug, room);
  return room;
}

function setUsers(slug, users) {
  const map = new Map();
  for (const u of users || []) map.set(u.pseudonym, u);
  state.users.set(slug, map);
}

function upsertConversation(conv) {
  const old = state.conversations.get(conv.id);
  state.conversations.set(conv.id, conv);
  const key = tabKeyForConversation(conv);
  // A draft to this person becomes the real conversation.
  const draft = `draft:${conv.with.pseudonym}`;
  if (state.tabs.includes(draft)) replaceTab(draft, key);
  if (conv.state === "accepted" && (!old || old.state !== "accepted") && old) {
    openTab(key, { activate: false });
    // The conversation I am looking at opens: the cursor goes to its message box, unless
    // I am busy elsewhere (another field, a dialog).
    const where = document.activeElement;
    if (state.active === key && (!where || where === document.body || where.closest(".conv-panel"))) requestFocus();
  }
  // A request is one notice: its own tab (not activated), marked « demande », counted in
  // the page title; the rooms pane lists it too. No toast on top; a soft tone if the
  // chatter asked for one and is looking elsewhere (sound.js decides).
  if (conv.state === "pending_in" && (!old || old.state !== "pending_in") && !state.blocked.has(conv.with.pseudonym)) {
    openTab(key, { activate: false });
    chime();
  }
  if (conv.state === "blocked" || conv.state === "ignored") {
    if (state.tabs.includes(key) && conv.state === "blocked") closeTab(key);
  }
  changed("pms", "tabs", "messages");
}

function onMessage(ev) {
  const key = ev.channel;
  if (ev.from && state.blocked.has(ev.from.pseudonym)) return;
  const msg = { id: ev.id, ts: ev.ts, from: ev.from, text: ev.text };
  const mine = ev.from && state.me && ev.from.pseudonym === state.me.pseudonym;
  if (!addMessage(key, msg)) {
    // My ack came first with the text I typed; the server's copy is what others see
    // (masked spans included), so that is what I see too.
    const known = mine && channel(key).messages.find((m) => m.id === ev.id);
    if (known && known.text !== ev.text) {
      known.text = ev.text;
      channel(key).version = (channel(key).version || 0) + 1; // the log redraws
      changed("messages");
    }
    return;
  }
  const c = channel(key);
  // Their message is here: they are no longer "writing".
  if (ev.from && state.typing.get(key)?.pseudonym === ev.from.pseudonym) { state.typing.delete(key); changed("typing"); }
  if (key.startsWith("pm:")) {
    const conv = state.conversations.get(key.slice(3));
    if (conv && conv.state === "accepted" && !state.tabs.includes(key)) openTab(key, { activate: false });
  }
  if (!mine && (state.active !== key || document.hidden || state.view !== "chat") && !firstSync) {
    c.unread += 1;
    changed("tabs", "pms");
  }
  // A new private message counts like a request for the tone (rooms never sound).
  if (!mine && !firstSync && key.startsWith("pm:")) chime();
  persist();
  changed("messages", "tabs");
}

function handle(ev) {
  switch (ev.type) {
    case "welcome": {
      state.me = ev.me;
      state.pmPolicy = ev.pm_policy || state.pmPolicy;
      state.blocked = new Set(ev.blocked || []);
      for (const r of state.rooms.values()) r.joined = false;
      for (const r of ev.rooms || []) roomFrom({ ...r, joined: true });
      for (const c of ev.conversations || []) state.conversations.set(c.id, c);
      if (firstSync) {
        const s = saved();
        const joined = new Set((ev.rooms || []).map((r) => `room:${r.slug}`));
        const tabs = (s.tabs || []).filter((k) => joined.has(k) || (k.startsWith("pm:") && state.conversations.has(k.slice(3))));
        for (const k of joined) if (!tabs.includes(k)) tabs.push(k);
        state.tabs = tabs;
        if (s.view) state.view = s.view;
        if (!tabs.length) {
          state.view = "rooms"; // until the living room is open
          autoEnter = !(s.tabs && s.tabs.length);
        }
        setActive(tabs.includes(s.active) ? s.active : tabs[0] || null);
      }
      changed("me", "rooms", "tabs", "pms", "people", "messages");
      break;
    }
    case "synced": {
      send({ type: "rooms" });
      for (const r of state.rooms.values()) if (r.joined) send({ type: "users", room: r.slug });
      if (firstSync) {
        // A fresh page (or a reload): fill every channel I can read with its recent history.
        // A fresh tab sends hello with no last_ids and gets `synced {}`, so the list of
        // channels comes from the welcome (joined rooms, my conversations), not from synced.
        const readable = new Set(Object.keys(ev.channels || {}));
        for (const r of state.rooms.values()) if (r.joined) readable.add(`room:${r.slug}`);
        for (const c of state.conversations.values()) {
          if (["accepted", "pending_in", "pending_out"].includes(c.state)) readable.add(`pm:${c.id}`);
        }
        for (const ch of readable) {
          const c = channel(ch);
          if (c.messages.length >= 50) continue;
          if (!c.messages.length) send({ type: "history", channel: ch, limit: 50 }); // the latest 50
          else if (c.messages[0].id > 1) send({ type: "history", channel: ch, before: c.messages[0].id, limit: 50 });
        }
        firstSync = false;
      }
      state.synced = true;
      changed("conn", "messages");
      break;
    }
    case "message":
      onMessage(ev);
      break;
    case "gap":
      channel(ev.channel).gap = ev.first;
      changed("messages");
      break;
    case "ack": {
      const p = pending.get(ev.ref);
      pending.delete(ev.ref);
      if (!p) break;
      if ((p.kind === "post" || p.kind === "pm") && ev.channel) {
        if (p.draft) replaceTab(p.draft, ev.channel);
        addMessage(ev.channel, { id: ev.id, ts: ev.ts, from: state.me, text: p.text });
        persist();
        changed("messages", "tabs");
      } else if (p.kind === "policy") {
        state.pmPolicy = p.policy;
        notify(t("settings.saved"));
        changed("me");
      }
      break;
    }
    case "report_ack": {
      const p = pending.get(ev.ref);
      pending.delete(ev.ref);
      if (p) rememberReport(ev.report_id, p.about); // its outcome will name the person
      onReportAnswer(p || { seq: -1 }, ev);
      break;
    }
    case "error": {
      const p = ev.ref ? pending.get(ev.ref) : null;
      if (ev.ref) pending.delete(ev.ref);
      if (p && p.kind === "report") {
        onReportAnswer(p, ev);
        break;
      }
      if (ev.code === "not_authenticated") {
        state.conn = { status: "ended" };
        changed("conn");
      }
      if (ev.statement) addStatement(ev.statement); // banned, muted: the decision and the appeal
      // A refused post while muted: the note above the composer says it, with the end.
      if (!(ev.code === "muted" && p && (p.kind === "post" || p.kind === "pm"))) notify(errorText(ev), "error");
      if (p && (p.kind === "post" || p.kind === "pm")) {
        // Nothing typed is lost: the text goes back to the composer, the reason stays above it.
        state.failedText = { key: p.channel || p.draft, text: p.text };
        if (ev.code === "muted") setNote(p.channel || p.draft, mutedNote(ev.statement), "error");
        else if (SAFETY_CODES.has(ev.code)) setNote(p.channel || p.draft, errorText(ev), "error");
        changed("failed");
      }
      break;
    }
    case "joined": {
      const room = roomFrom({ ...ev.room, joined: true });
      setUsers(room.slug, ev.users);
      const key = `room:${room.slug}`;
      for (const m of ev.history || []) {
        if (!(m.from && state.blocked.has(m.from.pseudonym))) addMessage(key, m);
      }
      if (room.slug === autoSlug && state.active) {
        openTab(key, { activate: false }); // they opened something else meanwhile
      } else {
        openTab(key);
        state.view = "chat";
        requestFocus();
      }
      autoSlug = null;
      changed("rooms", "people", "messages", "tabs", "view");
      break;
    }
    case "left": {
      const slug = typeof ev.room === "string" ? ev.room : ev.room && ev.room.slug;
      const room = state.rooms.get(slug);
      if (room) room.joined = false;
      closeTab(`room:${slug}`);
      changed("rooms");
      break;
    }
    case "presence": {
      const room = state.rooms.get(ev.room);
      if (room && typeof ev.count === "number") room.count = ev.count;
      const users = state.users.get(ev.room) || new Map();
      state.users.set(ev.room, users);
      if (ev.joined) users.set(ev.joined.pseudonym, ev.joined);
      if (ev.left) users.delete(typeof ev.left === "string" ? ev.left : ev.left.pseudonym);
      changed("rooms", "people");
      break;
    }
    case "counts":
      for (const [slug, count] of Object.entries(ev.counts || {})) {
        const room = state.rooms.get(slug);
        if (room) room.count = count;
      }
      changed("rooms");
      break;
    case "users":
      setUsers(ev.room, ev.users);
      changed("people");
      break;
    case "rooms":
      for (const r of ev.rooms || []) roomFrom(r);
      if (autoEnter) {
        autoEnter = false;
        const room = livingRoom();
        if (room && !state.active) {
          autoSlug = room.slug;
          send({ type: "join", room: room.slug }, { kind: "join", slug: room.slug });
        }
      }
      changed("rooms");
      break;
    case "conversation":
      upsertConversation(ev.conversation);
      break;
    case "history":
      if (!(ev.messages || []).length) channel(ev.channel).noOlder = true;
      for (const m of ev.messages || []) {
        if (!(m.from && state.blocked.has(m.from.pseudonym))) addMessage(ev.channel, m);
      }
      changed("messages");
      break;
    case "blocked":
      applyBlock(ev.pseudonym);
      break;
    case "unblocked":
      state.blocked.delete(ev.pseudonym);
      notify(t("chat.unblocked_done", { name: ev.pseudonym }));
      for (const r of state.rooms.values()) if (r.joined) send({ type: "users", room: r.slug });
      changed("people", "me");
      break;
    case "safety_card":
      onSafetyCard(ev);
      break;
    case "typing":
      onTyping(ev);
      break;
    case "age_check":
      onAgeCheck(ev);
      break;
    case "held":
      onHeld(ev);
      break;
    case "released":
      onReleased(ev);
      break;
    case "notice":
      setNote(ev.channel, ev.code === "masked" ? t("safety.masked", { reason: ev.message || "" }) : ev.message || "", "info");
      break;
    case "search":
      state.searchResults = ev.users || [];
      changed("people");
      break;
    case "deleted":
      if (ev.ref && pending.get(ev.ref)?.kind === "delete") {
        pending.delete(ev.ref);
        notify(t("chat.deleted_done"));
      }
      onModerationEvent(ev); // gone from the view, whoever took it out (sanctions.js)
      break;
    case "sanction":
    case "report_outcome":
    case "appeal_decided":
      onModerationEvent(ev); // moderation (issue 6): sanctions.js
      break;
    default:
      break;
  }
}

export { setActive, closeTab, openTab, requestFocus };
