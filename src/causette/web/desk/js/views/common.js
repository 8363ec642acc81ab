// Small pieces the console's views share: badges, labels, a sanction's line, status lines.
// Everything the server sends is set as text (dom.js never uses innerHTML).
import { h } from "../../../js/dom.js";
import { t, has, dateTime } from "../i18n.js";

/** The catalogue's text for `prefix.value`, or the value itself when unknown. */
export function known(prefix, value) {
  return has(`${prefix}.${value}`) ? t(`${prefix}.${value}`) : String(value ?? "");
}

export function labelText(label) {
  const value = String(label ?? "");
  if (has(`label.${value}`)) return t(`label.${value}`);
  // Alert kinds look like "report.grooming" or "grooming.escalation": name the category.
  const first = value.split(".").find((part) => has(`label.${part}`));
  return first ? `${t(`label.${first}`)} (${value})` : value;
}

export function badge(text, kind, extra = {}) {
  return h("span", { class: ["badge", kind && `badge-${kind}`], ...extra }, text);
}

export function severityClass(severity) {
  if (severity >= 90) return "sev-critical";
  if (severity >= 60) return "sev-high";
  if (severity >= 30) return "sev-medium";
  return "sev-low";
}

/** One sanction: what, the rule, why, who decided, until when, and its status. */
export function sanctionItem(s) {
  const until = s.until ? t("sanction.until", { date: dateTime(s.until) }) : (s.action === "ban" || s.action === "mute") ? t("sanction.permanent") : null;
  return h("li", { class: ["sanction", `sanction-${s.status || "active"}`], dataset: { action: s.action || "", status: s.status || "" } },
    h("strong", {}, t("sanction.line", { action: known("action", s.action), rule: known("rule", s.rule) })),
    s.scope ? ` · ${known("sanction.scope", s.scope)}` : null,
    until ? ` · ${until}` : null,
    s.status ? h("span", { class: "badge" }, known("sanction.status", s.status)) : null,
    h("span", { class: "meta" }, ` ${dateTime(s.ts)} · ${s.automated ? t("sanction.automated") : t("sanction.by_human")}`),
    s.reason ? h("p", { class: "sanction-reason" }, t("sanction.reason", { reason: s.reason })) : null);
}

/** A live region for the result or error of an action. */
export function statusLine(className = "status") {
  return h("p", { class: className, attrs: { role: "status", "aria-live": "polite" } });
}

export function setStatus(el, text, kind = "info") {
  el.dataset.kind = kind;
  el.textContent = text;
}
