// The admin's tab (OPERATE): the purge — a dry run first, showing what each table would
// lose, then the real run after a confirmation —, the trusted flaggers (DSA art. 22:
// register one, its credential shown once; revoke one after a confirmation), the shared
// rule lists and packs (views/rules.js) and the
// transparency figures (DSA art. 15 and 24) for a period, as tables. The HTML report with
// charts stays the CLI's (`causette admin transparency`).
import { h } from "../../../js/dom.js";
import { t, has, errorText, duration, dateTime } from "../i18n.js";
import { desk } from "../api.js";
import { statusLine, setStatus, badge } from "./common.js";
import { field, textInput, clearErrors, showServerError, confirmButton, copyText, isoDay } from "./fields.js";
import { rulesSection } from "./rules.js";

export function renderAdmin(pane) {
  pane.replaceChildren(
    h("h1", { id: "view-title", attrs: { tabindex: "-1" }, text: t("admin.title") }),
    purgeSection(),
    flaggersSection(),
    rulesSection(),
    transparencySection());
  pane.querySelector("#view-title")?.focus();
  return { refresh() {} };
}

function table(caption, headers, rows, className = "figures") {
  return h("div", { class: "table-wrap" },
    h("table", { class: className },
      h("caption", { text: caption }),
      h("thead", {}, h("tr", {}, headers.map((text) => h("th", { attrs: { scope: "col" }, text })))),
      h("tbody", {}, rows.map(([head, ...cells]) => h("tr", {},
        h("th", { attrs: { scope: "row" }, text: head }),
        cells.map((c) => h("td", { text: c })))))));
}

// -- purge -------------------------------------------------------------------------------------
function purgeSection() {
  const status = statusLine("purge-status");
  const result = h("div", { class: "purge-result" });
  const dry = h("button", { type: "button", class: "purge-dry", text: t("purge.dry_run"), on: { click: () => run(true) } });
  const real = confirmButton({
    label: t("purge.run"),
    question: t("purge.question"),
    confirmLabel: t("purge.confirm"),
    className: "danger purge-run",
    action: () => run(false),
  });
  real.hidden = true;

  function countsTable(answer) {
    const entries = Object.entries(answer.deleted || {});
    const total = entries.reduce((sum, [, n]) => sum + Number(n || 0), 0);
    const caption = answer.dry_run ? t("purge.would_delete", { total }) : t("purge.deleted", { total });
    return h("div", { dataset: { dryRun: String(Boolean(answer.dry_run)) } },
      table(caption, [t("purge.table"), t("purge.rows")], [
        ...entries.map(([name, n]) => [name, String(n)]),
        [t("purge.total"), String(total)],
      ], "figures purge-counts"));
  }

  async function run(dryRun) {
    dry.disabled = true;
    setStatus(status, dryRun ? t("purge.counting") : t("purge.running"));
    try {
      const answer = await desk.purge(dryRun);
      result.replaceChildren(countsTable(answer));
      setStatus(status, dryRun ? t("purge.counted") : t("purge.done"), "ok");
      real.hidden = !dryRun;
    } catch (err) {
      setStatus(status, errorText(err), "error");
    } finally {
      dry.disabled = false;
    }
  }

  return h("section", { class: "case-section admin-section", dataset: { panel: "purge" } },
    h("h2", { text: t("purge.title") }),
    h("p", { class: "hint", text: t("purge.hint") }),
    h("div", { class: "actions" }, dry),
    status,
    result,
    real);
}

// -- trusted flaggers --------------------------------------------------------------------------
function flaggersSection() {
  const fields = {
    name: field("name", t("flaggers.name"), textInput({ maxlength: "80" })),
    contact: field("contact", t("flaggers.contact"), textInput({ maxlength: "254" }), t("flaggers.contact_hint")),
  };
  const status = statusLine("flaggers-status");
  const shown = h("div", { class: "flagger-token-box" });
  const list = h("ul", { class: "flagger-list" });
  const submit = h("button", { type: "submit", class: "primary", text: t("flaggers.register") });

  function row(f) {
    const when = f.active ? t("flaggers.since", { date: dateTime(f.created_at) }) : t("flaggers.revoked", { date: dateTime(f.revoked_at) });
    return h("li", { class: ["flagger", !f.active && "is-revoked"], dataset: { id: f.id, active: String(f.active) } },
      h("strong", { class: "flagger-name", text: f.name }),
      " ",
      badge(f.active ? t("flaggers.active") : when, f.active ? "new" : "label"),
      h("span", { class: "meta", text: ` ${f.contact}${f.active ? ` · ${when}` : ""}` }),
      f.active ? confirmButton({
        label: t("flaggers.revoke"),
        question: t("flaggers.revoke_question", { name: f.name }),
        confirmLabel: t("flaggers.revoke_confirm"),
        className: "danger flagger-revoke",
        action: () => revoke(f),
      }) : null);
  }

  async function load() {
    try {
      const { flaggers } = await desk.flaggers();
      list.replaceChildren(...(flaggers.length ? flaggers.map(row) : [h("li", { class: "empty", text: t("flaggers.none") })]));
    } catch (err) {
      setStatus(status, errorText(err), "error");
    }
  }

  async function revoke(f) {
    try {
      await desk.revokeFlagger(f.id);
      setStatus(status, t("flaggers.revoked_done", { name: f.name }), "ok");
    } catch (err) {
      setStatus(status, errorText(err), "error");
    }
    await load();
  }

  function showToken(flagger, token) {
    const box = h("textarea", { class: "flagger-token", rows: 2, readOnly: true, attrs: { "aria-label": t("flaggers.token", { name: flagger.name }) } });
    box.value = token;
    const copied = statusLine("flagger-copied");
    shown.replaceChildren(
      h("p", { class: "hint", text: t("flaggers.token_use") }),
      h("p", { class: "flagger-token-label", text: t("flaggers.token", { name: flagger.name }) }),
      box,
      h("div", { class: "actions" }, h("button", {
        type: "button", class: "flagger-copy", text: t("flaggers.copy"),
        on: { click: async () => { if (await copyText(token, box)) setStatus(copied, t("flaggers.copied"), "ok"); } },
      })),
      copied);
  }

  async function onSubmit(event) {
    event.preventDefault();
    clearErrors(fields);
    shown.replaceChildren();
    submit.disabled = true;
    try {
      const { flagger, token } = await desk.registerFlagger(fields.name.input.value, fields.contact.input.value);
      fields.name.input.value = "";
      fields.contact.input.value = "";
      setStatus(status, t("flaggers.registered", { name: flagger.name }), "ok");
      showToken(flagger, token);
      await load();
    } catch (err) {
      showServerError(err, fields, (m) => (/\bcontact:/.test(m) ? "contact" : "name"), status, setStatus);
    } finally {
      submit.disabled = false;
    }
  }

  load();
  return h("section", { class: "case-section admin-section", dataset: { panel: "flaggers" } },
    h("h2", { text: t("flaggers.title") }),
    h("p", { class: "hint", text: t("flaggers.hint") }),
    h("form", { class: "flagger-form legal-form", attrs: { novalidate: true }, on: { submit: onSubmit } },
      h("div", { class: "field-row" }, fields.name.el, fields.contact.el),
      status,
      h("div", { class: "actions" }, submit)),
    shown,
    h("h3", { text: t("flaggers.list") }),
    list);
}

// -- transparency ------------------------------------------------------------------------------
const GROUPS = ["reports", "trusted_flaggers", "alerts", "actions", "time_to_action", "appeals", "requisitions", "notifications", "held_messages", "moderators"];

function label(key) {
  if (has(`tr.${key}`)) return t(`tr.${key}`);
  if (has(`label.${key}`)) return t(`label.${key}`);
  if (has(`action.${key}`)) return t(`action.${key}`);
  return key;
}

function cell(key, value) {
  if (value === null || value === undefined) return "—";
  if (typeof value === "number" && key.endsWith("_s")) return duration(value);
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

// generated_at is ISO 8601 (UTC) in this report; a number would be UNIX seconds.
function generatedAt(value) {
  if (typeof value === "number") return dateTime(value);
  const ms = Date.parse(String(value ?? ""));
  return Number.isFinite(ms) ? dateTime(ms / 1000) : "—";
}

const isScalar = (v) => v === null || typeof v !== "object";

/** One group of figures: its plain numbers in one table, each breakdown in its own. */
function groupTables(name, group) {
  if (isScalar(group)) return [table(label(name), [t("tr.figure"), t("tr.value")], [[label(name), cell(name, group)]])];
  const out = [];
  const plain = [];
  for (const [key, value] of Object.entries(group)) {
    if (isScalar(value)) { plain.push([label(key), cell(key, value)]); continue; }
    const inner = Object.entries(value);
    if (inner.every(([, v]) => isScalar(v))) {
      if (!inner.length) plain.push([label(key), "0"]);
      for (const [sub, v] of inner) plain.push([`${label(key)} — ${label(sub)}`, cell(sub, v)]);
      continue;
    }
    const columns = [...new Set(inner.flatMap(([, v]) => (v && typeof v === "object" ? Object.keys(v) : [])))];
    out.push(table(`${label(name)} — ${label(key)}`, ["", ...columns.map(label)],
      inner.map(([sub, v]) => [label(sub), ...columns.map((c) => cell(c, v ? v[c] : null))])));
  }
  // A group made only of breakdowns (time to action) has no plain table.
  if (plain.length) out.unshift(table(label(name), [t("tr.figure"), t("tr.value")], plain));
  return out;
}

function transparencySection() {
  const today = new Date();
  const first = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1));
  const fields = {
    from: field("from", t("tr.from"), h("input", { type: "date", value: isoDay(first) })),
    to: field("to", t("tr.to"), h("input", { type: "date", value: isoDay(today) }), t("tr.dates_hint")),
  };
  const status = statusLine("tr-status");
  const result = h("div", { class: "tr-result" });
  const submit = h("button", { type: "submit", class: "primary", text: t("tr.show") });

  async function onSubmit(event) {
    event.preventDefault();
    clearErrors(fields);
    submit.disabled = true;
    setStatus(status, t("queue.loading"));
    try {
      const figures = await desk.transparency(fields.from.input.value, fields.to.input.value);
      const period = figures.period || {};
      result.replaceChildren(
        h("p", { class: "tr-period", text: t("tr.period", { from: period.from, to: period.to, at: generatedAt(period.generated_at) }) }),
        ...GROUPS.filter((g) => g in figures).flatMap((g) => groupTables(g, figures[g])));
      setStatus(status, "");
    } catch (err) {
      // "from: …" names the first day; "to: …" and "from, to: …" go under the last.
      showServerError(err, fields, (m) => (/\bfrom:/.test(m) ? "from" : "to"), status, setStatus);
    } finally {
      submit.disabled = false;
    }
  }

  return h("section", { class: "case-section admin-section", dataset: { panel: "transparency" } },
    h("h2", { text: t("tr.title") }),
    h("p", { class: "hint", text: t("tr.hint") }),
    h("form", { class: "tr-form legal-form", attrs: { novalidate: true }, on: { submit: onSubmit } },
      h("div", { class: "field-row" }, fields.from.el, fields.to.el),
      status,
      h("div", { class: "actions" }, submit)),
    result);
}
