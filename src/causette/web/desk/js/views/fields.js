// Form pieces the legal and admin views share: a labelled field with its own error line
// (the server's bad_field refusals are shown next to the field they name), local
// date-time inputs converted to and from UNIX seconds, lines of a textarea, a download of
// text made in the page, and a two-step confirmation instead of window.confirm.
import { h, nextId } from "../../../js/dom.js";
import { t, errorText } from "../i18n.js";

/**
 * A field: label, control, optional hint, and an error line tied to the control
 * (aria-describedby, aria-invalid). Returns {el, input, error}.
 */
export function field(name, label, input, hint = null) {
  const id = input.id || nextId(`f-${name}`);
  input.id = id;
  input.name = input.name || name;
  const hintId = hint ? `${id}-hint` : null;
  const errorId = `${id}-error`;
  const error = h("p", { id: errorId, class: "field-error", dataset: { field: name } });
  input.setAttribute("aria-describedby", [hintId, errorId].filter(Boolean).join(" "));
  const el = h("div", { class: "field", dataset: { field: name } },
    h("label", { htmlFor: id, text: label }),
    input,
    hint ? h("p", { id: hintId, class: "hint", text: hint }) : null,
    error);
  return { el, input, error };
}

export function textInput(attrs = {}) {
  return h("input", { type: "text", attrs: { autocomplete: "off", spellcheck: "false", ...attrs } });
}

export function textArea(rows = 3, attrs = {}) {
  return h("textarea", { rows, attrs: { spellcheck: "false", ...attrs } });
}

export function dateTimeInput() {
  return h("input", { type: "datetime-local", attrs: { step: 60 } });
}

/** "2026-05-04T13:07" in local time, for a datetime-local input. */
export function toLocalInput(ts) {
  const d = new Date(ts * 1000);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** UNIX seconds of a datetime-local value, or null when empty or unreadable. */
export function fromLocalInput(value) {
  if (!value) return null;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? ms / 1000 : null;
}

/** "2026-05-04" (UTC) for a date input. */
export function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

export function lines(textarea) {
  return textarea.value.split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
}

/** Clear every field error of a form. */
export function clearErrors(fields) {
  for (const f of Object.values(fields)) {
    f.error.textContent = "";
    f.input.removeAttribute("aria-invalid");
  }
}

/** Show `text` under the field `name` and focus it. */
export function showFieldError(fields, name, text) {
  const f = fields[name];
  if (!f) return false;
  f.error.textContent = text;
  f.input.setAttribute("aria-invalid", "true");
  f.input.focus();
  return true;
}

/**
 * A server refusal shown where it belongs: a bad_field names its field in its message
 * ("scope.pseudonyms: …"); `locate(message)` maps it to one of `fields`. Anything else
 * goes to the form's status line. Returns the field name used, or null.
 */
export function showServerError(err, fields, locate, status, setStatus) {
  const text = errorText(err);
  if (err && err.code === "bad_field") {
    const name = locate(String(err.message || ""));
    if (name && showFieldError(fields, name, text)) {
      setStatus(status, t("form.see_field"), "error");
      return name;
    }
  }
  setStatus(status, text, "error");
  return null;
}

/** Save `text` as a file named `filename` (made in the page: a blob URL, then revoked). */
export function downloadText(text, filename, type = "text/plain") {
  const url = URL.createObjectURL(new Blob([text], { type: `${type};charset=utf-8` }));
  const link = h("a", { href: url, attrs: { download: filename }, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Copy `text`; the clipboard API when allowed, else the selected textarea. */
export async function copyText(text, textarea) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (!textarea) return false;
    textarea.focus();
    textarea.select();
    try { return document.execCommand("copy"); } catch { return false; }
  }
}

/**
 * A button that asks once more before acting: the first press shows "Confirm" and
 * "Cancel" next to a sentence; only "Confirm" runs `action`. Keyboard focus follows.
 */
export function confirmButton({ label, question, confirmLabel, className = "", action, dataset = {} }) {
  const wrap = h("div", { class: "confirm-step" });
  const first = h("button", { type: "button", class: className, dataset, text: label, on: { click: ask } });
  const yes = h("button", { type: "button", class: "danger confirm-yes", text: confirmLabel, on: { click: run } });
  const no = h("button", { type: "button", class: "ghost confirm-no", text: t("form.cancel"), on: { click: back } });
  const prompt = h("p", { class: "confirm-question", attrs: { role: "alert" }, text: question });
  const asking = h("div", { class: "confirm-ask", hidden: true }, prompt, h("div", { class: "actions" }, yes, no));

  function ask() {
    first.hidden = true;
    asking.hidden = false;
    yes.focus();
  }

  function back() {
    asking.hidden = true;
    first.hidden = false;
    first.focus();
  }

  async function run() {
    yes.disabled = true;
    no.disabled = true;
    try {
      await action();
    } finally {
      yes.disabled = false;
      no.disabled = false;
      if (wrap.isConnected) back();
    }
  }

  wrap.append(first, asking);
  return wrap;
}

/** Name/value pairs as a description list (values as text). */
export function facts(pairs, className = "facts") {
  return h("dl", { class: className },
    pairs.filter(([, v]) => v !== null && v !== undefined && v !== "").map(([k, v]) => [
      h("dt", { text: k }),
      h("dd", {}, v instanceof Node ? v : String(v)),
    ]));
}
