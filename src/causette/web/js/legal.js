// Links to the legal pages the server publishes (/legal/*, server/legal_pages.py): terms of
// use and their teen version, privacy notice, legal notice, contact points. Shown on the
// join screen, in the chat's settings and on the report page.
//
// Rules: each link carries the interface's language (?lang=), so the page opens in the
// language the chatter reads; it opens in a new tab, so a form being filled or a live chat
// is not lost.
import { h } from "./dom.js";
import { t, lang } from "./i18n.js";

export const LEGAL_PAGES = ["terms", "terms-teen", "privacy", "notice", "contact"];

/** The URL of a legal page in the current language (a `#rule-N` fragment may follow). */
export function legalHref(page, fragment = "") {
  return `/legal/${page}?lang=${encodeURIComponent(lang())}${fragment}`;
}

function legalLink(page, text) {
  return h("a", {
    href: legalHref(page), text, class: "legal-link", dataset: { legal: page },
    attrs: { target: "_blank", rel: "noopener" },
  });
}

/** A small navigation with the five pages. */
export function legalLinks(extraClass = "") {
  return h("nav", { class: ["legal-links", extraClass], attrs: { "aria-label": t("legal.nav") } },
    h("ul", {}, LEGAL_PAGES.map((page) => h("li", {}, legalLink(page, t(`legal.${page.replace("-", "_")}`))))));
}
