// The legal tab: what the role may see of requisitions (legal officer), preservations
// (whoever may preserve) and notifications to the authorities (whoever handles
// emergencies), one section each; and the pages of a requisition:
//   #/legal, #/legal/requisition/new, #/legal/requisition/<id>.
// Live events re-read only the part they concern, never the forms being typed.
import { h } from "../../../js/dom.js";
import { t } from "../i18n.js";
import { can } from "../state.js";
import { requisitionsSection, renderRequisitionForm, renderRequisition } from "./requisitions.js";
import { preservationsSection } from "./preservations.js";
import { notificationsSection } from "./notifications.js";

// Which live event concerns which section.
const SECTION_OF_EVENT = {
  requisition: "requisitions",
  export: "requisitions",
  preservation: "preservations",
  notification: "notifications",
};

/** Whether the role sees the legal tab at all. */
export function legalVisible() {
  return can("requisition") || can("preserve") || can("emergency");
}

/** Render the legal route into `pane`; returns {refresh(event)} for live events. */
export function renderLegal(pane, route = {}) {
  const forbidden = () => {
    pane.replaceChildren(h("p", { class: "error", attrs: { role: "alert" }, text: t("err.forbidden") }));
    return { refresh() {} };
  };
  if (route.sub === "requisition") {
    if (!can("requisition")) return forbidden();
    if (route.id === "new") return renderRequisitionForm(pane);
    const view = renderRequisition(pane, route.id);
    return {
      refresh(event) {
        if (event.type === "resync" || SECTION_OF_EVENT[event.type] === "requisitions") view.refresh(event);
      },
    };
  }
  if (!legalVisible()) return forbidden();
  const sections = {};
  if (can("requisition")) sections.requisitions = requisitionsSection();
  if (can("preserve")) sections.preservations = preservationsSection();
  if (can("emergency")) sections.notifications = notificationsSection();
  pane.replaceChildren(
    h("h1", { id: "view-title", attrs: { tabindex: "-1" }, text: t("legal.title") }),
    h("p", { class: "hint", text: can("requisition") ? t("legal.hint") : t("legal.hint_moderator") }),
    ...Object.values(sections).map((s) => s.el));
  return {
    refresh(event) {
      const which = SECTION_OF_EVENT[event.type];
      for (const [name, section] of Object.entries(sections)) {
        if (event.type === "resync" || name === which) section.refresh();
      }
    },
  };
}
