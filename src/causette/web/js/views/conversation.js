// Middle pane: the open rooms and private conversations as tabs with unread counts, the
// active one's messages (a live log), the state of a private conversation and the composer.
import { h } from "../dom.js";
import { t, formatTime } from "../i18n.js";
import { state, subscribe, setActive, changed } from "../state.js";
import { post, leaveRoom, closeTab, respond, olderHistory, dismissCard, blockFromCard, reportFromCard, askReport, clearNote, showTab } from "../client.js";
import { badge, genderClass, tabLabel, userDetails, userSummary, roomCount } from "./common.js";

export function mountConversation(pane, { onUser }) {
  const tablist = h("div", { class: "tabs", attrs: { role: "tablist", "aria-label": t("chat.open_tabs") } });
  const title = h("h2", { class: "conv-title" });
  const subtitle = h("p", { class: "conv-subtitle" });
  // In a private conversation: report the other person (issue 6).
  const headReport = h("button", {
    type: "button", class: "report-button small", dataset: { action: "report" }, text: t("report.action"),
    attrs: { "aria-haspopup": "dialog" }, hidden: true,
    on: { click: () => { if (headReport.dataset.pseudonym) askReport({ pseudonym: headReport.dataset.pseudonym }); } },
  });
  // In a room: who is here, one tap away (on a phone the people are in their own view).
  const headPeople = h("button", {
    type: "button", class: "head-people small", hidden: true,
    on: {
      click: () => {
        state.view = "people";
        changed("view");
        queueMicrotask(() => document.querySelector(".people-list button")?.focus());
      },
    },
  });
  const banner = h("div", { class: "conv-banner" });
  // Safety cards of the active conversation: above the log, so no scrolling hides them.
  const cardsBox = h("div", { class: "safety-cards" });
  // My messages held for moderators, and the note about my last message, by the composer.
  const heldBox = h("ul", { class: "held-list", attrs: { "aria-live": "polite", "aria-label": t("safety.held_list") } });
  const noteBox = h("div", { class: "composer-note" });
  const log = h("ol", { class: "messages", attrs: { role: "log", "aria-live": "polite", "aria-relevant": "additions", tabindex: "0" } });
  const empty = h("div", { class: "no-tab" },
    h("p", { text: t("chat.no_tab") }),
    h("button", {
      type: "button", class: "primary", text: t("chat.see_rooms"),
      on: {
        click: () => {
          state.view = "rooms";
          changed("view");
          queueMicrotask(() => document.querySelector(".room")?.focus());
        },
      },
    }));
  const input = h("input", {
    id: "composer-input", type: "text", name: "text", autocomplete: "off",
    attrs: { maxlength: 500, placeholder: t("chat.message_placeholder"), "aria-label": t("chat.message_label") },
  });
  const sendButton = h("button", { type: "submit", class: "primary", text: t("chat.send") });
  const composer = h("form", { class: "composer", on: { submit: onSend } }, input, sendButton);
  const panel = h("section", { id: "conv-panel", class: "conv-panel", attrs: { role: "tabpanel" } },
    h("div", { class: "conv-head" }, h("div", { class: "conv-head-text" }, title, subtitle), headPeople, headReport), banner, cardsBox, log, heldBox, noteBox, composer);
  // Pending PM requests, visible from any tab (on a phone the rooms pane is out of sight).
  const requestsBar = h("div", { class: "requests-bar", attrs: { "aria-label": t("chat.requests"), role: "region" } });
  pane.append(requestsBar, tablist, empty, panel);

  let rendered = { key: null, count: 0, lastId: 0 };
  let loadingOlder = false;
  // Scrolling to the top asks for the 50 messages before the oldest one shown.
  log.addEventListener("scroll", () => {
    if (log.scrollTop > 40 || loadingOlder || !state.active) return;
    const c = state.channels.get(state.active);
    if (!c || c.noOlder || !c.messages.length || c.messages[0].id <= 1 || (c.gap && c.messages[0].id <= c.gap)) return;
    loadingOlder = true;
    olderHistory(state.active, c.messages[0].id);
  });

  function onSend(event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || !state.active) return;
    if (post(state.active, text) !== null) input.value = "";
    input.focus();
  }

  function messageNode(m) {
    const me = state.me && m.from && m.from.pseudonym === state.me.pseudonym;
    const from = m.from || { pseudonym: "?", gender: "x" };
    const key = state.active; // the log shows the active channel only
    return h("li", { class: ["msg", me && "mine"], dataset: { id: m.id } },
      h("time", { class: "msg-time", text: formatTime(m.ts) }),
      " ",
      h("button", {
        type: "button", class: ["msg-from", "link", genderClass(from)], text: from.pseudonym,
        attrs: { "aria-label": userSummary(from) },
        on: { click: () => onUser(from) },
      }),
      h("span", { class: "sr-only", text: ": " }),
      " ",
      h("span", { class: "msg-text", text: m.text }),
      // Someone else's message: a small report action, a real button in the tab order.
      me || !m.from ? null : [" ", h("button", {
        type: "button", class: "msg-report link", dataset: { action: "report" }, text: t("report.action"),
        attrs: { "aria-haspopup": "dialog", "aria-label": t("report.message_label", { name: from.pseudonym }) },
        on: { click: () => askReport({ pseudonym: from.pseudonym, channel: key, id: m.id, text: m.text }) },
      })]);
  }

  const ADVICE = { ambush: ["place", "friend", "video", "address", "leave"], grooming: ["block", "apps", "pictures", "adult", "help"] };

  function safetyCard(card) {
    const id = `card-${card.id}`;
    const name = card.about;
    const isPm = card.channel.startsWith("pm:");
    return h("section", {
      class: "safety-card", dataset: { kind: card.kind, about: name },
      attrs: { role: "alert", "aria-labelledby": `${id}-title`, tabindex: "-1" },
    },
    h("h3", { id: `${id}-title`, class: "safety-title" },
      h("span", { class: "safety-icon", attrs: { "aria-hidden": "true" }, text: "!" }),
      t(`safety.${card.kind}.title`, { name })),
    h("p", { class: "safety-intro", text: t(`safety.${card.kind}.intro`, { name }) }),
    h("ul", { class: "safety-advice" }, ADVICE[card.kind].map((k) => h("li", { text: t(`safety.${card.kind}.${k}`, { name }) }))),
    h("div", { class: "actions" },
      h("button", {
        type: "button", class: "danger-solid", dataset: { action: "block" },
        text: isPm ? t("safety.block_and_leave") : t("safety.block", { name }),
        attrs: isPm ? { "aria-label": `${t("safety.block_and_leave")} (${name})` } : {},
        on: { click: () => blockFromCard(card.id) },
      }),
      h("button", {
        type: "button", dataset: { action: "report" }, text: t("report.action"),
        attrs: { "aria-haspopup": "dialog", "aria-label": t("report.person_label", { name }) },
        on: { click: () => reportFromCard(card.id) },
      }),
      h("button", {
        type: "button", dataset: { action: "dismiss" }, text: t("safety.dismiss"),
        attrs: { "aria-label": t("safety.dismiss_label") },
        on: { click: () => { dismissCard(card.id); input.focus(); } },
      })));
  }

  function renderCards() {
    const key = state.active;
    const cards = key ? state.cards.filter((c) => c.channel === key) : [];
    const shown = new Set([...cardsBox.children].map((el) => el.dataset.cardId));
    // Keep the nodes already shown (a redraw would re-announce them and lose focus).
    const nodes = cards.map((c) => {
      const old = shown.has(String(c.id)) ? cardsBox.querySelector(`[data-card-id="${c.id}"]`) : null;
      if (old) return old;
      const node = safetyCard(c);
      node.dataset.cardId = String(c.id);
      return node;
    });
    const hadFocus = cardsBox.contains(document.activeElement);
    cardsBox.replaceChildren(...nodes);
    cardsBox.hidden = nodes.length === 0;
    if (hadFocus && !cardsBox.contains(document.activeElement)) input.focus();
  }

  function renderHeld() {
    const key = state.active;
    const list = (key && state.held.get(key)) || [];
    heldBox.hidden = list.length === 0;
    heldBox.replaceChildren(...list.map((x) => h("li", { class: "msg mine held", dataset: { heldId: x.heldId } },
      h("span", { class: "msg-text", text: x.text }),
      // Not x.reason: the server's reason is written for moderators (scores, labels, "safety
      // card shown") and would tell a groomer that the person was warned. Kept in state only.
      h("span", { class: "held-reason", text: t("safety.held", { reason: t("safety.held_no_reason") }) }))));
  }

  function renderNote() {
    const key = state.active;
    const note = key ? state.notes.get(key) : null;
    noteBox.replaceChildren();
    noteBox.hidden = !note;
    if (!note) return;
    noteBox.dataset.kind = note.kind;
    noteBox.append(
      h("p", { attrs: { role: note.kind === "error" ? "alert" : "status" }, text: note.text }),
      h("button", {
        type: "button", class: "note-close", text: "×",
        attrs: { "aria-label": t("safety.note_close"), title: t("safety.note_close") },
        on: { click: () => { clearNote(key); input.focus(); } },
      }));
  }

  function renderTabs() {
    const focusedKey = document.activeElement && document.activeElement.dataset && document.activeElement.dataset.tab;
    tablist.replaceChildren(...state.tabs.map((key, index) => {
      const c = state.channels.get(key);
      const selected = key === state.active;
      const name = tabLabel(state, key);
      const isRoom = key.startsWith("room:");
      return h("div", { class: ["tab-wrap", selected && "selected", !isRoom && "pm"], attrs: { role: "presentation" } },
        h("button", {
          type: "button", class: "tab", dataset: { tab: key }, id: `tab-${index}`,
          attrs: { role: "tab", "aria-selected": selected ? "true" : "false", "aria-controls": "conv-panel", tabindex: selected ? "0" : "-1" },
          on: { click: () => showTab(key), keydown: onTabKey },
        }, isRoom ? "# " : "@ ", name,
        state.cards.some((card) => card.channel === key) ? h("span", { class: "tab-alert", attrs: { "aria-label": t("safety.tab_alert") }, text: "!" }) : null,
        badge(c && !selected ? c.unread : 0)),
        h("button", {
          type: "button", class: "tab-close",
          attrs: { "aria-label": isRoom ? t("chat.leave_room", { name }) : t("chat.close_tab", { name }), title: isRoom ? t("chat.leave_room", { name }) : t("chat.close_tab", { name }) },
          on: { click: () => (isRoom ? leaveRoom(key.slice(5)) : closeTab(key)) },
        }, "×"));
    }));
    if (focusedKey) tablist.querySelector(`[data-tab="${CSS.escape(focusedKey)}"]`)?.focus();
    const selectedIndex = state.tabs.indexOf(state.active);
    if (selectedIndex >= 0) panel.setAttribute("aria-labelledby", `tab-${selectedIndex}`);
    else panel.removeAttribute("aria-labelledby");
    empty.hidden = state.tabs.length > 0;
    panel.hidden = !state.active;
    const total = [...state.channels.values()].reduce((n, c) => n + c.unread, 0);
    document.title = total ? `(${total}) ${t("app.title")}` : t("app.title");
  }

  function activate(key) {
    setActive(key);
    state.view = "chat";
    changed("view");
  }

  function onTabKey(event) {
    const i = state.tabs.indexOf(event.currentTarget.dataset.tab);
    let next = null;
    if (event.key === "ArrowRight") next = (i + 1) % state.tabs.length;
    else if (event.key === "ArrowLeft") next = (i - 1 + state.tabs.length) % state.tabs.length;
    else if (event.key === "Home") next = 0;
    else if (event.key === "End") next = state.tabs.length - 1;
    if (next === null) return;
    event.preventDefault();
    activate(state.tabs[next]);
    queueMicrotask(() => tablist.querySelector(`[data-tab="${CSS.escape(state.tabs[next])}"]`)?.focus());
  }

  function renderHead() {
    const key = state.active;
    banner.replaceChildren();
    banner.hidden = true;
    headReport.hidden = true;
    headPeople.hidden = true;
    let canWrite = state.conn.status === "online" || state.conn.status === "syncing";
    if (!key) return;
    if (key.startsWith("room:")) {
      const room = state.rooms.get(key.slice(5)) || { name: key.slice(5) };
      title.textContent = `# ${room.name}`;
      subtitle.textContent = room.topic || "";
      if (room.joined) {
        headPeople.hidden = false;
        headPeople.textContent = t("chat.people_count", { count: roomCount(state, room) });
      }
    } else {
      const conv = key.startsWith("pm:") ? state.conversations.get(key.slice(3)) : null;
      const who = conv ? conv.with : { pseudonym: key.slice(6) };
      title.textContent = conv ? t("chat.pm_with", { name: who.pseudonym }) : t("chat.pm_draft", { name: who.pseudonym });
      subtitle.textContent = who.age ? userDetails(who) : "";
      headReport.hidden = false;
      headReport.dataset.pseudonym = who.pseudonym;
      headReport.setAttribute("aria-label", t("report.person_label", { name: who.pseudonym }));
      if (conv && conv.state !== "accepted") {
        banner.hidden = false;
        if (conv.state === "pending_in") {
          canWrite = false;
          banner.append(
            h("p", { text: t("chat.pm_pending_in", { name: who.pseudonym }) }),
            h("div", { class: "actions" },
              h("button", { type: "button", class: "primary", text: t("chat.accept"), on: { click: () => respond(conv.id, "accept") } }),
              h("button", { type: "button", text: t("chat.ignore"), on: { click: () => respond(conv.id, "ignore") } }),
              h("button", { type: "button", class: "danger", text: t("chat.block"), on: { click: () => respond(conv.id, "block") } })));
        } else if (conv.state === "pending_out") {
          canWrite = false;
          banner.append(h("p", { text: t("chat.pm_pending_out", { name: who.pseudonym }) }));
        } else if (conv.state === "ignored") {
          canWrite = false;
          banner.append(h("p", { text: t("chat.pm_ignored") }));
        } else {
          canWrite = false;
          banner.append(h("p", { text: t("chat.pm_blocked") }));
        }
      }
    }
    input.disabled = !canWrite;
    sendButton.disabled = !canWrite;
    log.setAttribute("aria-label", t("chat.messages_in", { name: tabLabel(state, key) }));
  }

  function renderMessages() {
    const key = state.active;
    if (!key) { log.replaceChildren(); rendered = { key: null, count: 0, lastId: 0 }; return; }
    const c = state.channels.get(key) || { messages: [], gap: null };
    if (key === state.active && c.unread) { c.unread = 0; changed("tabs", "pms"); }
    const list = c.messages;
    const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
    const fromBottom = log.scrollHeight - log.scrollTop;
    const fresh = list.filter((m) => m.id > rendered.lastId);
    if (rendered.key === key && rendered.count + fresh.length === list.length && rendered.gap === c.gap && rendered.version === (c.version || 0)) {
      for (const m of fresh) log.append(messageNode(m));
    } else {
      const nodes = list.map(messageNode);
      if (c.gap) nodes.unshift(h("li", { class: "gap", text: t("chat.gap") }));
      log.replaceChildren(...nodes);
      // Older messages were added above: keep the reader where they were.
      if (rendered.key === key && !nearBottom) log.scrollTop = log.scrollHeight - fromBottom;
    }
    const sameKey = rendered.key === key;
    rendered = { key, count: list.length, lastId: list.length ? list[list.length - 1].id : 0, gap: c.gap, version: c.version || 0 };
    if (!sameKey || nearBottom) log.scrollTop = log.scrollHeight;
    loadingOlder = false;
  }

  function renderFailed() {
    const f = state.failedText;
    if (f && f.key === state.active && !input.value) input.value = f.text;
    state.failedText = null;
  }

  function renderRequestsBar() {
    const incoming = [...state.conversations.values()]
      .filter((c) => c.state === "pending_in" && !state.blocked.has(c.with.pseudonym) && state.active !== `pm:${c.id}`);
    requestsBar.hidden = incoming.length === 0;
    requestsBar.replaceChildren(...incoming.slice(0, 3).map((conv) => h("button", {
      type: "button", class: "request-chip",
      on: { click: () => showTab(`pm:${conv.id}`) },
    }, t("chat.request_from", { name: conv.with.pseudonym }))));
  }

  /** The cursor goes where the chatter can act: the message box, or (a request to answer,
   * a pending conversation) the first button of the banner, else the log. Never while a
   * dialog is open. */
  function focusActive() {
    if (!state.active || document.querySelector("dialog[open]")) return;
    renderHead();
    if (!input.disabled) input.focus();
    else (banner.querySelector("button") || log).focus();
  }

  function renderAll() {
    renderRequestsBar();
    renderTabs();
    renderHead();
    renderMessages();
    renderCards();
    renderHeld();
    renderNote();
  }

  renderAll();
  subscribe("tabs", renderTabs);
  subscribe("pms", renderRequestsBar);
  subscribe("tabs", renderRequestsBar);
  subscribe("tabs", renderHead);
  subscribe("active", renderHead);
  subscribe("pms", renderHead);
  subscribe("conn", renderHead);
  subscribe("rooms", renderHead);
  subscribe("people", renderHead);
  subscribe("messages", renderMessages);
  subscribe("failed", renderFailed);
  subscribe("cards", renderCards);
  subscribe("active", renderCards);
  subscribe("cards", renderTabs);
  subscribe("messages", renderHeld);
  subscribe("active", renderHeld);
  subscribe("notes", renderNote);
  subscribe("active", renderNote);
  subscribe("focus", () => queueMicrotask(focusActive)); // after this batch (the view shown)
  return { focusComposer: () => input.focus() };
}
