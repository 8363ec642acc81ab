// Moderation decisions on the chatter's side (issue 6; docs/protocol.md "Sanctions").
//
// Owns: the statement-of-reasons card (DSA art. 17: what was decided, why, how, when, and
// how to appeal), the appeal form and the appeal's status (art. 20, over the public HTTP
// endpoints, so a banned chatter without a session can still appeal), the notices about a
// report's outcome and an appeal's decision, and the removal of deleted messages.
//
// Rules:
// - Server text is only ever set as text (dom.js); the card is built from the statement's
//   fields, in the interface's language, with the moderator's own words quoted as they are.
// - Only statements are kept in localStorage (they hold the appeal token): a chatter who is
//   banned and reloads, or comes back later, can still read the decision and follow the
//   appeal. A statement leaves storage when the chatter hides it, when it is lifted, and
//   when a lasting sanction's end has passed.
import { h, nextId } from "./dom.js";
import { t, lang, errorText } from "./i18n.js";
import { api } from "./api.js";
import { state, changed } from "./state.js";
import { legalHref } from "./legal.js";

const STORE_KEY = "causette.statements";
const KEEP = 5; // the newest statements kept; older ones only matter to the moderators
const LASTING = new Set(["ban", "mute", "move_out"]);
const ACTIONS = new Set(["warn", "delete", "mute", "kick", "ban", "close_pm", "move_out"]);
export const ENDS_SESSION = new Set(["kick", "ban"]);

// ---- storage ----

function isStatement(st) {
  return Boolean(st) && typeof st === "object" && typeof st.sanction_id === "string" &&
    typeof st.appeal_token === "string" && ACTIONS.has(st.action);
}

function over(st, now = Date.now() / 1000) {
  return LASTING.has(st.action) && typeof st.until === "number" && st.until <= now;
}

export function storedStatements() {
  let list = [];
  try {
    list = JSON.parse(localStorage.getItem(STORE_KEY) || "[]");
  } catch {
    list = [];
  }
  return Array.isArray(list) ? list.filter((st) => isStatement(st) && !over(st)) : [];
}

function save(list) {
  try {
    if (list.length) localStorage.setItem(STORE_KEY, JSON.stringify(list.slice(-KEEP)));
    else localStorage.removeItem(STORE_KEY);
  } catch { /* storage may be unavailable: the card still shows for this page */ }
}

export function rememberStatement(st) {
  if (!isStatement(st)) return;
  save([...storedStatements().filter((s) => s.sanction_id !== st.sanction_id), st]);
}

export function forgetStatement(sanctionId) {
  save(storedStatements().filter((s) => s.sanction_id !== sanctionId));
}

// ---- words ----

function formatDate(ts) {
  return new Intl.DateTimeFormat(lang(), {
    day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit",
  }).format(new Date(ts * 1000));
}

/** "jusqu'au 12 mai 2026 à 14:30" or "définitivement". */
export function untilText(until) {
  return typeof until === "number" ? t("sanction.until", { date: formatDate(until) }) : t("sanction.forever");
}

function whatText(st) {
  const until = untilText(st.until);
  const parts = [t(`sanction.what.${st.action}`, { until })];
  if (st.action === "ban" && ["pseudonym", "device", "ip"].includes(st.scope)) parts.push(t(`sanction.scope.${st.scope}`));
  return parts.join(" ");
}

/** The note above the composer when a post is refused with `muted`. */
export function mutedNote(st) {
  const reason = (st && (st.reason || st.rule_text)) || "";
  return t("sanction.muted_note", { until: untilText(st ? st.until : null), reason: reason || t("sanction.no_reason") });
}

// ---- the statement card ----

/**
 * The statement of reasons as a card, with its appeal form and status. Returns the card's
 * element; `decided(decision, text)` on it shows an appeal's decision that came live.
 * onHide(sanctionId): the chatter hides the card (absent: no hide button).
 */
export function statementCard(st, { onHide = null, announce = false, heading = "h3" } = {}) {
  const id = nextId("statement");
  const textId = nextId("appeal-text");
  const formId = nextId("appeal-form");
  // The rule's number links to it in the terms (the teen version in the teen space).
  const ruleLink = Number.isInteger(st.rule_number) ? h("a", {
    class: "rule-link", text: t("sanction.rule_link", { number: st.rule_number }),
    href: legalHref(state.me && state.me.space === "teen" ? "terms-teen" : "terms", `#rule-${st.rule_number}`),
    attrs: { target: "_blank", rel: "noopener" },
  }) : null;
  const facts = [
    [t("sanction.label.why"), st.rule_text || t("sanction.rule_unknown"), ruleLink],
    st.reason ? [t("sanction.label.reason"), st.reason] : null,
    [t("sanction.label.how"), t(st.automated ? "sanction.how.automated" : "sanction.how.human")],
    typeof st.decided_at === "number" ? [t("sanction.label.when"), formatDate(st.decided_at)] : null,
  ].filter(Boolean);

  const status = h("p", { class: "appeal-status", attrs: { role: "status", "aria-live": "polite" } });
  const intro = h("p", { class: "sanction-appeal-intro", text: t("sanction.appeal_intro") });
  const decision = h("p", { class: "appeal-decision", hidden: true });
  const appealButton = h("button", {
    type: "button", class: "primary", dataset: { action: "appeal" }, text: t("sanction.appeal"),
    attrs: { "aria-expanded": "false", "aria-controls": formId },
    on: { click: openForm },
  });
  const checkButton = h("button", {
    type: "button", dataset: { action: "check" }, text: t("sanction.appeal_check"), hidden: true,
    on: { click: () => refresh(true) },
  });
  const hideButton = onHide ? h("button", {
    type: "button", class: "ghost", dataset: { action: "hide" }, text: t("sanction.hide"),
    attrs: { "aria-label": t("sanction.hide_label") },
    on: { click: () => onHide(st.sanction_id) },
  }) : null;
  const textarea = h("textarea", {
    id: textId, name: "appeal-text", rows: 3,
    attrs: { maxlength: 2000, placeholder: t("sanction.appeal_placeholder") },
  });
  const sendButton = h("button", { type: "submit", class: "primary", text: t("sanction.appeal_send") });
  const form = h("form", { id: formId, class: "appeal-form", hidden: true, on: { submit: onSubmit } },
    h("div", { class: "field" }, h("label", { htmlFor: textId, text: t("sanction.appeal_text") }), textarea),
    h("div", { class: "actions" },
      sendButton,
      h("button", { type: "button", text: t("sanction.appeal_cancel"), on: { click: closeForm } })));

  const card = h("section", {
    class: "sanction-statement", dataset: { action: st.action, sanctionId: st.sanction_id, state: "active" },
    attrs: { "aria-labelledby": `${id}-title`, role: announce ? "alert" : null },
  },
  h(heading, { id: `${id}-title`, class: "sanction-title", attrs: { tabindex: "-1" } },
    h("span", { class: "sanction-icon", attrs: { "aria-hidden": "true" }, text: "§" }),
    t(`sanction.action.${st.action}`)),
  h("p", { class: "sanction-what", text: whatText(st) }),
  h("dl", { class: "sanction-facts" }, facts.map(([label, value, link]) => h("div", {}, h("dt", { text: label }), h("dd", {}, value, link ? [" ", link] : null)))),
  intro,
  h("div", { class: "actions" }, appealButton, checkButton, hideButton),
  form, status, decision);

  function openForm() {
    form.hidden = false;
    appealButton.setAttribute("aria-expanded", "true");
    textarea.focus();
  }

  function closeForm() {
    form.hidden = true;
    appealButton.setAttribute("aria-expanded", "false");
    appealButton.focus();
  }

  function say(text, kind = "info") {
    status.textContent = text;
    status.dataset.kind = kind;
  }

  /** An appeal exists: no second one (one per sanction); its status can be checked. */
  function appealed(moveFocus = form.contains(document.activeElement) || appealButton === document.activeElement) {
    form.hidden = true;
    intro.hidden = true; // the status below says where the appeal is
    appealButton.hidden = true;
    appealButton.setAttribute("aria-expanded", "false");
    checkButton.hidden = false;
    if (moveFocus) checkButton.focus();
  }

  function showDecision(outcome, text) {
    card.dataset.state = outcome === "reverse" ? "lifted" : "upheld";
    appealed();
    if (outcome === "reverse") {
      // Nothing left to follow; the focus, if it was on the button, goes to the title.
      if (checkButton === document.activeElement) card.querySelector(".sanction-title").focus();
      checkButton.hidden = true;
    }
    say(t(outcome === "reverse" ? "sanction.appeal_status.reversed" : "sanction.appeal_status.upheld"), outcome === "reverse" ? "ok" : "info");
    decision.hidden = !text;
    decision.textContent = text ? t("sanction.explanation", { text }) : "";
    if (outcome === "reverse") {
      forgetStatement(st.sanction_id);
      card.dispatchEvent(new CustomEvent("sanction-lifted", { bubbles: true }));
    }
  }

  async function onSubmit(event) {
    event.preventDefault();
    const text = textarea.value.trim();
    if (!text) {
      say(t("sanction.appeal_empty"), "error");
      textarea.focus();
      return;
    }
    // Disabling the button drops the focus to the page: appealed(true) brings it back.
    sendButton.disabled = true;
    say(t("sanction.appeal_sending"));
    try {
      await api.appeal(st.appeal_token, text);
      appealed(true);
      say(t("sanction.appeal_received"), "ok");
    } catch (err) {
      if (err.code === "already_decided") {
        appealed(true);
        say(t("sanction.appeal_already"));
      } else {
        say(err.code === "not_found" ? t("sanction.not_found") : errorText(err), "error");
        textarea.focus();
      }
    } finally {
      sendButton.disabled = false;
    }
  }

  /** The appeal's status from the server; `loud`: the chatter asked (errors are shown). */
  async function refresh(loud = false) {
    let answer;
    try {
      answer = await api.appealStatus(st.appeal_token, lang());
    } catch (err) {
      if (loud) say(err.code === "not_found" ? t("sanction.not_found") : errorText(err), "error");
      return;
    }
    const appeal = answer && answer.appeal;
    const lifted = answer && answer.sanction && answer.sanction.status === "reversed";
    if (lifted || (appeal && appeal.status === "reversed")) {
      showDecision("reverse", appeal ? appeal.decision : "");
    } else if (appeal && appeal.status === "upheld") {
      showDecision("uphold", appeal.decision);
    } else if (appeal) {
      appealed();
      say(t("sanction.appeal_status.open"));
    } else if (loud) {
      say(t("sanction.appeal_status.none"));
    }
  }

  card.decided = showDecision;
  refresh(false); // an appeal filed before a reload, or a sanction lifted meanwhile
  return card;
}

// ---- the chat screen's moderation area ----

const cards = new Map(); // sanction_id -> card element (kept across renders: focus, typing)
const reportsAbout = new Map(); // report_id -> the pseudonym it was about
const arrival = new Map(); // sanction_id or "notice-<id>" -> order of arrival (newest shown first)
let arrivals = 0;
let noticeSeq = 0;

function arrived(key) {
  if (!arrival.has(key)) arrival.set(key, ++arrivals);
  return arrival.get(key);
}

export function rememberReport(reportId, pseudonym) {
  if (reportId && pseudonym) reportsAbout.set(reportId, pseudonym);
}

/** A statement reached this chatter (event `sanction`, or an error that carries one). */
export function addStatement(st) {
  if (!isStatement(st)) return;
  rememberStatement(st);
  if (ENDS_SESSION.has(st.action)) state.sanctionEnd = st;
  if (!state.statements.some((s) => s.sanction_id === st.sanction_id)) state.statements.push(st);
  arrived(st.sanction_id);
  changed("moderation", "conn");
}

export function hideStatement(sanctionId) {
  forgetStatement(sanctionId);
  state.statements = state.statements.filter((s) => s.sanction_id !== sanctionId);
  changed("moderation");
}

/** The statements kept from before this page (a reload, a ban): shown again. */
export function loadStatements() {
  for (const st of storedStatements()) {
    if (!state.statements.some((s) => s.sanction_id === st.sanction_id)) state.statements.push(st);
    arrived(st.sanction_id);
  }
  changed("moderation");
}

function addNotice(kind, title, lines) {
  noticeSeq += 1;
  arrived(`notice-${noticeSeq}`);
  state.modNotices.push({ id: noticeSeq, kind, title, lines: lines.filter(Boolean) });
  changed("moderation");
}

function closeNotice(id) {
  state.modNotices = state.modNotices.filter((n) => n.id !== id);
  changed("moderation");
}

/** The events of docs/protocol.md about moderation; true when `ev` was one of them. */
export function onModerationEvent(ev) {
  switch (ev.type) {
    case "sanction":
      addStatement(ev.statement);
      return true;
    case "deleted": {
      // Gone from the history for everyone: gone from this view too.
      const c = state.channels.get(ev.channel);
      if (c && typeof ev.id === "number" && c.messages.some((m) => m.id === ev.id)) {
        c.messages = c.messages.filter((m) => m.id !== ev.id); // the id stays known: no replay brings it back
        c.version = (c.version || 0) + 1; // the log redraws
        changed("messages");
      }
      return true;
    }
    case "report_outcome": {
      const about = reportsAbout.get(ev.report_id);
      const outcome = ["dismiss", "warn", "delete", "mute", "kick", "ban", "close_pm", "move_out"].includes(ev.outcome)
        ? t(`pr.outcome.${ev.outcome}`) : String(ev.text || ev.outcome || "");
      addNotice("outcome", t("moderation.outcome_title"), [
        about ? t("moderation.outcome_about", { name: about, outcome }) : t("moderation.outcome", { outcome }),
        ev.report_id ? t("report.reference", { id: ev.report_id }) : null,
      ]);
      return true;
    }
    case "appeal_decided": {
      const reversed = ev.decision === "reverse";
      const card = cards.get(ev.sanction_id);
      if (card) card.decided(ev.decision, ev.text || "");
      else if (reversed) forgetStatement(ev.sanction_id);
      if (reversed && state.sanctionEnd && state.sanctionEnd.sanction_id === ev.sanction_id) state.sanctionEnd = null;
      addNotice(reversed ? "lifted" : "upheld", t("moderation.appeal_title"), [
        t(reversed ? "sanction.appeal_status.reversed" : "sanction.appeal_status.upheld"),
        ev.text ? t("sanction.explanation", { text: ev.text }) : null,
      ]);
      return true;
    }
    default:
      return false;
  }
}

/** The area above the panes: statements first, then notices. Visible from every pane. */
export function mountModeration(area, subscribe) {
  const notices = new Map(); // notice id -> element (kept: not announced again on each render)

  function noticeNode(n) {
    return h("section", { class: "moderation-notice", dataset: { kind: n.kind }, attrs: { role: "status" } },
      h("div", { class: "moderation-notice-text" },
        h("p", { class: "moderation-notice-title", text: n.title }),
        n.lines.map((line) => h("p", { text: line }))),
      h("button", {
        type: "button", class: "note-close", text: "×",
        attrs: { "aria-label": t("moderation.notice_close"), title: t("moderation.notice_close") },
        on: { click: () => closeNotice(n.id) },
      }));
  }

  function render() {
    const hadFocus = area.contains(document.activeElement);
    const shown = new Set(state.statements.map((s) => s.sanction_id));
    for (const key of [...cards.keys()]) if (!shown.has(key)) cards.delete(key);
    const fresh = [];
    const items = state.statements.map((st) => {
      let card = cards.get(st.sanction_id);
      if (!card || !area.contains(card)) {
        const ended = state.sanctionEnd && state.sanctionEnd.sanction_id === st.sanction_id && st.action === "ban";
        card = statementCard(st, { onHide: ended ? null : hideStatement, announce: true });
        cards.set(st.sanction_id, card);
        fresh.push(card);
      }
      return [arrived(st.sanction_id), card];
    });
    const open = new Set(state.modNotices.map((n) => n.id));
    for (const id of [...notices.keys()]) if (!open.has(id)) notices.delete(id);
    for (const n of state.modNotices) {
      let node = notices.get(n.id);
      if (!node) {
        node = noticeNode(n);
        notices.set(n.id, node);
        fresh.push(node);
      }
      items.push([arrived(`notice-${n.id}`), node]);
    }
    items.sort((a, b) => b[0] - a[0]); // the newest on top, in sight without scrolling
    area.replaceChildren(...items.map(([, node]) => node));
    area.hidden = items.length === 0;
    if (fresh.length) area.scrollTop = 0;
    // The session ended (kick, ban): nothing else to do here, so the decision takes the focus.
    const ending = fresh.find((c) => state.sanctionEnd && c.dataset.sanctionId === state.sanctionEnd.sanction_id);
    if (ending && state.conn.status === "sanctioned") ending.querySelector(".sanction-title").focus();
    else if (hadFocus && !area.contains(document.activeElement)) document.getElementById("composer-input")?.focus();
  }
  render();
  subscribe("moderation", render);
  subscribe("conn", () => {
    // The close (4012) comes after the statement: once it has, the decision takes the focus.
    if (state.conn.status !== "sanctioned" || !state.sanctionEnd) return;
    const card = cards.get(state.sanctionEnd.sanction_id);
    if (card && !card.contains(document.activeElement)) {
      // Banned: the decision and the appeal are all that is left here; it cannot be hidden.
      if (state.sanctionEnd.action === "ban") card.querySelector("[data-action=hide]")?.remove();
      card.querySelector(".sanction-title").focus();
    }
  });
}

/** The join screen's part: the decisions that still keep this browser out, with the appeal. */
export function joinStatements() {
  const box = h("section", { class: "join-statements", attrs: { "aria-labelledby": "join-statements-title" } });
  const shown = new Set();
  function show(st, focus = false) {
    if (!isStatement(st)) return;
    rememberStatement(st);
    if (!shown.has(st.sanction_id)) {
      shown.add(st.sanction_id);
      const card = statementCard(st, {
        heading: "h3",
        onHide: (sid) => { forgetStatement(sid); card.remove(); shown.delete(sid); box.hidden = shown.size === 0; },
      });
      box.append(card);
    }
    box.hidden = false;
    if (focus) box.querySelector(`[data-sanction-id="${CSS.escape(st.sanction_id)}"] .sanction-title`)?.focus();
  }
  box.append(h("h2", { id: "join-statements-title", class: "join-statements-title", text: t("sanction.join_title") }));
  box.hidden = true;
  for (const st of storedStatements()) if (st.action === "ban") show(st);
  return { box, show };
}
