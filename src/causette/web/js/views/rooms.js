// Left pane: the rooms of the chatter's space with live counts, then private messages:
// requests to answer and open conversations.
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { state, subscribe } from "../state.js";
import { joinRoom, respond, showTab, isRegionRoom } from "../client.js";
import { badge, genderClass, userDetails, roomCount } from "./common.js";

export function mountRooms(pane) {
  const roomList = h("ul", { class: "room-list" });
  const regionList = h("ul", { class: "room-list region-list" });
  const regionSummary = h("summary", {});
  // The thirteen regions are folded: mine first, the others by activity.
  const regions = h("details", { class: "regions" }, regionSummary, regionList);
  const requests = h("ul", { class: "request-list" });
  const pms = h("ul", { class: "pm-list" });
  // Private messages come first: a request must be seen without scrolling the room list.
  const requestsTitle = h("h3", { text: t("chat.requests") });
  const pmSection = h("section", { class: "pm-section", attrs: { "aria-labelledby": "pms-title" } },
    h("h2", { id: "pms-title", text: t("chat.pms") }),
    requestsTitle, requests, pms);
  pane.append(
    pmSection,
    h("h2", { id: "rooms-title", text: t("chat.rooms") }),
    roomList,
    regions,
  );

  function roomRow(room) {
    const key = `room:${room.slug}`;
    const current = state.active === key;
    const count = roomCount(state, room);
    return h("li", {},
      h("button", {
        type: "button", class: ["room", room.joined && "joined", current && "current"],
        dataset: { slug: room.slug },
        attrs: { "aria-current": current ? "true" : null, title: room.topic || null },
        on: { click: () => joinRoom(room.slug) },
      },
      h("span", { class: "room-name", text: room.name }),
      room.joined ? h("span", { class: "sr-only", text: ` (${t("chat.joined")})` }) : null,
      h("span", { class: "count" }, String(count), h("span", { class: "sr-only", text: ` ${t("chat.online_short")}` }))));
  }

  function renderRooms() {
    // By activity (most people first), the operator's order among equals.
    const all = [...state.rooms.values()].map((room, i) => ({ room, i }))
      .sort((a, b) => roomCount(state, b.room) - roomCount(state, a.room) || a.i - b.i)
      .map((x) => x.room);
    const mine = state.me && state.me.region;
    const themed = all.filter((r) => !isRegionRoom(r));
    const regional = all.filter((r) => isRegionRoom(r));
    const own = regional.find((r) => r.name === mine);
    const ordered = own ? [own, ...regional.filter((r) => r !== own)] : regional;
    const focused = pane.contains(document.activeElement) ? document.activeElement.dataset.slug : null;
    roomList.replaceChildren(...themed.map(roomRow));
    regionList.replaceChildren(...ordered.map(roomRow));
    if (focused) pane.querySelector(`.room[data-slug="${CSS.escape(focused)}"]`)?.focus(); // a redraw keeps the focus
    regions.hidden = regional.length === 0;
    regionSummary.replaceChildren(
      h("span", { class: "room-name", text: t("chat.my_region") }),
      own ? h("span", { class: "region-own", text: ` · ${own.name}` }) : null,
      own ? h("span", { class: "count" }, String(roomCount(state, own)), h("span", { class: "sr-only", text: ` ${t("chat.online_short")}` })) : null);
    // A region room I am in stays in sight.
    if (regional.some((r) => state.active === `room:${r.slug}`)) regions.open = true;
  }

  function renderPms() {
    const convs = [...state.conversations.values()];
    const incoming = convs.filter((c) => c.state === "pending_in" && !state.blocked.has(c.with.pseudonym));
    requests.replaceChildren(...(incoming.length ? incoming.map((conv) => {
      const key = `pm:${conv.id}`;
      const c = state.channels.get(key);
      const first = c && c.messages.length ? c.messages[0].text : "";
      return h("li", { class: "request", dataset: { conversation: conv.id } },
        h("button", { type: "button", class: ["link", "who", genderClass(conv.with)], on: { click: () => showTab(key) } },
          conv.with.pseudonym),
        h("span", { class: "details", text: userDetails(conv.with) }),
        first ? h("p", { class: "preview", text: first }) : null,
        h("div", { class: "actions" },
          h("button", { type: "button", class: "small primary", text: t("chat.accept"), on: { click: () => respond(conv.id, "accept") } }),
          h("button", { type: "button", class: "small", text: t("chat.ignore"), on: { click: () => respond(conv.id, "ignore") } }),
          h("button", { type: "button", class: "small danger", text: t("chat.block"), on: { click: () => respond(conv.id, "block") } })));
    }) : [h("li", { class: "empty", text: t("chat.no_requests") })]));

    requests.hidden = requestsTitle.hidden = incoming.length === 0;
    const open = convs.filter((c) => c.state === "accepted" || c.state === "pending_out");
    pmSection.hidden = incoming.length === 0 && open.length === 0;
    pms.replaceChildren(...open.map((conv) => {
      const key = `pm:${conv.id}`;
      const c = state.channels.get(key);
      return h("li", {},
        h("button", {
          type: "button", class: ["pm-item", state.active === key && "current"],
          attrs: { "aria-current": state.active === key ? "true" : null },
          on: { click: () => showTab(key) },
        },
        h("span", { class: genderClass(conv.with), text: conv.with.pseudonym }),
        badge(c && c.unread)));
    }));
  }

  renderRooms();
  renderPms();
  subscribe("rooms", renderRooms);
  subscribe("tabs", renderRooms);
  subscribe("people", renderRooms); // a joined room's count is its visible list
  subscribe("pms", renderPms);
  subscribe("tabs", renderPms);
  subscribe("messages", renderPms);
}
