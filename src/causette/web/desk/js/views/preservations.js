// Preservations: data frozen past the normal purge. The list (active ones, or all with a
// toggle), the form that makes one (a chatter's id and/or a channel, a window, a reason;
// also opened from a case, pre-filled) and the release, for the legal officer only, after
// a confirmation. Entries are kept by id across live refreshes, so a confirmation in
// progress is not wiped by someone else's change.
import { h, nextId } from "../../../js/dom.js";
import { t, errorText, dateTime } from "../i18n.js";
import { desk } from "../api.js";
import { can } from "../state.js";
import { badge, known, statusLine, setStatus } from "./common.js";
import {
  field, textInput, textArea, dateTimeInput, toLocalInput, fromLocalInput,
  clearErrors, showServerError, confirmButton, facts,
} from "./fields.js";

const DAY_S = 86400;

const FIELD_OF_MESSAGE = [
  ["give subject_id, channel", "subject_id"],
  ["subject_id", "subject_id"],
  ["channel", "channel"],
  ["from_ts", "to"],
  ["reason", "reason"],
];

function locate(message) {
  const found = FIELD_OF_MESSAGE.find(([needle]) => message.includes(needle));
  return found ? found[1] : null;
}

function sourceText(p) {
  if (!p.source_kind) return null;
  if (p.source_kind === "moderator") return t("pres.source_moderator");
  return t("pres.source_case", { kind: known("kind", p.source_kind), id: p.source_id || "?" });
}

function subjectNode(p) {
  if (!p.subject_id) return null;
  if (can("queue_read")) return h("a", { href: `#/chatter/${encodeURIComponent(p.subject_id)}`, text: p.subject_id });
  return h("code", { text: p.subject_id });
}

function preservationCard(p, onReleased) {
  const released = p.released_at != null;
  const status = statusLine("pres-status");
  return h("li", { class: ["pres-item", released && "is-released"], dataset: { id: p.id, state: released ? "released" : "active" } },
    h("p", { class: "badges" },
      badge(released ? t("pres.released") : t("pres.active"), released ? "label" : "new"),
      badge(t("pres.made_at", { date: dateTime(p.ts) }), "age")),
    h("p", { class: "pres-reason", text: p.reason }),
    facts([
      [t("pres.subject"), subjectNode(p)],
      [t("pres.channel"), p.channel],
      [t("pres.scope_all"), !p.subject_id && !p.channel ? t("pres.everything") : null],
      [t("pres.window"), t("req.window_value", { from: dateTime(p.from_ts), to: dateTime(p.to_ts) })],
      [t("pres.source"), sourceText(p)],
      [t("pres.released_label"), released ? dateTime(p.released_at) : null],
    ]),
    !released && can("preserve_release")
      ? confirmButton({
        label: t("pres.release"),
        question: t("pres.release_question"),
        confirmLabel: t("pres.release_confirm"),
        className: "pres-release",
        async action() {
          try {
            await desk.releasePreservation(p.id);
            setStatus(status, t("pres.released_ok"), "ok");
            onReleased();
          } catch (err) {
            setStatus(status, errorText(err), "error");
          }
        },
      })
      : null,
    status);
}

/** The preservations section of the legal tab: {el, refresh()}. */
export function preservationsSection() {
  const toggleId = "pres-show-all";
  const toggle = h("input", { type: "checkbox", id: toggleId, name: "all", on: { change: () => refresh() } });
  const list = h("div", { class: "legal-body" }, h("p", { class: "hint", text: t("queue.loading") }));
  const cards = new Map(); // id -> {key, el}
  const create = h("details", { class: "legal-create" },
    h("summary", { text: t("pres.new") }),
    preservationForm({ onDone: () => refresh() }));
  const el = h("section", { class: "case-section legal-section", dataset: { list: "preservations" } },
    h("h2", { text: t("legal.preservations") }),
    h("p", { class: "hint", text: t("pres.hint") }),
    h("div", { class: "choice" }, toggle, h("label", { htmlFor: toggleId, text: t("pres.show_all") })),
    create,
    list);

  async function refresh() {
    try {
      const { preservations } = await desk.preservations(toggle.checked);
      if (!preservations.length) {
        cards.clear();
        list.replaceChildren(h("p", { class: "empty", text: toggle.checked ? t("pres.none") : t("pres.none_active") }));
        return;
      }
      const items = preservations.map((p) => {
        const key = `${p.released_at}`;
        const kept = cards.get(p.id);
        if (kept && kept.key === key) return kept.el;
        const card = preservationCard(p, () => refresh());
        cards.set(p.id, { key, el: card });
        return card;
      });
      const ol = list.querySelector("ol.pres-list") || h("ol", { class: "pres-list legal-list" });
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
 * The form that freezes data. `preset`: {subject_id, channel, from_ts, to_ts, reason};
 * `onDone(preservation)` after it is made.
 */
export function preservationForm({ preset = {}, onDone } = {}) {
  const now = Date.now() / 1000;
  const fields = {
    subject_id: field("subject_id", t("pres.subject_id"), textInput({ maxlength: 32 }), t("pres.subject_id_hint")),
    channel: field("channel", t("pres.channel"), textInput({ maxlength: 64 }), t("pres.channel_hint")),
    from: field("from", t("req.from"), dateTimeInput()),
    to: field("to", t("req.to"), dateTimeInput()),
    reason: field("reason", t("pres.reason"), textArea(2, { maxlength: 500 }), t("pres.reason_hint")),
  };
  fields.subject_id.input.value = preset.subject_id || "";
  fields.channel.input.value = preset.channel || "";
  fields.from.input.value = toLocalInput(preset.from_ts ?? now - 30 * DAY_S);
  fields.to.input.value = toLocalInput(preset.to_ts ?? now + 30 * DAY_S);
  fields.reason.input.value = preset.reason || "";
  const status = statusLine("pres-form-status");
  const submit = h("button", { type: "submit", class: "primary", text: t("pres.create") });

  async function onSubmit(event) {
    event.preventDefault();
    clearErrors(fields);
    const body = {
      from_ts: fromLocalInput(fields.from.input.value),
      to_ts: fromLocalInput(fields.to.input.value),
      reason: fields.reason.input.value,
    };
    const subject = fields.subject_id.input.value.trim();
    const channel = fields.channel.input.value.trim();
    if (subject) body.subject_id = subject;
    if (channel) body.channel = channel;
    submit.disabled = true;
    setStatus(status, t("action.busy"));
    try {
      const { preservation } = await desk.preserve(body);
      setStatus(status, t("pres.created"), "ok");
      fields.reason.input.value = "";
      if (onDone) onDone(preservation);
    } catch (err) {
      showServerError(err, fields, locate, status, setStatus);
    } finally {
      submit.disabled = false;
    }
  }

  return h("form", { class: "pres-form legal-form", attrs: { novalidate: true }, on: { submit: onSubmit } },
    fields.subject_id.el, fields.channel.el,
    h("div", { class: "field-row" }, fields.from.el, fields.to.el),
    fields.reason.el,
    status,
    h("div", { class: "actions" }, submit));
}

/** In a case: "Preserve the data" opens the form, pre-filled with the case's subject,
 *  channel and 30 days either side of it. */
export function preservePanel({ subject_id, channel, ts, reason }) {
  const form = preservationForm({
    preset: { subject_id, channel, from_ts: ts - 30 * DAY_S, to_ts: ts + 30 * DAY_S, reason },
  });
  const formId = nextId("pres-case");
  form.id = formId;
  form.hidden = true;
  const open = h("button", {
    type: "button", class: "preserve-open", text: t("pres.open"),
    attrs: { "aria-expanded": "false", "aria-controls": formId },
    on: {
      click: () => {
        form.hidden = !form.hidden;
        open.setAttribute("aria-expanded", String(!form.hidden));
        if (!form.hidden) form.querySelector("textarea")?.focus();
      },
    },
  });
  return h("section", { class: "case-section preserve" },
    h("h2", { text: t("pres.case_title") }),
    h("p", { class: "hint", text: t("pres.case_hint") }),
    open, form);
}
