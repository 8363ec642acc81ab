// The public report page (DSA art. 16), for people who are not in the chat: a form (what
// is happening, what it is about, a description, an optional e-mail, the statement of good
// faith), the same proof of work as the join solved in a worker while the form is filled,
// then the acknowledgement with a follow link. `/report.html#follow=<token>` shows the
// report's status and, once decided, its outcome. The token stays in the fragment: it is
// never sent in a page request, only to GET /api/reports/public/<token>.
import { h, nextId } from "./dom.js";
import { t, errorText, toggleLang, onLangChange, lang } from "./i18n.js";
import { ApiError } from "./api.js";
import { ProofOfWork } from "./pow.js";
import { legalLinks } from "./legal.js";

const CATEGORIES = ["grooming", "ambush", "hate", "harassment", "spam", "personal_data", "other"];
const TARGET_FIELDS = [
  { key: "pseudonym", max: 40, autocomplete: "off" },
  { key: "room", max: 64, autocomplete: "off" },
  { key: "time", max: 40, placeholder: "pr.time_placeholder" },
  { key: "message", max: 200, autocomplete: "off" },
];
const TEXT_MAX = 2000;
const EMAIL_RE = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const FOLLOW_RE = /^#follow=([A-Za-z0-9_-]{20,64})$/;

const root = document.getElementById("app");
let pow = null;
let draft = {};

async function call(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: body ? { "Content-Type": "application/json", "Accept-Language": lang() } : { "Accept-Language": lang() },
      body: body ? JSON.stringify(body) : undefined,
      cache: "no-store",
      credentials: "omit",
    });
  } catch (err) {
    throw new ApiError("network", String(err));
  }
  let data = null;
  try { data = await response.json(); } catch { data = null; }
  if (!response.ok) {
    const e = (data && data.error) || {};
    throw new ApiError(e.code || "internal", e.message || response.statusText, response.status, e.retry_after ?? null);
  }
  return data;
}

function header() {
  const langButton = h("button", {
    type: "button", class: "link lang-switch", text: t("lang.switch"),
    attrs: { "aria-label": t("lang.switch_label"), lang: t("lang.switch") === "English" ? "en" : "fr" },
    on: { click: () => { snapshot(); toggleLang(); root.querySelector(".lang-switch")?.focus(); } },
  });
  return h("header", { class: "join-header" },
    h("a", { class: "brand", href: "/", text: t("app.title") }),
    langButton);
}

function formatDate(ts) {
  return new Intl.DateTimeFormat(lang(), { dateStyle: "long", timeStyle: "short" }).format(new Date(ts * 1000));
}

// -- the form ---------------------------------------------------------------------------------
let fields = null;

function snapshot() {
  if (!fields || !root.contains(fields.form)) return;
  draft = {
    category: (fields.form.querySelector("input[name=category]:checked") || {}).value,
    target: Object.fromEntries(Object.entries(fields.target).map(([k, input]) => [k, input.value])),
    text: fields.text.value,
    contact: fields.contact.value,
    goodFaith: fields.goodFaith.checked,
  };
}

function renderForm() {
  const ids = { error: nextId("err"), targetHint: nextId("hint"), textHint: nextId("hint"), contactHint: nextId("hint") };
  if (!pow) {
    pow = new ProofOfWork(({ state, progress }) => {
      const status = root.querySelector(".pow");
      if (!status) return;
      status.dataset.state = state;
      status.querySelector("progress").value = Math.round(progress * 100);
      status.querySelector(".pow-text").textContent = state === "ready" ? t("join.pow_ready")
        : state === "failed" ? t("join.pow_failed")
        : t("join.pow_working", { percent: Math.round(progress * 100) });
    });
    pow.start();
  }
  const categories = CATEGORIES.map((c) => {
    const id = nextId("cat");
    return h("li", { class: "radio" },
      h("input", { id, type: "radio", name: "category", value: c, required: true, checked: draft.category === c }),
      h("label", { htmlFor: id, text: t(`report.cat.${c}`) }));
  });
  const target = {};
  const targetInputs = TARGET_FIELDS.map(({ key, max, autocomplete, placeholder }) => {
    const id = nextId(`target-${key}`);
    target[key] = h("input", {
      id, name: `target-${key}`, type: "text", value: (draft.target || {})[key] || "",
      attrs: { maxlength: max, autocomplete, placeholder: placeholder ? t(placeholder) : null, "aria-describedby": ids.targetHint, spellcheck: "false" },
    });
    return h("div", { class: "field" }, h("label", { htmlFor: id, text: t(`pr.${key}`) }), target[key]);
  });
  const textId = nextId("text");
  const counter = h("span", { class: "hint counter", attrs: { "aria-live": "off" } });
  const text = h("textarea", {
    id: textId, name: "text", rows: 6, required: true, value: draft.text || "",
    attrs: { maxlength: TEXT_MAX, "aria-describedby": ids.textHint },
    on: { input: () => { counter.textContent = t("pr.count", { count: text.value.length }); } },
  });
  counter.textContent = t("pr.count", { count: text.value.length });
  const contactId = nextId("contact");
  const contact = h("input", {
    id: contactId, name: "contact", type: "email", value: draft.contact || "",
    attrs: { maxlength: 254, autocomplete: "email", "aria-describedby": ids.contactHint },
  });
  const goodFaithId = nextId("good-faith");
  const goodFaith = h("input", { id: goodFaithId, name: "good_faith", type: "checkbox", required: true, checked: Boolean(draft.goodFaith) });
  const error = h("p", { id: ids.error, class: "form-error", attrs: { role: "alert" } });
  const submit = h("button", { type: "submit", class: "primary", text: t("pr.submit") });
  const powStatus = h("p", { class: "pow", attrs: { role: "status", "aria-live": "polite" } },
    h("progress", { max: 100, value: 0, attrs: { "aria-hidden": "true" } }), h("span", { class: "pow-text" }));

  const form = h("form", { class: "join-form public-report-form", noValidate: true, attrs: { "aria-describedby": ids.error } },
    h("fieldset", { class: "field categories" },
      h("legend", { text: t("pr.category") }),
      h("ul", {}, categories)),
    h("fieldset", { class: "field target" },
      h("legend", { text: t("pr.target") }),
      h("p", { id: ids.targetHint, class: "hint", text: t("pr.target_hint") }),
      h("div", { class: "target-grid" }, targetInputs)),
    h("div", { class: "field" },
      h("label", { htmlFor: textId, text: t("pr.description") }),
      h("p", { id: ids.textHint, class: "hint", text: t("pr.description_hint") }),
      text, counter),
    h("div", { class: "field" },
      h("label", { htmlFor: contactId, text: t("pr.contact") }),
      h("p", { id: ids.contactHint, class: "hint", text: t("pr.contact_hint") }),
      contact),
    h("div", { class: "checkbox" }, goodFaith, h("label", { htmlFor: goodFaithId, text: t("pr.good_faith") })),
    error,
    submit,
    powStatus);
  fields = { form, target, text, contact, goodFaith, error, submit };

  function fail(message, focus) {
    error.textContent = message;
    for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
    if (focus) {
      focus.setAttribute("aria-invalid", "true");
      focus.focus();
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const category = (form.querySelector("input[name=category]:checked") || {}).value;
    const about = {};
    for (const [key, input] of Object.entries(target)) if (input.value.trim()) about[key] = input.value.trim();
    if (!category) return fail(t("pr.need_category"), form.querySelector("input[name=category]"));
    if (!Object.keys(about).length) return fail(t("pr.need_target"), target.pseudonym);
    if (!text.value.trim()) return fail(t("pr.need_description"), text);
    const email = contact.value.trim();
    if (email && !EMAIL_RE.test(email)) return fail(t("pr.bad_contact"), contact);
    if (!goodFaith.checked) return fail(t("pr.need_good_faith"), goodFaith);
    fail("");
    submit.disabled = true;
    submit.textContent = t("pr.sending");
    try {
      const solved = await pow.solution();
      const body = { category, target: about, text: text.value.trim(), good_faith: true, lang: lang(), pow: solved };
      if (email) body.contact = email;
      const answer = await call("POST", "/api/reports/public", body);
      pow.start(); // a fresh proof for a possible next report
      draft = {};
      renderDone(answer);
    } catch (err) {
      submit.disabled = false;
      submit.textContent = t("pr.submit");
      // A field the server refused: its own message names it (in the page's language).
      fail(err.code === "bad_field" && err.message ? err.message : errorText(err), null);
      if (err.code === "pow_invalid" || err.code === "pow_expired") pow.start();
    }
  });

  root.replaceChildren(
    h("div", { class: "join-screen" },
      header(),
      h("main", { id: "main", class: "join-card report-card" },
        h("h1", { id: "report-title", attrs: { tabindex: "-1" }, text: t("pr.title") }),
        h("p", { class: "tagline", text: t("pr.intro") }),
        h("p", { class: "visible-note emergency", text: t("pr.emergency") }),
        form),
      legalLinks("report-legal")));
  document.title = `${t("pr.title")} — causette`;
}

// -- the acknowledgement -------------------------------------------------------------------------
function followHref(token) {
  return `/report.html#follow=${token}`;
}

function renderDone(answer) {
  fields = null;
  const href = followHref(answer.follow_token);
  const link = h("a", { class: "follow-link", href, text: t("pr.follow_link") });
  const heading = h("h1", { attrs: { tabindex: "-1" }, text: t("pr.done_title") });
  root.replaceChildren(
    h("div", { class: "join-screen" },
      header(),
      h("main", { id: "main", class: "join-card report-card report-done" },
        heading,
        h("p", { class: "report-sent", attrs: { role: "status" }, text: t("pr.done_text") }),
        h("p", { class: "report-id", text: t("pr.reference", { id: answer.report_id }) }),
        h("p", { text: t("pr.follow_intro") }),
        h("p", {}, link),
        h("p", { class: "follow-url" }, h("code", { text: new URL(href, location.href).href })),
        h("p", {}, h("a", { href: "/report.html", class: "new-report", text: t("pr.new_report"),
          on: { click: (e) => { e.preventDefault(); history.replaceState(null, "", "/report.html"); route(); } } }))),
      legalLinks("report-legal")));
  document.title = `${t("pr.done_title")} — causette`;
  heading.focus();
  lastRender = () => renderDone(answer);
}

// -- following a report ----------------------------------------------------------------------------
async function renderFollow(token) {
  fields = null;
  const heading = h("h1", { attrs: { tabindex: "-1" }, text: t("pr.follow_title") });
  const body = h("div", { class: "follow-body", attrs: { "aria-live": "polite" } }, h("p", { class: "loading", text: "…" }));
  const refresh = h("button", { type: "button", class: "refresh", text: t("pr.refresh"), on: { click: () => load() } });
  root.replaceChildren(
    h("div", { class: "join-screen" },
      header(),
      h("main", { id: "main", class: "join-card report-card report-follow" },
        heading, body, h("div", { class: "actions" }, refresh),
        h("p", {}, h("a", { href: "/report.html", class: "new-report", text: t("pr.new_report") }))),
      legalLinks("report-legal")));
  document.title = `${t("pr.follow_title")} — causette`;
  heading.focus();

  async function load() {
    refresh.disabled = true;
    try {
      const report = await call("GET", `/api/reports/public/${encodeURIComponent(token)}`);
      const decided = report.status !== "open" && report.decided_at != null;
      const rows = [
        [t("pr.status"), t(decided ? "pr.status.decided" : "pr.status.open"), "status"],
        [t("pr.category_label"), t(`report.cat.${report.category}`), "category"],
        [t("pr.received"), formatDate(report.received_at), "received"],
      ];
      if (decided) {
        rows.push([t("pr.decided"), formatDate(report.decided_at), "decided"]);
        const known = `pr.outcome.${report.outcome}`;
        const label = t(known) === known ? String(report.outcome || "") : t(known);
        rows.push([t("pr.outcome"), label, "outcome"]);
        if (report.outcome_text) rows.push([t("pr.outcome_text"), report.outcome_text, "outcome-text"]);
      }
      body.replaceChildren(h("dl", { class: "follow-status", dataset: { status: decided ? "decided" : "open" } },
        rows.map(([term, value, key]) => [h("dt", { text: term }), h("dd", { class: `follow-${key}`, text: value })])));
    } catch (err) {
      body.replaceChildren(h("p", { class: "form-error", attrs: { role: "alert" },
        text: err.code === "not_found" ? t("pr.not_found") : errorText(err) }));
    } finally {
      refresh.disabled = false;
    }
  }
  await load();
  lastRender = () => renderFollow(token);
}

// -- routing ------------------------------------------------------------------------------------------
let lastRender = null;

function route() {
  const match = FOLLOW_RE.exec(location.hash);
  if (match) {
    renderFollow(match[1]);
  } else {
    lastRender = null;
    renderForm();
    root.querySelector("#report-title")?.focus();
  }
}

window.addEventListener("hashchange", route);
onLangChange(() => {
  document.documentElement.lang = lang();
  if (lastRender) lastRender();
  else renderForm();
});
route();
