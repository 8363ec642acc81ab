// Requisitions (role legal): the list, the form that records one (authority, reference,
// legal basis, scope: pseudonyms, session ids, devices followed, message ids, window) with
// the server's refusals shown by field, and one requisition's page: its export started,
// its progress (live events, and a poll every second while it runs), then the signed
// archive to download, its SHA-256 and how to verify it with the service's public key.
import { h } from "../../../js/dom.js";
import { t, errorText, dateTime } from "../i18n.js";
import { desk } from "../api.js";
import { badge, known, statusLine, setStatus } from "./common.js";
import {
  field, textInput, textArea, dateTimeInput, toLocalInput, fromLocalInput, lines,
  clearErrors, showFieldError, showServerError, downloadText, facts,
} from "./fields.js";

const POLL_MS = 1000;
const DAY_S = 86400;

// Which field a bad_field message names (the server's detail starts with it).
const FIELD_OF_MESSAGE = [
  ["scope.pseudonyms", "pseudonyms"],
  ["scope.sessions", "sessions"],
  ["scope.devices_of", "devices_of"],
  ["scope.message_ids", "message_ids"],
  ["scope.from_ts", "from"],
  ["scope.to_ts", "to"],
  ["from_ts must be before", "to"],
  ["scope: name", "targets"],
  ["legal_basis", "legal_basis"],
  ["authority", "authority"],
  ["reference", "reference"],
];

function locate(message) {
  const found = FIELD_OF_MESSAGE.find(([needle]) => message.includes(needle));
  return found ? found[1] : null;
}

const percent = (r) => Math.round(Math.max(0, Math.min(1, Number(r.progress) || 0)) * 100);

function statusBadge(r) {
  const kind = { recorded: "label", running: "new", done: "online", failed: "sev-high" }[r.status] || "label";
  return badge(known("req.status", r.status), kind, { dataset: { status: r.status } });
}

function progressBar(r, labelId = null) {
  return h("progress", {
    class: "req-progress", max: 100, value: percent(r),
    attrs: { "aria-labelledby": labelId, "aria-label": labelId ? null : t("req.progress") },
  });
}

function scopeTargets(scope) {
  const out = [];
  const list = (key, values) => { if (values && values.length) out.push([t(`req.scope.${key}`), values.join(", ")]); };
  list("pseudonyms", scope.pseudonyms);
  list("sessions", scope.sessions);
  list("devices_of", scope.devices_of);
  list("message_ids", (scope.message_ids || []).map((m) => `${m.channel}#${m.id}`));
  return out;
}

function windowText(scope) {
  return t("req.window_value", { from: dateTime(scope.from_ts), to: dateTime(scope.to_ts) });
}

// -- the list ------------------------------------------------------------------------------
function requisitionItem(r) {
  const link = h("a", { class: "req-link", href: `#/legal/requisition/${encodeURIComponent(r.id)}` },
    h("span", { class: "req-title", text: t("req.item_title", { reference: r.reference, authority: r.authority }) }),
    h("span", { class: "badges" },
      statusBadge(r),
      badge(t("req.recorded_at", { date: dateTime(r.ts) }), "age"),
      r.finished_at ? badge(t("req.finished_at", { date: dateTime(r.finished_at) }), "age") : null),
    h("span", { class: "req-progress-line" }, progressBar(r), ` ${t("req.percent", { n: percent(r) })}`));
  return h("li", { class: "req-item", dataset: { id: r.id, status: r.status } }, link);
}

/** The requisitions section of the legal tab: {el, refresh()}. */
export function requisitionsSection() {
  const list = h("div", { class: "legal-body" }, h("p", { class: "hint", text: t("queue.loading") }));
  const el = h("section", { class: "case-section legal-section", dataset: { list: "requisitions" } },
    h("div", { class: "pane-head" },
      h("h2", { text: t("legal.requisitions") }),
      h("a", { class: "button-link primary", href: "#/legal/requisition/new", text: t("req.new") })),
    list);
  let timer = null;

  async function refresh() {
    clearTimeout(timer);
    try {
      const { requisitions } = await desk.requisitions();
      list.replaceChildren(requisitions.length
        ? h("ol", { class: "req-list" }, requisitions.map(requisitionItem))
        : h("p", { class: "empty", text: t("req.empty") }));
      // A running export's progress moves without events: re-read while one runs.
      if (requisitions.some((r) => r.status === "running")) timer = setTimeout(() => { if (el.isConnected) refresh(); }, POLL_MS);
    } catch (err) {
      list.replaceChildren(h("p", { class: "error", attrs: { role: "alert" }, text: errorText(err) }));
    }
  }

  refresh();
  return { el, refresh };
}

// -- recording one ---------------------------------------------------------------------------
export function renderRequisitionForm(pane) {
  const now = Date.now() / 1000;
  const fields = {
    authority: field("authority", t("req.authority"), textInput({ maxlength: 500 }), t("req.authority_hint")),
    reference: field("reference", t("req.reference"), textInput({ maxlength: 200 }), t("req.reference_hint")),
    legal_basis: field("legal_basis", t("req.legal_basis"), textInput({ maxlength: 500 }), t("req.legal_basis_hint")),
    pseudonyms: field("pseudonyms", t("req.scope.pseudonyms"), textArea(3), t("req.pseudonyms_hint")),
    sessions: field("sessions", t("req.scope.sessions"), textArea(2), t("req.sessions_hint")),
    devices_of: field("devices_of", t("req.scope.devices_of"), textArea(2), t("req.devices_of_hint")),
    message_ids: field("message_ids", t("req.scope.message_ids"), textArea(2), t("req.message_ids_hint")),
    from: field("from", t("req.from"), dateTimeInput()),
    to: field("to", t("req.to"), dateTimeInput(), t("req.window_hint")),
  };
  fields.from.input.value = toLocalInput(now - 7 * DAY_S);
  fields.to.input.value = toLocalInput(now + 60);
  const targetsError = h("p", { class: "field-error", dataset: { field: "targets" } });
  fields.targets = { input: fields.pseudonyms.input, error: targetsError };
  const status = statusLine("req-status");
  const submit = h("button", { type: "submit", class: "primary", text: t("req.record") });

  function messageIds() {
    const parsed = [];
    for (const line of lines(fields.message_ids.input)) {
      const match = /^(.+)#(\d+)$/.exec(line);
      if (!match) return { error: t("req.message_ids_bad", { line }) };
      parsed.push({ channel: match[1].trim(), id: Number(match[2]) });
    }
    return { parsed };
  }

  async function onSubmit(event) {
    event.preventDefault();
    clearErrors(fields);
    setStatus(status, "");
    const ids = messageIds();
    if (ids.error) {
      showFieldError(fields, "message_ids", ids.error);
      setStatus(status, t("form.see_field"), "error");
      return;
    }
    // Everything else is checked by the server; its refusals come back by field.
    const body = {
      authority: fields.authority.input.value,
      reference: fields.reference.input.value,
      legal_basis: fields.legal_basis.input.value,
      scope: {
        from_ts: fromLocalInput(fields.from.input.value),
        to_ts: fromLocalInput(fields.to.input.value),
        pseudonyms: lines(fields.pseudonyms.input),
        sessions: lines(fields.sessions.input),
        devices_of: lines(fields.devices_of.input),
        message_ids: ids.parsed,
      },
    };
    submit.disabled = true;
    setStatus(status, t("action.busy"));
    try {
      const { requisition } = await desk.recordRequisition(body);
      setStatus(status, t("req.recorded"), "ok");
      location.hash = `#/legal/requisition/${encodeURIComponent(requisition.id)}`;
    } catch (err) {
      showServerError(err, fields, locate, status, setStatus);
      submit.disabled = false;
    }
  }

  const form = h("form", { class: "req-form legal-form", attrs: { novalidate: true, "aria-labelledby": "view-title" }, on: { submit: onSubmit } },
    fields.authority.el, fields.reference.el, fields.legal_basis.el,
    h("fieldset", { class: "req-scope" },
      h("legend", { text: t("req.scope") }),
      h("p", { class: "hint", text: t("req.scope_hint") }),
      targetsError,
      fields.pseudonyms.el, fields.sessions.el, fields.devices_of.el, fields.message_ids.el,
      h("div", { class: "field-row" }, fields.from.el, fields.to.el)),
    status,
    h("div", { class: "actions" }, submit, h("a", { class: "button-link", href: "#/legal", text: t("form.cancel") })));
  pane.replaceChildren(
    h("a", { class: "back-link", href: "#/legal", text: t("legal.back") }),
    h("h1", { id: "view-title", attrs: { tabindex: "-1" }, text: t("req.new_title") }),
    h("p", { class: "hint", text: t("req.new_hint") }),
    form);
  fields.authority.input.focus();
  return { refresh() {} };
}

// -- one requisition -----------------------------------------------------------------------
export function renderRequisition(pane, id) {
  const head = h("div", {}, h("p", { class: "hint", attrs: { role: "status" }, text: t("queue.loading") }));
  const progressLabelId = "req-progress-label";
  const progress = progressBar({ progress: 0 }, progressLabelId);
  const percentText = h("span", { class: "req-percent" });
  const startButton = h("button", { type: "button", class: "primary req-start", text: t("req.start"), on: { click: start } });
  const exportStatus = statusLine("req-export-status");
  const result = h("div", { class: "req-result" });
  const exportSection = h("section", { class: "case-section req-export", hidden: true },
    h("h2", { text: t("req.export") }),
    h("p", { class: "req-progress-line" },
      h("span", { id: progressLabelId, text: t("req.progress") }), " ", progress, " ", percentText),
    exportStatus,
    h("div", { class: "actions" }, startButton),
    result);
  pane.replaceChildren(h("a", { class: "back-link", href: "#/legal", text: t("legal.back") }), head, exportSection);
  let timer = null;
  let shown = null; // the last requisition shown

  function showHead(r) {
    head.replaceChildren(
      h("h1", { id: "view-title", attrs: { tabindex: "-1" }, text: t("req.title", { reference: r.reference }) }),
      h("p", { class: "badges" }, statusBadge(r)),
      facts([
        [t("req.authority"), r.authority],
        [t("req.reference"), r.reference],
        [t("req.legal_basis"), r.legal_basis],
        [t("req.recorded_label"), dateTime(r.ts)],
        [t("req.window"), windowText(r.scope || {})],
        ...scopeTargets(r.scope || {}),
      ], "facts req-facts"));
  }

  function showResult(r) {
    if (r.status === "failed") {
      result.replaceChildren(h("p", { class: "error", attrs: { role: "alert" }, text: t("req.failed", { error: r.error || "?" }) }));
      return;
    }
    if (r.status !== "done") { result.replaceChildren(); return; }
    const file = `requisition-${r.id}.zip`;
    result.replaceChildren(
      h("h3", { text: t("req.archive") }),
      h("p", {}, h("a", { class: "button-link primary req-download", href: desk.archiveUrl(r.id), attrs: { download: file }, text: t("req.download") })),
      r.finished_at ? h("p", { class: "meta", text: t("req.finished_at", { date: dateTime(r.finished_at) }) }) : null,
      h("p", { text: t("req.sha256") }),
      h("p", {}, h("code", { class: "req-sha256", text: r.archive_sha256 || "?" })),
      h("h3", { text: t("req.verify") }),
      h("p", { text: t("req.verify_server") }),
      h("pre", { class: "command" }, h("code", { text: `causette admin verify-export ${file}` })),
      h("p", { text: t("req.verify_elsewhere") }),
      h("pre", { class: "command" }, h("code", { text: `causette admin verify-export ${file} --public-key causette-export-key.pem` })),
      h("p", { class: "hint", text: t("req.verify_by_hand") }),
      publicKeyPart());
  }

  function update(r) {
    const first = shown === null;
    const finished = shown && shown.status === "running" && r.status !== "running";
    shown = r;
    if (first || finished) showHead(r);
    else {
      const badges = head.querySelector(".badges");
      if (badges) badges.replaceChildren(statusBadge(r));
    }
    exportSection.hidden = false;
    exportSection.dataset.status = r.status;
    progress.value = percent(r);
    percentText.textContent = t("req.percent", { n: percent(r) });
    const running = r.status === "running";
    startButton.disabled = running;
    startButton.textContent = r.status === "recorded" ? t("req.start") : t("req.start_again");
    if (running) setStatus(exportStatus, t("req.running"));
    else if (r.status === "done") setStatus(exportStatus, t("req.done"), "ok");
    else if (r.status === "failed") setStatus(exportStatus, t("req.failed_short"), "error");
    else setStatus(exportStatus, t("req.not_started"));
    if (first || finished || result.dataset.status !== r.status) {
      result.dataset.status = r.status;
      showResult(r);
    }
    if (first) head.querySelector("#view-title")?.focus();
    clearTimeout(timer);
    if (running) timer = setTimeout(load, POLL_MS);
  }

  // The pane stays in the page when the route changes: this view is alive while its
  // own parts are.
  const alive = () => head.isConnected;

  async function load() {
    if (!alive()) return;
    try {
      const { requisition } = await desk.requisition(id);
      if (alive()) update(requisition);
    } catch (err) {
      if (shown === null) {
        const text = err.code === "not_found" ? t("req.not_found") : errorText(err);
        head.replaceChildren(h("p", { class: "error", attrs: { role: "alert" }, text }));
      } else {
        setStatus(exportStatus, errorText(err), "error");
        clearTimeout(timer);
        timer = setTimeout(load, POLL_MS * 2);
      }
    }
  }

  async function start() {
    startButton.disabled = true;
    setStatus(exportStatus, t("action.busy"));
    try {
      const { requisition } = await desk.startExport(id);
      update({ ...requisition, progress: 0 });
    } catch (err) {
      setStatus(exportStatus, errorText(err), "error");
      startButton.disabled = false;
      load();
    }
  }

  load();
  return {
    // A live "requisition" or "export" event about this one: re-read it now.
    refresh(event) {
      if (!event || event.type === "resync" || event.id === id) load();
    },
  };
}

function publicKeyPart() {
  const box = h("div", { class: "req-public-key" });
  const button = h("button", { type: "button", class: "req-key-show", text: t("req.key_show"), on: { click: show } });
  box.append(button);

  async function show() {
    button.disabled = true;
    try {
      const key = await desk.publicKey();
      const pem = h("textarea", { class: "pem", rows: 4, readOnly: true, value: key.public_key_pem, attrs: { "aria-label": t("req.key_label") } });
      box.replaceChildren(
        h("p", { text: t("req.key_intro", { algorithm: key.algorithm, key_id: key.key_id }) }),
        pem,
        h("div", { class: "actions" },
          h("button", {
            type: "button", class: "req-key-download", text: t("req.key_download"),
            on: { click: () => downloadText(key.public_key_pem, "causette-export-key.pem", "application/x-pem-file") },
          })));
    } catch (err) {
      button.disabled = false;
      box.append(h("p", { class: "error", attrs: { role: "alert" }, text: errorText(err) }));
    }
  }

  return box;
}
