// Emergencies (DSA art. 18): from an alert or a report, a ready notification for PHAROS or
// the police; the text to paste (read-only, with a copy button), the JSON to attach, then
// "mark as sent" with how and the reference received. The list of notifications with their
// status. Reading the list is audited by the server (it quotes the evidence).
import { h, nextId } from "../../../js/dom.js";
import { t, errorText, dateTime } from "../i18n.js";
import { desk } from "../api.js";
import { badge, known, statusLine, setStatus } from "./common.js";
import { field, textInput, textArea, clearErrors, showServerError, downloadText, copyText, facts } from "./fields.js";

const RECIPIENTS = ["pharos", "police"];

function locateSent(message) {
  if (message.includes("via")) return "via";
  if (message.includes("reference")) return "reference";
  return null;
}

function locateEmergency(message) {
  if (message.includes("threat")) return "threat";
  return null;
}

function sentForm(n, onSent) {
  const fields = {
    via: field("via", t("notif.via"), textInput({ maxlength: 100 }), t("notif.via_hint")),
    reference: field("reference", t("notif.reference"), textInput({ maxlength: 200 }), t("notif.reference_hint")),
  };
  fields.via.input.value = n.recipient === "pharos" ? t("notif.via_pharos") : "";
  const status = statusLine("notif-sent-status");
  const submit = h("button", { type: "submit", class: "primary notif-mark-sent", text: t("notif.mark_sent") });

  async function onSubmit(event) {
    event.preventDefault();
    clearErrors(fields);
    submit.disabled = true;
    setStatus(status, t("action.busy"));
    try {
      await desk.markSent(n.id, { via: fields.via.input.value, reference: fields.reference.input.value });
      setStatus(status, t("notif.marked"), "ok");
      onSent();
    } catch (err) {
      showServerError(err, fields, locateSent, status, setStatus);
      submit.disabled = false;
    }
  }

  return h("form", { class: "notif-sent-form legal-form", attrs: { novalidate: true }, on: { submit: onSubmit } },
    h("h4", { text: t("notif.sent_title") }),
    fields.via.el, fields.reference.el, status, h("div", { class: "actions" }, submit));
}

/** One notification: what, to whom, its text to copy, its JSON, and its sending. */
export function notificationCard(n, onChange = () => {}) {
  const body = n.body || {};
  const text = body.text || "";
  const textId = nextId("notif-text");
  const area = h("textarea", { id: textId, class: "notif-text", rows: 12, readOnly: true, value: text, attrs: { spellcheck: "false" } });
  const copyStatus = statusLine("notif-copy-status");
  const sent = n.status === "sent";
  const via = n.sent_via || {};
  const card = h("article", { class: ["notif", `notif-${n.status}`], dataset: { id: n.id, status: n.status } },
    h("p", { class: "badges" },
      badge(t(`notif.to.${n.recipient}`), "kind-alert"),
      badge(sent ? t("notif.status.sent") : t("notif.status.ready"), sent ? "online" : "new", { dataset: { status: n.status } }),
      badge(t("notif.prepared_at", { date: dateTime(n.ts) }), "age")),
    body.threat ? h("blockquote", { class: "notif-threat", text: body.threat }) : null,
    facts([
      [t("notif.source"), body.source ? t("notif.source_value", { kind: known("kind", body.source.kind), id: body.source.id }) : null],
      [t("notif.prepared_by"), body.prepared_by],
      [t("notif.people"), (body.people || []).map((p) => p.pseudonym).filter(Boolean).join(", ")],
      [t("notif.preservation"), body.preservation_id],
      [t("notif.sent_at"), sent && n.sent_at ? dateTime(n.sent_at) : null],
      [t("notif.via"), sent ? via.via : null],
      [t("notif.reference"), sent ? via.reference : null],
    ]),
    h("div", { class: "field" }, h("label", { htmlFor: textId, text: t("notif.text") }), area),
    h("div", { class: "actions" },
      h("button", {
        type: "button", class: "notif-copy", text: t("notif.copy"),
        on: {
          click: async () => {
            const ok = await copyText(text, area);
            setStatus(copyStatus, ok ? t("notif.copied") : t("notif.copy_failed"), ok ? "ok" : "error");
          },
        },
      }),
      h("button", {
        type: "button", class: "notif-json", text: t("notif.json"),
        on: { click: () => downloadText(JSON.stringify(n, null, 2), `notification-${n.id}.json`, "application/json") },
      })),
    copyStatus,
    sent ? null : sentForm(n, onChange));
  return card;
}

/** The notifications section of the legal tab: {el, refresh()}. */
export function notificationsSection() {
  const list = h("div", { class: "legal-body" }, h("p", { class: "hint", text: t("queue.loading") }));
  const cards = new Map(); // id -> {status, el}
  const el = h("section", { class: "case-section legal-section", dataset: { list: "notifications" } },
    h("h2", { text: t("legal.notifications") }),
    h("p", { class: "hint", text: t("notif.hint") }),
    list);

  async function refresh() {
    try {
      const { notifications } = await desk.notifications();
      if (!notifications.length) {
        cards.clear();
        list.replaceChildren(h("p", { class: "empty", text: t("notif.empty") }));
        return;
      }
      // A card whose status did not change is kept as it is (a "sent" form being typed).
      const items = notifications.map((n) => {
        const kept = cards.get(n.id);
        if (kept && kept.status === n.status) return kept.el;
        const card = h("li", {}, notificationCard(n, () => refresh()));
        cards.set(n.id, { status: n.status, el: card });
        return card;
      });
      const ol = list.querySelector("ol.notif-list") || h("ol", { class: "notif-list" });
      ol.replaceChildren(...items);
      if (!ol.isConnected) list.replaceChildren(ol);
    } catch (err) {
      list.replaceChildren(h("p", { class: "error", attrs: { role: "alert" }, text: errorText(err) }));
    }
  }

  refresh();
  return { el, refresh };
}

/**
 * In an alert's or a report's case: "Notify the authorities" opens the form (PHAROS or
 * police, the threat in the moderator's words); the answer is the ready notification.
 */
export function emergencyPanel(kind, id) {
  const formId = nextId("emergency");
  const open = h("button", {
    type: "button", class: "danger emergency-open", text: t("notif.open"),
    attrs: { "aria-expanded": "false", "aria-controls": formId },
    on: { click: () => toggle() },
  });
  const radios = RECIPIENTS.map((recipient) => {
    const rid = `${formId}-${recipient}`;
    return h("div", { class: "choice" },
      h("input", { type: "radio", id: rid, name: "recipient", value: recipient, checked: recipient === "pharos" }),
      h("label", { htmlFor: rid, text: t(`notif.recipient.${recipient}`) }));
  });
  const fields = { threat: field("threat", t("notif.threat"), textArea(3, { maxlength: 2000 }), t("notif.threat_hint")) };
  const status = statusLine("emergency-status");
  const submit = h("button", { type: "submit", class: "danger", text: t("notif.prepare") });
  const result = h("div", { class: "emergency-result" });
  const form = h("form", { id: formId, class: "emergency-form legal-form", hidden: true, attrs: { novalidate: true }, on: { submit: onSubmit } },
    h("fieldset", { class: "choices" }, h("legend", { text: t("notif.recipient") }), radios),
    fields.threat.el, status, h("div", { class: "actions" }, submit));

  function toggle() {
    form.hidden = !form.hidden;
    open.setAttribute("aria-expanded", String(!form.hidden));
    if (!form.hidden) form.querySelector("input[name=recipient]:checked")?.focus();
  }

  async function onSubmit(event) {
    event.preventDefault();
    clearErrors(fields);
    const recipient = form.querySelector("input[name=recipient]:checked")?.value || "pharos";
    submit.disabled = true;
    setStatus(status, t("action.busy"));
    try {
      const { notification } = await desk.emergency(kind, id, { recipient, threat: fields.threat.input.value });
      form.hidden = true;
      open.hidden = true;
      result.replaceChildren(
        h("p", { class: "emergency-ready", attrs: { role: "status" }, text: t("notif.ready") }),
        notificationCard(notification, () => refreshCard(notification.id)));
      const area = result.querySelector(".notif-text");
      if (area) { area.focus(); area.setSelectionRange(0, 0); area.scrollTop = 0; }
    } catch (err) {
      showServerError(err, fields, locateEmergency, status, setStatus);
      submit.disabled = false;
    }
  }

  // After "mark as sent", show the card as the server now has it.
  async function refreshCard(notificationId) {
    try {
      const { notifications } = await desk.notifications();
      const found = notifications.find((n) => n.id === notificationId);
      if (found) {
        result.replaceChildren(
          h("p", { class: "emergency-sent", attrs: { role: "status" }, dataset: { kind: "ok" }, text: t("notif.marked") }),
          notificationCard(found));
      }
    } catch { /* the status line of the form already said it was recorded */ }
  }

  return h("section", { class: "case-section emergency" },
    h("h2", { text: t("notif.case_title") }),
    h("p", { class: "hint", text: t("notif.case_hint") }),
    open, form, result);
}
