// Entry point: show the join screen, or the chat screen if this tab's session is alive.
import { api } from "./api.js";
import { onLangChange } from "./i18n.js";
import { state, forget, resetListeners, changed } from "./state.js";
import { start, stop } from "./client.js";
import { renderJoin } from "./views/join.js";
import { renderChat } from "./views/chat.js";

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

function showJoin() {
  screen = "join";
  renderJoin(root, { meta: state.meta, onJoined: (me) => { state.me = me; showChat(); } });
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
  try {
    const session = await api.session();
    state.me = session.me;
    showChat();
  } catch {
    showJoin();
  }
}

boot();
