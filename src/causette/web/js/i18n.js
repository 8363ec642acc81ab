// Languages: French by default, English when the browser prefers it or the chatter
// switches. Every string comes from one catalogue per language (../i18n/*.js).
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
    if (base === "fr") return "fr";
    if (base === "en") return "en";
  }
  return "fr";
}

export function lang() {
  return current;
}

export function setLang(next) {
  if (!catalogues[next] || next === current) return;
  current = next;
  try { localStorage.setItem(STORAGE_KEY, next); } catch { /* ignore */ }
  document.documentElement.lang = next;
  for (const fn of listeners) fn(next);
}

export function toggleLang() {
  setLang(current === "fr" ? "en" : "fr");
}

export function onLangChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** The string for `key` in the current language, with {name} parameters filled in. */
export function t(key, params = {}) {
  const template = catalogues[current][key] ?? catalogues.fr[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

/** A readable message for a server error code, in the current language. */
export function errorText(error) {
  const code = error && error.code;
  const retry = error && error.retry_after != null ? Math.ceil(error.retry_after) : t("err.retry_after_unknown");
  const key = `err.${code}`;
  // A refusal by the safety engine: only the server knows the reason, and it writes it in
  // the language sent in hello. The catalogue string is the fallback.
  if (code === "message_blocked" && error.message) return String(error.message);
  if (code && (key in catalogues[current])) return t(key, { retry_after: retry });
  return t("err.unknown", { message: (error && (error.message || error.code)) || "?" });
}

export function formatTime(ts) {
  return new Intl.DateTimeFormat(current, { hour: "2-digit", minute: "2-digit" }).format(new Date(ts * 1000));
}

document.documentElement.lang = current;
