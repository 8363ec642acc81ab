// Middle pane: the open rooms and private conversations as tabs with unread counts, the
// active one's messages (a live log), the state of a private conversation and the composer.
import { h } from "../dom.js";
import { t, formatTime } from "../i18n.js";
import { state, subscribe, setActive, changed, requestCount, unreadCount } from "../state.js";
import { post, leaveRoom, closeTab, respond, olderHistory, dismissCard, answerAgeCheck, blockFromCard, reportFromCard, askReport, clearNote, showTab, openPm, typing, deleteMessage } from "../client.js";
import { badge, genderClass, tabLabel, userDetails, userSummary, roomCount, initials, avatarClass, sameDay, dayLabel } from "./common.js";

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
  const headClose = h("button", {
    type: "button", class: "head-close small",
    on: { click: () => { if (state.active) closeKey(state.active); } },
  });
  const banner = h("div", { class: "conv-banner" });
  // Safety cards of the active conversation: above the log, so no scrolling hides them.
  const cardsBox = h("div", { class: "safety-cards" });
  // My messages held for moderators, and the note about my last message, by the composer.
  const heldBox = h("ul", { class: "held-list", attrs: { "aria-live": "polite", "aria-label": t("safety.held_list") } });
  const noteBox = h("div", { class: "composer-note" });
  // The log (a live region that scrolls) holds a list: role=log on the <ol> itself would
  // strip its list semantics and leave the <li> orphans.
  const list = h("ol", { class: "msg-list" });
  const log = h("div", { class: "messages", attrs: { role: "log", "aria-live": "polite", "aria-relevant": "additions", tabindex: "0" } }, list);
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
  input.addEventListener("input", () => { if (input.value.trim()) typing(state.active); });
  // "Dan écrit…" under the log of a private conversation (not a live region: it would
  // talk over the messages).
  const typingLine = h("p", { class: "typing-line", hidden: true });
  const sendButton = h("button", { type: "submit", class: "primary", text: t("chat.send") });
  const composer = h("form", { class: "composer", on: { submit: onSend } }, input, sendButton);
  const panel = h("section", { id: "conv-panel", class: "conv-panel", attrs: { role: "tabpanel" } },
    h("div", { class: "conv-head" }, h("div", { class: "conv-head-text" }, title, subtitle), headPeople, headReport, headClose), banner, cardsBox, log, typingLine, heldBox, noteBox, composer);
  pane.append(tablist, empty, panel);

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

  /** One message. `prev`: the message before it (same author within the same minute: the
   * head — avatar, name, time — is not repeated). */
  function messageNode(m, prev) {
    const me = state.me && m.from && m.from.pseudonym === state.me.pseudonym;
    const from = m.from || { pseudonym: "?", gender: "x" };
    const key = state.active; // the log shows the active channel only
    const cont = Boolean(prev && prev.from && m.from && prev.from.pseudonym === m.from.pseudonym
      && Math.floor(prev.ts / 60) === Math.floor(m.ts / 60) && sameDay(prev.ts, m.ts));
    const head = cont ? h("span", { class: "sr-only", text: `${from.pseudonym} : ` }) : h("div", { class: "msg-head" },
      me ? null : h("span", { class: ["avatar", avatarClass(from.pseudonym)], attrs: { "aria-hidden": "true" }, text: initials(from.pseudonym) }),
      h("button", {
        type: "button", class: ["msg-from", "link", genderClass(from)], text: me ? t("chat.me_label") : from.pseudonym,
        attrs: { "aria-label": me ? t("chat.me_label") : userSummary(from) },
        on: { click: () => onUser(from) },
      }),
      h("span", { class: "sr-only", text: " : " }),
      h("time", { class: "msg-time", text: formatTime(m.ts) }));
    // My own message: its menu takes it back (a phone number posted by mistake).
    const actions = !m.from ? null : me ? h("span", { class: "msg-actions" }, msgMenu(from, key, m, true)) : h("span", { class: "msg-actions" },
      // Someone else's message: the report action (two clicks, issue 6) and a menu with the
      // rest, both real buttons in the tab order.
      h("button", {
        type: "button", class: "msg-report", dataset: { action: "report" }, text: t("report.action"),
        attrs: { "aria-haspopup": "dialog", "aria-label": t("report.message_label", { name: from.pseudonym }) },
        on: { click: () => askReport({ pseudonym: from.pseudonym, channel: key, id: m.id, text: m.text }) },
      }),
      msgMenu(from, key, m));
    return h("li", { class: ["msg", me && "mine", cont && "cont"], dataset: { id: m.id } },
      head,
      h("div", { class: "msg-body" }, h("span", { class: "msg-text", text: m.text }), actions));
  }

  /** "⋯": private message, block, report — or, on my own message, delete it — a menu
   * button (arrows, Escape). */
  function msgMenu(from, key, m, mine = false) {
    const wrap = h("span", { class: "msg-menu-wrap" });
    const label = mine ? t("chat.msg_menu_mine") : t("chat.msg_menu", { name: from.pseudonym });
    const button = h("button", {
      type: "button", class: "msg-menu-button",
      attrs: { "aria-haspopup": "menu", "aria-expanded": "false", "aria-label": label, title: label },
      on: { click: () => (wrap.querySelector(".msg-menu") ? closeMenu(wrap, true) : openMenu()) },
    }, "⋯");
    wrap.append(button);
    function openMenu() {
      for (const other of log.querySelectorAll(".msg-menu-wrap")) if (other !== wrap) closeMenu(other, false);
      const item = (action, text, fn) => h("button", {
        type: "button", class: "msg-menu-item", dataset: { action }, text, attrs: { role: "menuitem", tabindex: "-1" },
        on: { click: () => { closeMenu(wrap, false); fn(); } },
      });
      const items = mine ? [
        item("delete", t("chat.delete_mine"), () => { deleteMessage(key, m.id); input.focus(); }),
      ] : [
        item("pm", t("chat.send_pm"), () => openPm(from.pseudonym)),
        item("block", t("chat.block"), () => onUser(from, { confirmBlock: true })),
        item("report", t("report.action"), () => askReport({ pseudonym: from.pseudonym, channel: key, id: m.id, text: m.text })),
      ];
      const menu = h("div", {
        class: "msg-menu", attrs: { role: "menu", "aria-label": label },
        on: {
          keydown: (event) => {
            const i = items.indexOf(document.activeElement);
            let next = null;
            if (event.key === "ArrowDown") next = (i + 1) % items.length;
            else if (event.key === "ArrowUp") next = (i - 1 + items.length) % items.length;
            else if (event.key === "Home") next = 0;
            else if (event.key === "End") next = items.length - 1;
            else if (event.key === "Escape") { event.preventDefault(); event.stopPropagation(); closeMenu(wrap, true); return; }
            else if (event.key === "Tab") { closeMenu(wrap, false); return; }
            if (next === null) return;
            event.preventDefault();
            items[next].focus();
          },
        },
      }, items);
      wrap.append(menu);
      button.setAttribute("aria-expanded", "true");
      items[0].focus();
    }
    return wrap;
  }

  function closeMenu(wrap, refocus) {
    wrap.querySelector(".msg-menu")?.remove();
    const button = wrap.querySelector(".msg-menu-button");
    button?.setAttribute("aria-expanded", "false");
    if (refocus) button?.focus();
  }

  document.addEventListener("click", (event) => {
    for (const wrap of log.querySelectorAll(".msg-menu-wrap")) if (!wrap.contains(event.target)) closeMenu(wrap, false);
  });

  const ADVICE = { ambush: ["place", "friend", "video", "address", "leave"], grooming: ["block", "apps", "pictures", "adult", "help"] };

  /** The gentle age check: a question, not a warning (role status), two plain answers. */
  function ageCheckCard(card) {
    const id = `card-${card.id}`;
    const space = card.space;
    const answer = (under) => () => { answerAgeCheck(card.id, under); input.focus(); };
    return h("section", {
      class: "safety-card age-check", dataset: { kind: "age_check" },
      attrs: { role: "status", "aria-labelledby": `${id}-title`, tabindex: "-1" },
    },
    h("h3", { id: `${id}-title`, class: "safety-title", text: t("age_check.title") }),
    h("p", { class: "safety-intro", text: t(`age_check.${space}.text`) }),
    h("div", { class: "actions" },
      h("button", { type: "button", dataset: { action: "under" }, text: t(`age_check.${space}.under`), on: { click: answer(true) } }),
      h("button", { type: "button", dataset: { action: "not-under" }, text: t(`age_check.${space}.not_under`), on: { click: answer(false) } })));
  }

  function safetyCard(card) {
    if (card.kind === "age_check") return ageCheckCard(card);
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
    // On a phone the card is a compact banner (title, buttons) whose advice unfolds; on a
    // desktop it starts unfolded.
    h("details", { class: "safety-more", open: window.matchMedia("(min-width: 721px)").matches },
      h("summary", { text: t("safety.more", { count: ADVICE[card.kind].length }) }),
      h("p", { class: "safety-intro", text: t(`safety.${card.kind}.intro`, { name }) }),
      h("ul", { class: "safety-advice" }, ADVICE[card.kind].map((k) => h("li", { text: t(`safety.${card.kind}.${k}`, { name }) })))),
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
      const pending = key.startsWith("pm:") && state.conversations.get(key.slice(3))?.state === "pending_in";
      // Only tabs in the tab list: closing is the × inside the tab for the mouse (hidden from
      // assistive technologies), Delete on the tab, or the button in the conversation's head.
      return h("button", {
        type: "button", class: ["tab", selected && "selected", !isRoom && "pm", pending && "pending"], dataset: { tab: key }, id: `tab-${index}`,
        attrs: { role: "tab", "aria-selected": selected ? "true" : "false", "aria-controls": "conv-panel", tabindex: selected ? "0" : "-1" },
        on: { click: () => showTab(key), keydown: onTabKey },
      }, isRoom ? "# " : "@ ", name,
      pending ? h("span", { class: "tab-request", text: t("chat.request_tab") }) : null,
      state.cards.some((card) => card.channel === key) ? h("span", { class: "tab-alert", attrs: { "aria-label": t("safety.tab_alert") }, text: "!" }) : null,
      badge(c && !selected ? c.unread : 0),
      h("span", {
        class: "tab-close", attrs: { "aria-hidden": "true", title: isRoom ? t("chat.leave_room", { name }) : t("chat.close_tab", { name }) },
        on: { click: (event) => { event.stopPropagation(); closeKey(key); } },
      }, "×"));
    }));
    if (focusedKey) tablist.querySelector(`[data-tab="${CSS.escape(focusedKey)}"]`)?.focus();
    const selectedIndex = state.tabs.indexOf(state.active);
    if (selectedIndex >= 0) panel.setAttribute("aria-labelledby", `tab-${selectedIndex}`);
    else panel.removeAttribute("aria-labelledby");
    empty.hidden = state.tabs.length > 0;
    panel.hidden = !state.active;
    // One request counts one, however many messages it came with.
    const total = unreadCount() + requestCount();
    document.title = total ? `(${total}) ${t("app.title")}` : t("app.title");
  }

  function activate(key) {
    setActive(key);
    state.view = "chat";
    changed("view");
  }

  function closeKey(key) {
    if (key.startsWith("room:")) leaveRoom(key.slice(5));
    else closeTab(key);
  }

  function onTabKey(event) {
    const i = state.tabs.indexOf(event.currentTarget.dataset.tab);
    if (event.key === "Delete") {
      event.preventDefault();
      closeKey(state.tabs[i]);
      queueMicrotask(() => tablist.querySelector("[aria-selected=true]")?.focus());
      return;
    }
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
    // A redraw of the banner keeps the focus on the same button (Accepter…).
    const focusIndex = [...banner.querySelectorAll("button")].indexOf(document.activeElement);
    const shownKey = banner.dataset.key;
    banner.dataset.key = key || "";
    queueMicrotask(() => {
      if (focusIndex >= 0 && shownKey === key && !banner.contains(document.activeElement)) banner.querySelectorAll("button")[focusIndex]?.focus();
    });
    banner.replaceChildren();
    banner.hidden = true;
    headReport.hidden = true;
    headPeople.hidden = true;
    let canWrite = state.conn.status === "online" || state.conn.status === "syncing";
    if (!key) return;
    const closeName = tabLabel(state, key);
    headClose.textContent = key.startsWith("room:") ? t("chat.leave_short") : t("chat.close_short");
    headClose.setAttribute("aria-label", key.startsWith("room:") ? t("chat.leave_room", { name: closeName }) : t("chat.close_tab", { name: closeName }));
    if (key.startsWith("room:")) {
      const room = state.rooms.get(key.slice(5)) || { name: key.slice(5) };
      title.textContent = `# ${room.name}`;
      subtitle.textContent = room.topic || "";
      if (room.joined) {
        headPeople.hidden = false;
        const here = roomCount(state, room);
        headPeople.textContent = t(here === 1 ? "chat.people_count_one" : "chat.people_count", { count: here });
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

  /** The nodes of messages list[from..]: day separators, the unread marker, the messages. */
  function messageNodes(msgs, from, markerId) {
    const nodes = [];
    for (let i = from; i < msgs.length; i++) {
      const m = msgs[i];
      const prev = i > 0 ? msgs[i - 1] : null;
      if (!prev || !sameDay(prev.ts, m.ts)) nodes.push(h("li", { class: "day-sep" }, h("span", { text: dayLabel(m.ts) })));
      let before = prev;
      if (markerId !== null && markerId !== undefined && m.id === markerId) {
        nodes.push(h("li", { class: "unread-marker" }, h("span", { text: t("chat.new_messages") })));
        before = null; // the head shows again after the marker
      }
      nodes.push(messageNode(m, before));
    }
    return nodes;
  }

  function renderMessages() {
    const key = state.active;
    if (!key) { list.replaceChildren(); rendered = { key: null, count: 0, lastId: 0 }; return; }
    const c = state.channels.get(key) || { messages: [], gap: null };
    if (key === state.active && c.unread) {
      if (c.markerId == null) c.markerId = c.messages[Math.max(0, c.messages.length - c.unread)]?.id ?? null;
      c.unread = 0;
      changed("tabs", "pms");
    }
    const msgs = c.messages;
    const marker = c.markerId ?? null;
    const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
    const fromBottom = log.scrollHeight - log.scrollTop;
    const fresh = msgs.filter((m) => m.id > rendered.lastId);
    if (rendered.key === key && rendered.count + fresh.length === msgs.length && rendered.gap === c.gap
        && rendered.version === (c.version || 0) && rendered.marker === marker) {
      list.append(...messageNodes(msgs, msgs.length - fresh.length, marker));
    } else {
      const nodes = messageNodes(msgs, 0, marker);
      if (c.gap) nodes.unshift(h("li", { class: "gap", text: t("chat.gap") }));
      list.replaceChildren(...nodes);
      // Older messages were added above: keep the reader where they were.
      if (rendered.key === key && !nearBottom) log.scrollTop = log.scrollHeight - fromBottom;
    }
    const sameKey = rendered.key === key;
    rendered = { key, count: msgs.length, lastId: msgs.length ? msgs[msgs.length - 1].id : 0, gap: c.gap, version: c.version || 0, marker };
    if (!sameKey || nearBottom) {
      const markerNode = !sameKey && list.querySelector(".unread-marker");
      if (markerNode) log.scrollTop = Math.max(0, markerNode.offsetTop - log.offsetTop - 8);
      else log.scrollTop = log.scrollHeight;
    }
    loadingOlder = false;
  }

  function renderTyping() {
    const who = state.active ? state.typing.get(state.active) : null;
    typingLine.hidden = !who;
    typingLine.textContent = who ? t("chat.typing", { name: who.pseudonym }) : "";
  }

  function renderFailed() {
    const f = state.failedText;
    if (f && f.key === state.active && !input.value) input.value = f.text;
    state.failedText = null;
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
    renderTabs();
    renderHead();
    renderMessages();
    renderCards();
    renderHeld();
    renderNote();
  }

  renderAll();
  subscribe("tabs", renderTabs);
  subscribe("pms", renderTabs);
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
  subscribe("focus", () => queueMicrotask(focusActive));
  subscribe("typing", renderTyping);
  subscribe("active", renderTyping); // after this batch (the view shown)
  return { focusComposer: () => input.focus() };
}
