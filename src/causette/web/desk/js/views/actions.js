// The action form of a case or a chatter's record: one action chosen among those that fit
// (dismiss needs a queue item, delete a named message, close PM a private conversation,
// move out a teen), a house rule and a reason the chatter will read, a duration for mute
// and ban, a scope for ban, and optionally the same action on every pseudonym of the
// subject's device key, or on every sender of a merged case (a flood: held copies of one
// text, or alerts of one kind in one room). Shown only to roles with the "sanction"
// permission.
import { h, nextId } from "../../../js/dom.js";
import { t, errorText } from "../i18n.js";
import { desk } from "../api.js";
import { statusLine, setStatus } from "./common.js";

// In the order of their numbers in the terms of use (core/sanctions.py RULE_NUMBERS), which
// the labels carry: the number a moderator picks is the one the chatter's statement cites.
export const RULES = [
  "grooming", "ambush", "hate", "harassment", "sexual_content", "personal_data",
  "impersonation", "spam", "minor_in_adult_space", "adult_in_teen_space", "other",
];
const DURATIONS = [900, 3600, 86400, 604800, 2592000];
const SCOPES = ["pseudonym", "device", "ip"];
const BULKABLE = new Set(["warn", "mute", "kick", "ban", "move_out"]);

/**
 * subject: {id, pseudonym, space} | null; source: {kind, id} | null;
 * message: {channel, id} | null (the message in question); sameDeviceCount: number;
 * caseSenders: the distinct senders of a merged case (held copies, merged alerts).
 */
export function actionForm({ subject, source, message, sameDeviceCount = 0, caseSenders = 0, onDone }) {
  const conversationId = message && String(message.channel || "").startsWith("pm:") ? message.channel.slice(3) : null;
  const actions = [];
  if (source) actions.push("dismiss");
  if (subject) {
    actions.push("warn");
    if (message && message.id != null) actions.push("delete");
    actions.push("mute", "kick", "ban");
    if (conversationId) actions.push("close_pm");
    if (subject.space === "teen") actions.push("move_out");
  }
  if (!actions.length) return null;

  const formId = nextId("action");
  const radios = actions.map((action) => {
    const id = `${formId}-${action}`;
    const input = h("input", { type: "radio", id, name: "action", value: action, on: { change: update } });
    return h("div", { class: "choice" }, input, h("label", { htmlFor: id, text: t(`action.${action}`) }));
  });
  const ruleId = `${formId}-rule`;
  const rule = h("select", { id: ruleId, name: "rule" },
    h("option", { value: "", text: t("action.rule_choose") }),
    RULES.map((r) => h("option", { value: r, text: t(`rule.${r}`) })));
  const reasonId = `${formId}-reason`;
  const reasonHintId = `${formId}-reason-hint`;
  const reasonLabel = h("label", { htmlFor: reasonId, text: t("action.reason") });
  const reason = h("textarea", { id: reasonId, name: "reason", rows: 3, attrs: { maxlength: 1000, "aria-required": "true", "aria-describedby": reasonHintId } });
  const durationId = `${formId}-duration`;
  const duration = h("select", { id: durationId, name: "duration" });
  const scopeRadios = SCOPES.map((scope) => {
    const id = `${formId}-scope-${scope}`;
    return h("div", { class: "choice" },
      h("input", { type: "radio", id, name: "scope", value: scope, checked: scope === "pseudonym" }),
      h("label", { htmlFor: id, text: t(`sanction.scope.${scope}`) }));
  });
  const bulkId = `${formId}-bulk`;
  const bulk = h("input", { type: "checkbox", id: bulkId, name: "bulk_device" });
  const caseBulkId = `${formId}-bulk-case`;
  const caseBulk = h("input", { type: "checkbox", id: caseBulkId, name: "bulk_case" });
  const submit = h("button", { type: "submit", class: "danger", disabled: true, text: t("action.submit", { action: "…" }) });
  const status = statusLine("action-status");

  const ruleField = h("div", { class: "field" }, h("label", { htmlFor: ruleId, text: t("action.rule") }), rule);
  const durationField = h("div", { class: "field" }, h("label", { htmlFor: durationId, text: t("action.duration") }), duration);
  const scopeField = h("fieldset", { class: "choices" }, h("legend", { text: t("action.scope") }), scopeRadios);
  const bulkField = sameDeviceCount > 0
    ? h("div", { class: "choice" }, bulk, h("label", { htmlFor: bulkId, text: t("action.bulk", { count: sameDeviceCount + 1 }) }))
    : null;

  const caseBulkField = source && caseSenders > 1
    ? h("div", { class: "choice" }, caseBulk, h("label", { htmlFor: caseBulkId, text: t("action.bulk_case", { count: caseSenders }) }))
    : null;

  let durationFor;

  function chosen() {
    const input = form.querySelector("input[name=action]:checked");
    return input ? input.value : null;
  }

  function update() {
    const action = chosen();
    submit.disabled = !action;
    submit.textContent = t("action.submit", { action: action ? t(`action.${action}`) : "…" });
    ruleField.hidden = action === "dismiss";
    reasonLabel.textContent = action === "dismiss" ? t("action.dismiss_reason") : t("action.reason");
    durationField.hidden = action !== "mute" && action !== "ban";
    scopeField.hidden = action !== "ban";
    if (bulkField) bulkField.hidden = !BULKABLE.has(action);
    if (caseBulkField) caseBulkField.hidden = !BULKABLE.has(action);
    // Mute is always timed (1 h unless changed); a ban is permanent unless a duration is
    // chosen. The list is rebuilt only when the action changes, keeping the choice made.
    if (action === durationFor) return;
    durationFor = action;
    const options = (action === "ban" ? [""] : []).concat(DURATIONS.map(String));
    duration.replaceChildren(...options.map((value) => h("option", { value, text: value ? t(`duration.${value}`) : t("action.permanent") })));
    duration.value = action === "ban" ? "" : "3600";
  }

  async function onSubmit(event) {
    event.preventDefault();
    const action = chosen();
    if (!action) return;
    if (action !== "dismiss" && !rule.value) {
      setStatus(status, t("action.need_rule"), "error");
      rule.focus();
      return;
    }
    if (!reason.value.trim()) {
      setStatus(status, t("action.need_reason"), "error");
      reason.focus();
      return;
    }
    const body = { action, reason: reason.value.trim() };
    if (source) body.source = { kind: source.kind, id: source.id };
    if (subject && action !== "dismiss") body.subject_id = subject.id;
    if (action !== "dismiss") body.rule = rule.value;
    if ((action === "mute" || action === "ban") && duration.value) body.duration_s = Number(duration.value);
    if (action === "ban") body.scope = form.querySelector("input[name=scope]:checked")?.value || "pseudonym";
    if (action === "delete") { body.channel = message.channel; body.message_id = message.id; }
    if (action === "close_pm") body.conversation_id = conversationId;
    if (bulkField && !bulkField.hidden && bulk.checked) body.bulk_device = true;
    if (caseBulkField && !caseBulkField.hidden && caseBulk.checked) body.bulk_case = true;
    submit.disabled = true;
    setStatus(status, t("action.busy"));
    try {
      const answer = await desk.act(body);
      const done = answer && answer.sanctions ? t("action.done", { count: answer.sanctions.length }) : t("action.dismissed");
      setStatus(status, done, "ok");
      form.dataset.done = action;
      for (const el of form.querySelectorAll("input, select, textarea, button")) el.disabled = true;
      if (onDone) onDone(answer);
    } catch (err) {
      setStatus(status, errorText(err), "error");
      submit.disabled = false;
    }
  }

  const form = h("form", { class: "action-form", attrs: { "aria-labelledby": `${formId}-title`, novalidate: true }, on: { submit: onSubmit } },
    h("h2", { id: `${formId}-title`, text: t("action.title") }),
    h("fieldset", { class: "choices actions-choice" }, h("legend", { text: t("action.choose") }), radios),
    ruleField,
    h("div", { class: "field" }, reasonLabel, reason, h("p", { id: reasonHintId, class: "hint", text: t("action.reason_hint") })),
    durationField,
    scopeField,
    bulkField,
    caseBulkField,
    status,
    h("div", { class: "actions" }, submit));
  update();
  return form;
}
