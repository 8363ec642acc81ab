// Left pane: the rooms of the chatter's space with live counts, then private messages:
// requests to answer and open conversations.
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { state, subscribe, changed } from "../state.js";
import { joinRoom, respond, openTab } from "../client.js";
import { badge, genderClass, userDetails } from "./common.js";

export function mountRooms(pane) {
  const roomList = h("ul", { class: "room-list" });
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
  );

  function renderRooms() {
    const rooms = [...state.rooms.values()]; // in the operator's order
    roomList.replaceChildren(...rooms.map((room) => {
      const key = `room:${room.slug}`;
      const current = state.active === key;
      const label = room.joined ? `${room.name} (${t("chat.joined")})` : t("chat.join_room", { name: room.name });
      return h("li", {},
        h("button", {
          type: "button", class: ["room", room.joined && "joined", current && "current"],
          dataset: { slug: room.slug },
          attrs: { "aria-current": current ? "true" : null, title: room.topic || null },
          on: { click: () => joinRoom(room.slug) },
        },
        h("span", { class: "room-name", text: room.name }),
        h("span", { class: "sr-only", text: ` — ${label}` }),
        h("span", { class: "count", attrs: { "aria-label": t("chat.room_count", { count: room.count ?? 0 }) }, text: String(room.count ?? 0) })));
    }));
  }

  function renderPms() {
    const convs = [...state.conversations.values()];
    const incoming = convs.filter((c) => c.state === "pending_in" && !state.blocked.has(c.with.pseudonym));
    requests.replaceChildren(...(incoming.length ? incoming.map((conv) => {
      const key = `pm:${conv.id}`;
      const c = state.channels.get(key);
      const first = c && c.messages.length ? c.messages[0].text : "";
      return h("li", { class: "request", dataset: { conversation: conv.id } },
        h("button", { type: "button", class: ["link", "who", genderClass(conv.with)], on: { click: () => openTab(key) } },
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
          on: { click: () => { openTab(key); state.view = "chat"; changed("view"); } },
        },
        h("span", { class: genderClass(conv.with), text: conv.with.pseudonym }),
        badge(c && c.unread)));
    }));
  }

  renderRooms();
  renderPms();
  subscribe("rooms", renderRooms);
  subscribe("tabs", renderRooms);
  subscribe("pms", renderPms);
  subscribe("tabs", renderPms);
  subscribe("messages", renderPms);
}
