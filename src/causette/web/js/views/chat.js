// The chat screen: top bar (who I am, connection state, settings, language), three panes
// (rooms | conversation | people) that become three tabs on a phone, a notice line, and the
// person and settings dialogs.
import { h, nextId } from "../dom.js";
import { t, toggleLang, lang, errorText } from "../i18n.js";
import { state, subscribe, changed, persist, requestCount, unreadCount } from "../state.js";
import { openPm, block, unblock, setPolicy, reconnect, askReport, stop } from "../client.js";
import { api } from "../api.js";
import { mountReport } from "./report.js";
import { mountModeration, loadStatements } from "../sanctions.js";
import { mountRooms } from "./rooms.js";
import { mountConversation } from "./conversation.js";
import { mountPeople } from "./people.js";
import { userDetails, genderClass } from "./common.js";
import { soundOn, setSound } from "../sound.js";
import { legalLinks } from "../legal.js";

export function renderChat(root, { onLogout, onRejoin }) {
  const status = h("p", { class: "conn", attrs: { role: "status", "aria-live": "polite" } });
  const meLine = h("p", { class: "me" });
  // Long labels on a desktop, short ones on a phone (CSS picks); the accessible name is the long one.
  const twoLabels = (long, short) => [h("span", { class: "label-long", text: long }), h("span", { class: "label-short", attrs: { "aria-hidden": "true" }, text: short })];
  const settingsButton = h("button", {
    type: "button", class: "ghost", attrs: { "aria-haspopup": "dialog", "aria-label": t("settings.open") }, on: { click: openSettings },
  }, twoLabels(t("settings.open"), "⚙"));
  const langButton = h("button", {
    type: "button", class: "ghost lang-switch",
    // The name holds the short label too: on a phone "EN" is what one sees (and says).
    attrs: { "aria-label": `${t("lang.switch").slice(0, 2).toUpperCase()} : ${t("lang.switch_label")}`, lang: t("lang.switch") === "English" ? "en" : "fr" },
    on: { click: () => { toggleLang(); } },
  }, twoLabels(t("lang.switch"), t("lang.switch").slice(0, 2).toUpperCase()));
  const logoutButton = h("button", { type: "button", class: "ghost", text: t("chat.logout"), on: { click: onLogout } });
  const header = h("header", { class: "topbar" },
    h("a", { class: "skip", href: "#composer-input", text: t("app.skip") }),
    h("h1", { class: "brand", text: t("app.title") }),
    meLine, status,
    h("div", { class: "top-actions" }, settingsButton, langButton, logoutButton));

  const views = [["rooms", "chat.rooms"], ["chat", "chat.conversation"], ["people", "chat.people"]];
  const navButtons = views.map(([view, key]) => h("button", {
    type: "button", class: "nav-button", dataset: { view },
    on: {
      click: () => {
        state.view = view;
        changed("view");
        persist();
      },
    },
  }, t(key)));
  const nav = h("nav", { class: "phone-nav", attrs: { "aria-label": t("chat.conversation") } }, navButtons);

  const roomsPane = h("aside", { class: "pane rooms-pane", attrs: { "aria-labelledby": "rooms-title" } });
  const convPane = h("section", { class: "pane conv-pane", attrs: { "aria-label": t("chat.conversation") } });
  const peoplePane = h("aside", { class: "pane people-pane", attrs: { "aria-labelledby": "people-title" } });
  const notice = h("div", { class: "notice", attrs: { role: "status", "aria-live": "polite" } });
  // Moderation decisions about me and notices (issue 6): above the panes, seen from each of them.
  const moderation = h("div", { class: "moderation-area", attrs: { role: "region", "aria-label": t("moderation.area") } });

  const userDialog = h("dialog", { class: "user-dialog", attrs: { "aria-labelledby": "user-dialog-title" } });
  const settingsDialog = h("dialog", { class: "settings-dialog", attrs: { "aria-labelledby": "settings-title" } });
  const reportDialog = h("dialog", { class: "report-dialog", attrs: { "aria-labelledby": "report-title" } });

  const screen = h("div", { class: "chat-screen" }, header, nav, moderation,
    h("main", { id: "main", class: "panes" }, roomsPane, convPane, peoplePane), notice, userDialog, settingsDialog, reportDialog);
  root.replaceChildren(screen);

  function openUser(u, { confirmBlock = false } = {}) {
    if (!u || !u.pseudonym) return;
    const me = state.me && u.pseudonym === state.me.pseudonym;
    const body = h("div", { class: "dialog-body" });
    const close = () => userDialog.close();
    const actions = h("div", { class: "actions" },
      me ? null : h("button", { type: "button", class: "primary", text: t("chat.send_pm"), on: { click: () => { close(); openPm(u.pseudonym); state.view = "chat"; changed("view"); } } }),
      me || state.blocked.has(u.pseudonym) ? null : h("button", {
        type: "button", class: "danger", text: t("chat.block"),
        on: {
          click: () => {
            const confirm = h("button", { type: "button", class: "danger", text: t("chat.block"), on: { click: () => { close(); block(u.pseudonym); } } });
            body.replaceChildren(h("p", { text: t("chat.block_confirm", { name: u.pseudonym }) }),
              h("div", { class: "actions" }, confirm, h("button", { type: "button", text: t("settings.close"), on: { click: close } })));
            confirm.focus();
          },
        },
      }),
      me ? null : h("button", {
        type: "button", class: "report-button", text: t("report.action"),
        attrs: { "aria-haspopup": "dialog", "aria-label": t("report.person_label", { name: u.pseudonym }) },
        on: { click: () => { close(); askReport({ pseudonym: u.pseudonym }); } },
      }),
      h("button", { type: "button", text: t("settings.close"), on: { click: close } }));
    body.append(h("p", { class: "details", text: u.age ? userDetails(u) : "" }), actions);
    userDialog.replaceChildren(
      h("h2", { id: "user-dialog-title", class: genderClass(u), text: u.pseudonym }),
      h("p", { class: "sr-only", text: t("chat.user_actions", { name: u.pseudonym }) }),
      body);
    userDialog.showModal();
    if (confirmBlock) body.querySelector("button.danger")?.click(); // straight to "Bloquer ?"
    else userDialog.querySelector("button")?.focus();
  }

  function openSettings() {
    const name = nextId("policy");
    const policies = ["everyone", "rooms", "nobody"].map((p) => {
      const id = nextId("pol");
      return h("div", { class: "radio" },
        h("input", { id, type: "radio", name, value: p, checked: state.pmPolicy === p, on: { change: () => setPolicy(p) } }),
        h("label", { htmlFor: id, text: t(`settings.pm.${p}`) }));
    });
    const blocked = [...state.blocked];
    // The tone for requests in the background (sound.js): a switch, off by default; this
    // click is the gesture that lets the browser play it later.
    const soundId = nextId("sound");
    const soundHint = nextId("sound-hint");
    const sound = h("div", { class: "check" },
      h("input", {
        id: soundId, type: "checkbox", name: "sound", checked: soundOn(),
        attrs: { role: "switch", "aria-describedby": soundHint },
        on: { change: (event) => setSound(event.currentTarget.checked) },
      }),
      h("label", { htmlFor: soundId, text: t("settings.sound") }));
    settingsDialog.replaceChildren(
      h("h2", { id: "settings-title", text: t("settings.title") }),
      h("fieldset", {}, h("legend", { text: t("settings.pm_policy") }), policies),
      h("fieldset", {}, h("legend", { text: t("settings.alerts") }), sound,
        h("p", { id: soundHint, class: "hint", text: t("settings.sound_hint") })),
      h("h3", { text: t("chat.blocked_list") }),
      h("ul", { class: "blocked-list" }, blocked.length ? blocked.map((p) => h("li", {},
        h("span", { text: p }), " ",
        h("button", { type: "button", class: "small", text: t("chat.unblock"), attrs: { "aria-label": `${t("chat.unblock")} ${p}` }, on: { click: () => { unblock(p); settingsDialog.close(); } } })))
        : h("li", { class: "empty", text: t("chat.no_blocked") })),
      h("h3", { text: t("legal.title") }),
      legalLinks("settings-legal"),
      myData(),
      h("div", { class: "actions" }, h("button", { type: "button", class: "primary", text: t("settings.close"), on: { click: () => settingsDialog.close() } })));
    settingsDialog.showModal();
    settingsDialog.querySelector("input:checked, input")?.focus();
  }

  /** "Mes données" (GDPR art. 15, 20, 17): the export as a JSON download or a readable
   * page (the session cookie authenticates both), and the erasure, after a confirm step. */
  function myData() {
    const box = h("section", { class: "my-data", attrs: { "aria-labelledby": "my-data-title" } });
    const show = () => box.replaceChildren(
      h("h3", { id: "my-data-title", text: t("data.title") }),
      h("p", { text: t("data.intro") }),
      h("div", { class: "actions" },
        h("a", { class: "button-link", href: "/api/me/data?format=json", dataset: { action: "data-json" }, attrs: { download: "causette-data.json" }, text: t("data.json") }),
        h("a", { class: "button-link ghost-link", href: `/api/me/data?format=html&lang=${lang()}`, dataset: { action: "data-html" }, attrs: { target: "_blank", rel: "noopener" }, text: t("data.html") }),
        h("button", { type: "button", class: "danger", dataset: { action: "erase" }, text: t("data.erase"), on: { click: confirmErase } })));
    function confirmErase() {
      const status = h("p", { class: "erase-status", attrs: { role: "status", "aria-live": "polite" } });
      const yes = h("button", { type: "button", class: "danger-solid", dataset: { action: "erase-confirm" }, text: t("data.erase_confirm"), on: { click: erase } });
      const no = h("button", { type: "button", dataset: { action: "erase-cancel" }, text: t("data.erase_cancel"), on: { click: () => { show(); box.querySelector("[data-action=erase]")?.focus(); } } });
      box.replaceChildren(
        h("h3", { id: "my-data-title", attrs: { tabindex: "-1" }, text: t("data.erase_title") }),
        h("p", { text: t("data.erase_text") }),
        h("p", { text: t("data.erase_kept") }),
        h("div", { class: "actions" }, yes, no), status);
      no.focus();
      async function erase() {
        yes.disabled = true;
        no.disabled = true;
        status.textContent = t("data.erasing");
        try {
          const answer = await api.eraseMyData();
          stop(); // the server closed the session everywhere: no reconnection
          done(answer);
        } catch (err) {
          status.textContent = errorText(err);
          yes.disabled = false;
          no.disabled = false;
        }
      }
    }
    function done(answer) {
      const date = (ts) => new Intl.DateTimeFormat(lang(), { day: "numeric", month: "long", year: "numeric" }).format(new Date(ts * 1000));
      const kept = (answer.kept || []).map((k) => h("li", { dataset: { kept: k.what }, text: t(`data.kept.${k.what}`, { count: k.count, date: k.until ? date(k.until) : "" }) }));
      const title = h("h3", { id: "my-data-title", attrs: { tabindex: "-1" }, text: t("data.erased_title") });
      box.replaceChildren(title,
        h("p", { text: t("data.erased_text", { messages: answer.erased ? answer.erased.messages : 0 }) }),
        h("p", { text: kept.length ? t("data.kept_title") : t("data.kept_none") }),
        kept.length ? h("ul", { class: "kept-list" }, kept) : "",
        h("div", { class: "actions" }, h("button", { type: "button", class: "primary", dataset: { action: "erase-done" }, text: t("data.done"), on: { click: onRejoin } })));
      // The dialog's own close button would leave a dead chat behind: only "back to the start".
      for (const b of settingsDialog.querySelectorAll(":scope > .actions button, fieldset input, .blocked-list button")) b.disabled = true;
      settingsDialog.addEventListener("cancel", (event) => event.preventDefault());
      title.focus();
    }
    show();
    return box;
  }

  const conversation = mountConversation(convPane, { onUser: openUser });
  mountRooms(roomsPane);
  mountPeople(peoplePane, { onUser: openUser });
  mountReport(reportDialog);
  loadStatements();
  mountModeration(moderation, subscribe);

  function renderMe() {
    const me = state.me;
    if (!me) return;
    meLine.replaceChildren(
      h("span", { class: ["me-name", genderClass(me)], text: me.pseudonym }), " ",
      h("span", { class: "me-details", text: userDetails(me) }), " ",
      h("span", { class: ["space", `space-${me.space}`], text: t(`chat.space.${me.space}`) }));
  }

  let countdown = null;
  function renderConn() {
    const s = state.conn;
    clearInterval(countdown);
    screen.dataset.conn = s.status;
    const parts = [];
    const text = h("span", { class: "conn-text" });
    parts.push(h("span", { class: "conn-dot", attrs: { "aria-hidden": "true" } }), text);
    if (s.status === "waiting") {
      const tick = () => { text.textContent = t("conn.retry_in", { seconds: Math.max(0, Math.ceil((s.retryAt - Date.now()) / 1000)) }); };
      tick();
      countdown = setInterval(tick, 1000);
      parts.push(h("button", { type: "button", class: "small", text: t("conn.retry_now"), on: { click: reconnect } }));
    } else if (s.status === "elsewhere") {
      text.textContent = t("conn.elsewhere");
      parts.push(h("button", { type: "button", class: "small", text: t("conn.reconnect"), on: { click: reconnect } }));
    } else if (s.status === "sanctioned") {
      // Close 4012: the statement of reasons is shown above; never an automatic retry.
      const action = state.sanctionEnd ? state.sanctionEnd.action : "";
      text.textContent = t(action === "kick" ? "conn.kicked" : action === "ban" ? "conn.banned" : "conn.sanctioned");
      if (action === "kick") parts.push(h("button", { type: "button", class: "small", text: t("conn.come_back"), on: { click: reconnect } }));
    } else if (s.status === "ended" || s.status === "taken") {
      text.textContent = t(s.status === "ended" ? "conn.ended" : "conn.taken");
      parts.push(h("button", { type: "button", class: "small primary", text: t("join.submit"), on: { click: onRejoin } }));
    } else {
      text.textContent = t({ connecting: "conn.connecting", syncing: "conn.syncing", online: "conn.online", offline: "conn.offline" }[s.status] || "conn.connecting");
    }
    status.replaceChildren(...parts);
  }

  let shownView = null;
  function renderView() {
    screen.dataset.view = state.view;
    const hasRequests = [...state.conversations.values()].some((c) => c.state === "pending_in");
    if (state.view === "rooms" && shownView !== "rooms" && hasRequests) roomsPane.scrollTop = 0; // requests are on top
    shownView = state.view;
    // A request shows once: under « Salons » (its list), not also as unread under « Discussion ».
    const requests = requestCount();
    const unread = unreadCount(state.view === "chat" ? state.active : null);
    for (const b of navButtons) {
      const on = b.dataset.view === state.view;
      b.setAttribute("aria-pressed", on ? "true" : "false");
      b.querySelector(".badge")?.remove();
      if (b.dataset.view === "chat" && unread) b.append(h("span", { class: "badge", text: String(unread) }));
      if (b.dataset.view === "rooms" && requests) b.append(h("span", { class: "badge", attrs: { "aria-label": t("chat.requests") }, text: String(requests) }));
    }
  }

  let noticeTimer = null;
  function renderNotice() {
    const n = state.notice;
    clearTimeout(noticeTimer);
    notice.replaceChildren();
    notice.hidden = !n;
    if (!n) return;
    notice.dataset.kind = n.kind;
    notice.append(h("span", { text: n.text }));
    noticeTimer = setTimeout(() => { state.notice = null; changed("notice"); }, 6000);
  }

  renderMe();
  renderConn();
  renderView();
  renderNotice();
  subscribe("me", renderMe);
  subscribe("conn", renderConn);
  subscribe("view", renderView);
  subscribe("tabs", renderView);
  subscribe("pms", renderView);
  subscribe("notice", renderNotice);
  return { conversation, destroy: () => clearInterval(countdown) };
}
