// The console's languages: French by default, English when the browser prefers it or the
// moderator switches (the choice is shared with the chat client). Every string comes from
// one catalogue per language (../i18n/*.js).
import fr from "../i18n/fr.js";
import en from "../i18n/en.js";

const catalogues = { fr, en };
const STORAGE_KEY = "causette.lang";
const listeners = new Set();
let current = detect();

function detect() {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved && catalogues[saved]) return saved;
  } catch { /* storage may be unavailable */ }
  const prefs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "fr"];
  for (const tag of prefs) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (base === "fr" || base === "en") return base;
  }
  return "fr";
}

export function lang() {
  return current;
}

export function toggleLang() {
  current = current === "fr" ? "en" : "fr";
  try { localStorage.setItem(STORAGE_KEY, current); } catch { /* ignore */ }
  document.documentElement.lang = current;
  document.title = t("app.title");
  for (const fn of listeners) fn(current);
}

export function onLangChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function has(key) {
  return key in catalogues[current] || key in catalogues.fr;
}

/** The string for `key` in the current language, with {name} parameters filled in. */
export function t(key, params = {}) {
  const template = catalogues[current][key] ?? catalogues.fr[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

/** A readable sentence for an ApiError: the catalogue's for known codes, else the server's. */
export function errorText(error) {
  const code = error && error.code;
  const retry = error && error.retry_after != null ? Math.ceil(error.retry_after) : "?";
  if (code && has(`err.${code}`)) return t(`err.${code}`, { retry_after: retry });
  return t("err.unknown", { message: (error && (error.message || error.code)) || "?" });
}

/** "12 min", "3 h", "5 d": how long ago `ts` (UNIX seconds) was, short. */
export function age(ts, now = Date.now() / 1000) {
  return duration(Math.max(0, now - ts));
}

export function duration(seconds) {
  const s = Math.round(seconds);
  if (s < 60) return t("time.s", { n: s });
  if (s < 3600) return t("time.min", { n: Math.floor(s / 60) });
  if (s < 86400) return t("time.h", { n: Math.floor(s / 3600) });
  return t("time.d", { n: Math.floor(s / 86400) });
}

export function dateTime(ts) {
  return new Intl.DateTimeFormat(current, { dateStyle: "short", timeStyle: "short" }).format(new Date(ts * 1000));
}

document.documentElement.lang = current;
