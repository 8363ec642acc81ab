// The queue: reports, alerts, held messages and appeals in one list, in the server's order
// (severity, then age). Each entry is a link to its case, with badges for its kind, label,
// severity and age, and a "new" marker for what arrived live and was not opened yet.
import { h } from "../../../js/dom.js";
import { t, age, errorText } from "../i18n.js";
import { state, keyOf, refreshQueue } from "../state.js";
import { badge, known, labelText, severityClass } from "./common.js";

export function renderQueue(pane, selectedKey) {
  const items = state.queue;
  const refresh = h("button", { type: "button", class: "ghost", text: t("queue.refresh"), on: { click: () => refreshQueue() } });
  const head = h("div", { class: "pane-head" },
    h("h1", { id: "queue-title", text: t("queue.title") }), refresh);
  const hint = h("p", { class: "hint", text: t("queue.hint") });
  let body;
  if (state.queueError) body = h("p", { class: "error", attrs: { role: "alert" }, text: errorText(state.queueError) });
  else if (items === null) body = h("p", { class: "hint", text: t("queue.loading") });
  else if (!items.length) body = h("p", { class: "empty", text: t("queue.empty") });
  else {
    body = h("ol", { class: "queue", attrs: { "aria-labelledby": "queue-title" } },
      items.map((item) => queueItem(item, keyOf(item) === selectedKey)));
  }
  pane.replaceChildren(head, hint, body);
}

function queueItem(item, selected) {
  const key = keyOf(item);
  const fresh = state.fresh.has(key);
  const subject = item.subject;
  const link = h("a", {
    class: "queue-link",
    href: `#/case/${encodeURIComponent(item.kind)}/${encodeURIComponent(item.id)}`,
    attrs: { "aria-current": selected ? "true" : null },
  },
  h("span", { class: "badges" },
    fresh ? badge(t("queue.new"), "new") : null,
    item.flagger ? badge(t("queue.flagger", { name: item.flagger }), "flagger") : null,
    badge(known("kind", item.kind), `kind-${item.kind}`),
    badge(labelText(item.label), "label"),
    item.count > 1 ? badge(t(`queue.count_${item.kind}`, { n: item.count }), "count") : null,
    badge(t("queue.severity", { n: item.severity }), severityClass(item.severity)),
    badge(t("queue.age", { age: age(item.ts) }), "age")),
  h("span", { class: "queue-subject" },
    subject ? t("queue.subject", { pseudonym: subject.pseudonym, age: subject.age, space: known("space", subject.space) }) : t("queue.no_subject")),
  item.summary ? h("span", { class: "queue-summary", text: item.summary }) : null);
  return h("li", { class: ["queue-item", fresh && "is-new", selected && "is-selected"], dataset: { kind: item.kind, id: String(item.id), key } }, link);
}
