// The legal officer's tab: requisitions, data preservations and notifications to the
// authorities, as the server lists them. A list this server does not offer yet says so.
// Each entry's fields are shown as plain name/value text.
import { h } from "../../../js/dom.js";
import { t, errorText, dateTime } from "../i18n.js";
import { desk } from "../api.js";

const LISTS = ["requisitions", "preservations", "notifications"];

function value(v) {
  if (v === null || v === undefined) return "—";
  if (typeof v === "number" && v > 1e9 && v < 1e11) return dateTime(v);
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function entry(record) {
  return h("li", { class: "legal-entry" },
    h("dl", {}, Object.entries(record).map(([k, v]) => [h("dt", { text: k }), h("dd", { text: value(v) })])));
}

async function fill(list, what) {
  try {
    const data = await desk.legalList(what);
    const records = Array.isArray(data && data[what]) ? data[what] : [];
    list.replaceChildren(records.length ? h("ul", { class: "legal-list" }, records.map(entry)) : h("p", { class: "empty", text: t("legal.empty") }));
  } catch (err) {
    const text = err.status === 404 || err.status === 405 ? t("legal.unavailable") : errorText(err);
    list.replaceChildren(h("p", { class: "hint", text }));
  }
}

export function renderLegal(pane) {
  const sections = LISTS.map((what) => {
    const list = h("div", { class: "legal-body" }, h("p", { class: "hint", text: t("queue.loading") }));
    fill(list, what);
    return h("section", { class: "case-section legal-section", dataset: { list: what } }, h("h2", { text: t(`legal.${what}`) }), list);
  });
  pane.replaceChildren(
    h("h1", { id: "view-title", attrs: { tabindex: "-1" }, text: t("legal.title") }),
    h("p", { class: "hint", text: t("legal.hint") }),
    ...sections);
}
