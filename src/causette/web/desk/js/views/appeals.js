// Appeals (DSA art. 20): the list, and the decision form (uphold or reverse, with the
// explanation the chatter will read). The moderator who took the sanction gets no form but
// the reason why: the server refuses them anyway (403 same_moderator).
import { h, nextId } from "../../../js/dom.js";
import { t, age, errorText } from "../i18n.js";
import { desk } from "../api.js";
import { state, can } from "../state.js";
import { badge, known, sanctionItem, statusLine, setStatus } from "./common.js";

/** The decision part of one appeal: a form, the "not yours to decide" note, or nothing. */
export function appealDecision(appeal, onDone) {
  if (!can("appeal_decide") || appeal.status !== "open") return null;
  const sanction = appeal.sanction || {};
  if (state.me && sanction.decided_by && sanction.decided_by === state.me.id) {
    return h("p", { class: "own-sanction note", attrs: { role: "note" }, text: t("appeals.own") });
  }
  const textId = nextId("appeal-text");
  const hintId = nextId("appeal-hint");
  const text = h("textarea", { id: textId, name: "text", rows: 3, attrs: { maxlength: 1000, "aria-describedby": hintId } });
  const status = statusLine("appeal-status");
  const buttons = ["uphold", "reverse"].map((decision) => h("button", {
    type: "button",
    class: decision === "reverse" ? "primary" : "",
    dataset: { decision },
    text: t(`appeals.${decision}`),
    on: { click: () => decide(decision) },
  }));

  async function decide(decision) {
    if (!text.value.trim()) {
      setStatus(status, t("appeals.need_text"), "error");
      text.focus();
      return;
    }
    for (const b of buttons) b.disabled = true;
    try {
      await desk.decideAppeal(appeal.id, decision, text.value.trim());
      setStatus(status, t("appeals.decided", { decision: t(`appeals.${decision}`) }), "ok");
      text.disabled = true;
      if (onDone) onDone(decision);
    } catch (err) {
      setStatus(status, errorText(err), "error");
      for (const b of buttons) b.disabled = false;
    }
  }

  return h("div", { class: "appeal-decision" },
    h("div", { class: "field" }, h("label", { htmlFor: textId, text: t("appeals.text") }), text,
      h("p", { id: hintId, class: "hint", text: t("appeals.text_hint") })),
    status,
    h("div", { class: "actions" }, buttons));
}

export function appealCard(appeal, onDone) {
  return h("article", { class: ["appeal", `appeal-${appeal.status}`], dataset: { id: String(appeal.id) } },
    h("p", { class: "badges" },
      badge(known("appeals.status", appeal.status), appeal.status === "open" ? "new" : "label"),
      badge(t("appeals.filed", { age: age(appeal.ts) }), "age")),
    h("h3", { text: t("appeals.sanction") }),
    appeal.sanction ? h("ul", { class: "sanctions" }, sanctionItem(appeal.sanction)) : null,
    h("blockquote", { class: "appeal-text", text: appeal.text || "" }),
    appealDecision(appeal, onDone));
}

export async function renderAppeals(pane) {
  const list = h("div", { class: "appeals" }, h("p", { class: "hint", text: t("queue.loading") }));
  pane.replaceChildren(
    h("h1", { id: "view-title", attrs: { tabindex: "-1" }, text: t("appeals.title") }),
    h("p", { class: "hint", text: t("appeals.hint") }),
    list);
  try {
    const { appeals } = await desk.appeals();
    list.replaceChildren(...(appeals.length
      ? appeals.map((a) => appealCard(a, () => {}))
      : [h("p", { class: "empty", text: t("appeals.empty") })]));
  } catch (err) {
    list.replaceChildren(h("p", { class: "error", attrs: { role: "alert" }, text: errorText(err) }));
  }
}
