// The report dialog (issue 6): about a message or a chatter, opened from a message, the
// people list, a private conversation's head or a safety card. Click 1 opens it; click 2
// on a category sends the report; the dialog then shows the acknowledgement (with the
// report's id) or the error. An optional short text goes with it.
import { h, nextId } from "../dom.js";
import { t } from "../i18n.js";
import { state, subscribe } from "../state.js";
import { REPORT_CATEGORIES, sendReport, closeReport } from "../client.js";

export function mountReport(dialog) {
  let shownSeq = null;
  let details = null;
  let status = null;
  let buttons = [];

  dialog.addEventListener("close", () => {
    shownSeq = null;
    closeReport();
  });

  function build(r) {
    const name = r.target.pseudonym;
    const isMessage = Boolean(r.target.channel && typeof r.target.id === "number");
    const detailsId = nextId("report-text");
    details = h("textarea", {
      id: detailsId, name: "report-text", rows: 2,
      attrs: { maxlength: 500, placeholder: t("report.details_placeholder") },
    });
    // The pre-set category (a safety card's kind) comes first and is the obvious choice.
    const order = r.category ? [r.category, ...REPORT_CATEGORIES.filter((c) => c !== r.category)] : REPORT_CATEGORIES;
    buttons = order.map((c) => h("button", {
      type: "button", class: ["report-category", c === r.category && "primary"], dataset: { category: c },
      on: { click: () => sendReport(c, details.value) },
    }, t(`report.cat.${c}`)));
    status = h("p", { class: "report-status", attrs: { role: "status", "aria-live": "polite" } });
    dialog.replaceChildren(
      h("h2", { id: "report-title", attrs: { tabindex: "-1" }, text: isMessage ? t("report.title_message", { name }) : t("report.title_person", { name }) }),
      isMessage && r.target.text ? h("blockquote", { class: "report-quote", text: r.target.text }) : null,
      h("p", { class: "details", text: t("report.choose") }),
      h("ul", { class: "report-categories", attrs: { "aria-label": t("report.categories") } }, buttons.map((b) => h("li", {}, b))),
      h("div", { class: "field" }, h("label", { htmlFor: detailsId, text: t("report.details") }), details),
      status,
      h("div", { class: "actions" }, h("button", { type: "button", class: "report-cancel", text: t("report.cancel"), on: { click: () => dialog.close() } })));
  }

  function showSent(r) {
    const close = h("button", { type: "button", class: "primary", text: t("settings.close"), on: { click: () => dialog.close() } });
    dialog.replaceChildren(
      h("h2", { id: "report-title", text: t("report.done_title") }),
      h("p", { class: "report-sent", attrs: { role: "status" }, text: t("report.sent") }),
      r.reportId ? h("p", { class: "report-id", text: t("report.reference", { id: r.reportId }) }) : null,
      h("div", { class: "actions" }, close));
    close.focus();
  }

  function render() {
    const r = state.report;
    if (!r) {
      if (dialog.open) dialog.close();
      return;
    }
    if (shownSeq !== r.seq) {
      shownSeq = r.seq;
      build(r);
      if (!dialog.open) dialog.showModal();
      // A pre-set reason (a safety card) has the focus, so Enter sends it; otherwise the
      // title does, so that an Enter pressed too soon never files the first reason.
      if (r.category) buttons[0]?.focus();
      else dialog.querySelector("#report-title")?.focus();
    }
    if (r.status === "sent") {
      showSent(r);
      return;
    }
    const busy = r.status === "sending";
    for (const b of buttons) b.disabled = busy;
    if (!status) return;
    status.dataset.kind = r.status === "error" ? "error" : "info";
    status.textContent = busy ? t("report.sending") : r.status === "error" ? r.error || "" : "";
    if (r.status === "error") buttons[0]?.focus();
  }

  subscribe("report", render);
}
