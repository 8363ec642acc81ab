// The moderation console: the login screen, then the shell (top bar, tabs for what the
// role may see, the live status) and the view named by the URL's hash:
//   #/queue, #/case/<kind>/<id>, #/chatter/<id>, #/appeals, #/legal (and
//   #/legal/requisition/new|<id>), #/admin.
// The queue re-reads itself on every live event (live.js) and marks what is new.
import { h } from "../../js/dom.js";
import { t, toggleLang, onLangChange } from "./i18n.js";
import { desk } from "./api.js";
import { openLive } from "./live.js";
import { permissionsOf } from "./roles.js";
import { state, subscribe, can, refreshQueue, reset } from "./state.js";
import { renderLogin } from "./views/login.js";
import { renderQueue } from "./views/queue.js";
import { renderCase, renderChatter } from "./views/case.js";
import { renderAppeals } from "./views/appeals.js";
import { renderLegal, legalVisible } from "./views/legal.js";
import { renderAdmin } from "./views/admin.js";

const root = document.getElementById("desk");
let live = null;
let shell = null; // {main, queuePane, detailPane, nav, liveStatus}
let route = null;
let legalRefresh = null;

function langButton() {
  return h("button", {
    type: "button", class: "ghost lang-switch",
    attrs: { "aria-label": t("lang.switch_label"), lang: t("lang.switch") === "English" ? "en" : "fr" },
    text: t("lang.switch"),
    on: { click: () => toggleLang() },
  });
}

function showLogin(notice) {
  if (live) { live.close(); live = null; }
  shell = null;
  reset();
  document.title = t("app.title");
  renderLogin(root, { onLoggedIn: start, notice, langButton });
}

async function logout() {
  try { await desk.logout(); } catch { /* the session is gone either way */ }
  showLogin(null);
}

function parseRoute() {
  const parts = location.hash.replace(/^#\/?/, "").split("/").map((p) => decodeURIComponent(p));
  const name = parts[0] || "";
  if (name === "case" && parts[1] && parts[2]) return { name, kind: parts[1], id: parts.slice(2).join("/") };
  if (name === "chatter" && parts[1]) return { name, id: parts[1] };
  if (name === "legal" && parts[1] === "requisition" && parts[2]) return { name, sub: "requisition", id: parts.slice(2).join("/") };
  if (["queue", "appeals", "legal", "admin"].includes(name)) return { name };
  return { name: can("queue_read") ? "queue" : legalVisible() ? "legal" : "none" };
}

function tabs() {
  const list = [];
  if (can("queue_read")) list.push(["queue", "nav.queue"], ["appeals", "nav.appeals"]);
  if (legalVisible()) list.push(["legal", "nav.legal"]);
  if (can("operate")) list.push(["admin", "nav.admin"]);
  return list;
}

function buildShell() {
  const liveStatus = h("span", { class: "live-status", attrs: { role: "status", "aria-live": "polite" } });
  const nav = h("nav", { class: "tabs", attrs: { "aria-label": t("nav.label") } });
  const queuePane = h("section", { class: "queue-pane", attrs: { "aria-labelledby": "queue-title" } });
  const detailPane = h("section", { class: "detail-pane" });
  const main = h("main", { id: "main", class: "desk-main", attrs: { tabindex: "-1" } });
  root.replaceChildren(
    h("a", { class: "skip", href: "#main", text: t("app.skip"), on: { click: (e) => { e.preventDefault(); main.focus(); } } }),
    h("header", { class: "topbar" },
      h("span", { class: "brand", text: t("app.brand") }),
      liveStatus,
      h("span", { class: "spacer" }),
      h("span", { class: "me", text: t("me.as", { name: state.me.name, role: t(`role.${state.me.role}`) }) }),
      langButton(),
      h("button", { type: "button", class: "ghost logout", text: t("logout"), on: { click: logout } })),
    nav,
    main);
  shell = { main, queuePane, detailPane, nav, liveStatus };
  renderNav();
  renderLive();
}

function renderNav() {
  if (!shell) return;
  const current = route ? (route.name === "case" || route.name === "chatter" ? "queue" : route.name) : null;
  const fresh = state.fresh.size;
  shell.nav.replaceChildren(h("ul", {}, tabs().map(([name, key]) => h("li", {},
    h("a", { href: `#/${name}`, class: "tab", dataset: { tab: name }, attrs: { "aria-current": current === name ? "page" : null } },
      t(key),
      name === "queue" && fresh ? h("span", { class: "badge badge-new tab-count", text: t("nav.new_count", { count: fresh }) }) : null)))));
}

function renderLive() {
  if (!shell) return;
  shell.liveStatus.dataset.state = state.live;
  shell.liveStatus.textContent = t(`live.${state.live}`);
}

function selectedKey() {
  return route && route.name === "case" ? `${route.kind}:${route.id}` : null;
}

function show() {
  if (!shell) return;
  route = parseRoute();
  legalRefresh = null;
  renderNav();
  const { main, queuePane, detailPane } = shell;
  if ((route.name === "queue" || route.name === "case" || route.name === "chatter") && can("queue_read")) {
    main.className = `desk-main split${route.name === "queue" ? "" : " has-detail"}`;
    main.replaceChildren(queuePane, detailPane);
    renderQueue(queuePane, selectedKey());
    if (route.name === "queue") {
      detailPane.replaceChildren();
      if (state.queue === null) refreshQueue();
      return;
    }
    const back = h("a", { class: "back", href: "#/queue", text: t("queue.back") });
    const body = h("div", {});
    detailPane.replaceChildren(back, body);
    const done = route.name === "case" ? renderCase(body, route.kind, route.id) : renderChatter(body, route.id);
    done.then(() => body.querySelector("#view-title")?.focus());
    return;
  }
  main.className = "desk-main single";
  if (route.name === "appeals" && can("queue_read")) {
    renderAppeals(main).then(() => main.querySelector("#view-title")?.focus());
  } else if (route.name === "legal" && legalVisible()) {
    const view = renderLegal(main, route);
    legalRefresh = (event) => view.refresh(event);
  } else if (route.name === "admin" && can("operate")) {
    renderAdmin(main);
  } else {
    main.replaceChildren(h("p", { class: "error", attrs: { role: "alert" }, text: t("err.forbidden") }));
  }
}

function onLiveEvent(event) {
  switch (event.type) {
    case "hello":
      break;
    case "queue":
      if (event.change === "added" && event.item_kind && event.id != null) state.fresh.add(`${event.item_kind}:${event.id}`);
      refreshQueue();
      break;
    case "logged_out":
      checkSession();
      break;
    case "resync":
      refreshQueue();
      if (legalRefresh) legalRefresh(event);
      break;
    default:
      // requisition, export, preservation, notification: the legal tab re-reads the part
      // concerned (never the forms being typed).
      if (legalRefresh) legalRefresh(event);
  }
}

async function checkSession() {
  try {
    await desk.me();
  } catch (err) {
    if (err.status === 401) showLogin(t("login.expired"));
  }
}

function start(moderator) {
  state.me = moderator;
  state.perms = permissionsOf(moderator);
  state.queue = null;
  buildShell();
  if (live) live.close();
  live = openLive({
    onEvent: onLiveEvent,
    onStatus: (status) => { state.live = status; renderLive(); },
  });
  if (can("queue_read")) refreshQueue();
  show();
}

subscribe((what) => {
  if (what !== "queue" || !shell) return;
  renderNav();
  if (shell.queuePane.isConnected) renderQueue(shell.queuePane, selectedKey());
});

window.addEventListener("hashchange", show);
onLangChange(() => {
  if (!shell) { showLogin(null); return; }
  buildShell();
  show();
});
// Any 401 from the API (expired session, disabled account) goes back to the login screen.
window.addEventListener("unhandledrejection", (event) => {
  if (event.reason && event.reason.status === 401) showLogin(t("login.expired"));
});

(async () => {
  document.title = t("app.title");
  try {
    const { moderator } = await desk.me();
    start(moderator);
  } catch {
    showLogin(null);
  }
})();

