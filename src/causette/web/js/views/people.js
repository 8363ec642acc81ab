// Right pane: who is in the current room, filterable by age range, gender, region and
// pseudonym. Choosing someone opens the actions dialog (private message, block).
import { h, nextId } from "../dom.js";
import { t } from "../i18n.js";
import { state, subscribe } from "../state.js";
import { askReport } from "../client.js";
import { genderClass, userDetails, initials, avatarClass } from "./common.js";

export function mountPeople(pane, { onUser }) {
  const f = state.filters;
  const ids = { min: nextId("amin"), max: nextId("amax"), gender: nextId("pg"), region: nextId("pr"), q: nextId("pq") };
  const title = h("h2", { id: "people-title" });
  const ageMin = h("input", { id: ids.min, type: "number", value: f.ageMin, attrs: { min: 15, max: 120, inputmode: "numeric" } });
  const ageMax = h("input", { id: ids.max, type: "number", value: f.ageMax, attrs: { min: 15, max: 120, inputmode: "numeric" } });
  const gender = h("select", { id: ids.gender },
    h("option", { value: "", text: t("people.gender_all") }),
    ...["f", "m", "x"].map((g) => h("option", { value: g, text: t(`join.gender.${g}`) })));
  gender.value = f.gender;
  const region = h("select", { id: ids.region });
  const q = h("input", { id: ids.q, type: "search", value: f.q, attrs: { maxlength: 20, autocomplete: "off" } });
  const count = h("p", { class: "people-count", attrs: { role: "status", "aria-live": "polite" } });
  const list = h("ul", { class: "people-list", attrs: { "aria-labelledby": "people-title" } });

  const filters = h("details", { class: "filters" }, // folded: the people come first
    h("summary", { text: t("people.filters") }),
    h("div", { class: "filter-grid" },
      h("div", { class: "field" }, h("label", { htmlFor: ids.min, text: t("people.age_min") }), ageMin),
      h("div", { class: "field" }, h("label", { htmlFor: ids.max, text: t("people.age_max") }), ageMax),
      h("div", { class: "field" }, h("label", { htmlFor: ids.gender, text: t("people.gender") }), gender),
      h("div", { class: "field" }, h("label", { htmlFor: ids.region, text: t("people.region") }), region),
      h("div", { class: "field wide" }, h("label", { htmlFor: ids.q, text: t("people.search") }), q)));
  pane.append(title, filters, count, list);

  const update = () => {
    f.ageMin = ageMin.value;
    f.ageMax = ageMax.value;
    f.gender = gender.value;
    f.region = region.value;
    f.q = q.value.trim();
    renderList();
  };
  for (const el of [ageMin, ageMax, q]) el.addEventListener("input", update);
  for (const el of [gender, region]) el.addEventListener("change", update);

  function regions() {
    const set = new Set();
    for (const d of (state.meta && state.meta.departments) || []) if (d.region) set.add(d.region);
    for (const users of state.users.values()) for (const u of users.values()) if (u.region) set.add(u.region);
    return [...set].sort((a, b) => a.localeCompare(b, "fr"));
  }

  function renderRegions() {
    const all = regions();
    if (region.options.length === all.length + 1) return;
    region.replaceChildren(h("option", { value: "", text: t("people.region_all") }),
      ...all.map((r) => h("option", { value: r, text: r })));
    region.value = f.region;
  }

  function matches(u) {
    const min = Number.parseInt(f.ageMin, 10);
    const max = Number.parseInt(f.ageMax, 10);
    if (Number.isInteger(min) && u.age < min) return false;
    if (Number.isInteger(max) && u.age > max) return false;
    if (f.gender && u.gender !== f.gender) return false;
    if (f.region && u.region !== f.region) return false;
    if (f.q && !u.pseudonym.toLowerCase().startsWith(f.q.toLowerCase())) return false;
    return true;
  }

  function renderList() {
    const slug = state.peopleRoom;
    const room = slug ? state.rooms.get(slug) : null;
    if (!room || !room.joined) {
      title.textContent = t("chat.people");
      count.textContent = "";
      list.replaceChildren(h("li", { class: "empty", text: t("people.none_room") }));
      return;
    }
    title.textContent = t("people.title", { room: room.name });
    const users = [...(state.users.get(slug) || new Map()).values()]
      .filter((u) => !state.blocked.has(u.pseudonym))
      .sort((a, b) => a.pseudonym.localeCompare(b.pseudonym, "fr"));
    const shown = users.filter(matches);
    count.textContent = t("people.count", { shown: shown.length, total: users.length });
    renderRegions();
    list.replaceChildren(...(shown.length ? shown.map((u) => {
      const me = state.me && u.pseudonym === state.me.pseudonym;
      return h("li", { class: "person", dataset: { pseudonym: u.pseudonym } },
        h("button", {
          type: "button", class: ["person-button", genderClass(u)], disabled: me,
          on: { click: () => onUser(u) },
        },
        h("span", { class: ["avatar", avatarClass(u.pseudonym)], attrs: { "aria-hidden": "true" }, text: initials(u.pseudonym) }),
        h("span", { class: "person-text" },
          h("span", { class: "person-name", text: u.pseudonym }),
          h("span", { class: "sr-only", text: ", " }),
          h("span", { class: "person-details", text: me ? `${userDetails(u)} ${t("people.you")}` : userDetails(u) }))),
        me ? null : h("button", {
          type: "button", class: "report-button small", dataset: { action: "report" }, text: t("report.action"),
          attrs: { "aria-haspopup": "dialog", "aria-label": t("report.person_label", { name: u.pseudonym }) },
          on: { click: () => askReport({ pseudonym: u.pseudonym }) },
        }));
    }) : [h("li", { class: "empty", text: t("people.empty") })]));
  }

  renderList();
  subscribe("people", renderList);
  subscribe("rooms", renderList);
  subscribe("me", renderList);
}
