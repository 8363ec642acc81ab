// Entry point: show the join screen, or the chat screen if this tab's session is alive.
import { api } from "./api.js";
import { onLangChange, t, errorText } from "./i18n.js";
import { state, forget, resetListeners, changed, subscribe } from "./state.js";
import { start, stop } from "./client.js";
import { renderJoin, renderTooYoung } from "./views/join.js";
import { renderChat } from "./views/chat.js";
import { armSound } from "./sound.js";

const root = document.getElementById("app");
let screen = "loading";
let chat = null;

async function loadMeta() {
  if (state.meta) return state.meta;
  try {
    state.meta = await api.meta();
  } catch {
    state.meta = null;
  }
  return state.meta;
}

function showJoin(explanation = "", statement = null) {
  screen = "join";
  root.dataset.screen = "join";
  renderJoin(root, { meta: state.meta, explanation, statement, onJoined: (me) => { state.me = me; showChat(); } });
}

/** Close 4011: the chatter said they are under 15. Back to the join screen, with the
 * explanation, and no reconnection (the server has ended the session). */
const TOO_YOUNG_KEY = "causette.too_young";
function endTooYoung() {
  stop();
  forget();
  // A fresh page is the cleanest way back to the join screen: no state of the old session
  // survives. The flag makes the join screen explain why.
  try { sessionStorage.setItem(TOO_YOUNG_KEY, "1"); } catch { /* ignore */ }
  location.reload();
}

function takeTooYoungFlag() {
  try {
    const flag = sessionStorage.getItem(TOO_YOUNG_KEY);
    sessionStorage.removeItem(TOO_YOUNG_KEY);
    return flag === "1";
  } catch {
    return false;
  }
}

function mountChat() {
  resetListeners();
  if (chat) chat.destroy();
  chat = renderChat(root, {
    onLogout: async () => {
      stop();
      try { await api.logout(); } catch { /* the session ends anyway */ }
      forget();
      location.reload();
    },
    onRejoin: () => {
      stop();
      forget();
      location.reload();
    },
  });
  subscribe("conn", () => { if (state.conn.status === "too_young" && screen === "chat") endTooYoung(); });
  changed("me", "rooms", "tabs", "pms", "people", "messages", "conn", "view");
}

function showChat() {
  screen = "chat";
  root.dataset.screen = "chat";
  mountChat();
  start();
}

onLangChange(() => {
  if (screen === "chat") {
    mountChat();
    document.querySelector(".topbar .lang-switch")?.focus();
  }
});

async function boot() {
  await loadMeta();
  if (takeTooYoungFlag()) {
    // The session was ended for age: never resume it, even if the cookie still answers.
    try { await api.logout(); } catch { /* already over */ }
    screen = "join";
    root.dataset.screen = "join";
    renderTooYoung(root, { meta: state.meta, onJoined: (me) => { state.me = me; showChat(); } });
    return;
  }
  try {
    // No session is an answer ({"me": null}), not an error: the join screen.
    const session = await api.session();
    if (!session || !session.me) {
      showJoin();
      return;
    }
    state.me = session.me;
    showChat();
  } catch (err) {
    // A banned session (403): the join screen says why, with the statement and the appeal.
    if (err.code === "banned") showJoin(errorText(err), err.statement || null);
    else showJoin();
  }
}

armSound(); // the tone for requests, if the chatter turned it on (sound.js)
boot();

// Installable as a web app, with an offline page (sw.js); no push notifications.
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js").catch(() => { /* not essential */ });
}
