// The admin's shared rule lists (docs/operator.md § Shared rule packs): the lists the chat
// applies (pseudonym fragments, link domains) with an add form and a remove after a
// confirmation; a signed export as a JSON file; the issuers whose packs this instance
// reviews; an import that only stores the pack, and its review — each entry marked new or
// present, checked by default when new — which alone applies what the admin kept.
import { h } from "../../../js/dom.js";
import { t, errorText, dateTime } from "../i18n.js";
import { desk } from "../api.js";
import { statusLine, setStatus, badge } from "./common.js";
import { field, textInput, textArea, clearErrors, showServerError, confirmButton, downloadText } from "./fields.js";

const LISTS = ["pseudonym", "link_domain"];

export function rulesSection() {
  const status = statusLine("rules-status");
  const listsBox = h("div", { class: "rules-lists" });
  const issuersBox = h("ul", { class: "rule-issuers" });
  const packsBox = h("div", { class: "rule-packs" });

  async function load() {
    try {
      const [{ lists }, { issuers }, { packs }] = await Promise.all([desk.rules(), desk.ruleIssuers(), desk.rulePacks()]);
      listsBox.replaceChildren(...LISTS.map((name) => listBlock(name, lists[name] || [])));
      issuersBox.replaceChildren(...(issuers.length ? issuers.map(issuerRow) : [h("li", { class: "empty", text: t("rules.no_issuer") })]));
      packsBox.replaceChildren(...(packs.length ? packs.map(packBlock) : [h("p", { class: "empty", text: t("rules.no_pack") })]));
    } catch (err) {
      setStatus(status, errorText(err), "error");
    }
  }

  function listBlock(name, entries) {
    return h("div", { class: "rule-list", dataset: { list: name } },
      h("h4", { text: t(`rules.list.${name}`) }),
      h("ul", {}, entries.length ? entries.map((e) => h("li", { class: "rule-entry", dataset: { entry: e.entry } },
        h("code", { text: e.entry }),
        h("span", { class: "meta", text: ` ${e.source === "desk" ? t("rules.by_desk") : t("rules.by_pack")} · ${dateTime(e.added_at)} ` }),
        confirmButton({
          label: t("rules.remove"),
          question: t("rules.remove_question", { entry: e.entry }),
          confirmLabel: t("rules.remove_confirm"),
          className: "ghost rule-remove",
          action: async () => {
            try { await desk.removeRule(name, e.entry); setStatus(status, t("rules.removed", { entry: e.entry }), "ok"); } catch (err) { setStatus(status, errorText(err), "error"); }
            await load();
          },
        }))) : [h("li", { class: "empty", text: t("rules.empty") })]));
  }

  // -- add an entry ----------------------------------------------------------------------------
  const listSelect = h("select", {}, LISTS.map((name) => h("option", { value: name, text: t(`rules.list.${name}`) })));
  const addFields = {
    list: field("list", t("rules.which_list"), listSelect),
    entry: field("entry", t("rules.entry"), textInput({ maxlength: "253" }), t("rules.entry_hint")),
  };
  const addButton = h("button", { type: "submit", class: "primary", text: t("rules.add") });
  async function onAdd(event) {
    event.preventDefault();
    clearErrors(addFields);
    addButton.disabled = true;
    try {
      const { added } = await desk.addRule(listSelect.value, addFields.entry.input.value);
      addFields.entry.input.value = "";
      setStatus(status, t("rules.added", { entry: added.entry }), "ok");
      await load();
    } catch (err) {
      showServerError(err, addFields, () => "entry", status, setStatus);
    } finally {
      addButton.disabled = false;
    }
  }

  // -- export ----------------------------------------------------------------------------------
  const exportButton = h("button", { type: "button", class: "rules-export", text: t("rules.export") });
  exportButton.addEventListener("click", async () => {
    try {
      const pack = await desk.exportRules();
      downloadText(JSON.stringify(pack, null, 2), `rule-pack-${new Date().toISOString().slice(0, 10)}.json`, "application/json");
      setStatus(status, t("rules.exported", { count: pack.entries.length, issuer: pack.issuer }), "ok");
    } catch (err) {
      setStatus(status, errorText(err), "error");
    }
  });
  const keyBox = h("div", { class: "rules-own-key" });
  const keyButton = h("button", { type: "button", class: "ghost rules-key-show", text: t("rules.own_key") });
  keyButton.addEventListener("click", async () => {
    try {
      const me = await desk.ruleIssuer();
      const pem = h("textarea", { class: "pem", rows: 4, readOnly: true, value: me.public_key, attrs: { "aria-label": t("rules.own_key") } });
      keyBox.replaceChildren(h("p", { class: "hint", text: t("rules.own_key_hint", { name: me.name, id: me.key_id }) }), pem);
    } catch (err) {
      setStatus(status, errorText(err), "error");
    }
  });

  // -- trusted issuers -------------------------------------------------------------------------
  function issuerRow(issuer) {
    return h("li", { class: "rule-issuer", dataset: { keyId: issuer.key_id } },
      h("strong", { text: issuer.name }),
      h("span", { class: "meta", text: ` ${issuer.key_id} · ${dateTime(issuer.added_at)} ` }),
      confirmButton({
        label: t("rules.issuer_remove"),
        question: t("rules.issuer_remove_question", { name: issuer.name }),
        confirmLabel: t("rules.remove_confirm"),
        className: "ghost issuer-remove",
        action: async () => {
          try { await desk.removeRuleIssuer(issuer.key_id); } catch (err) { setStatus(status, errorText(err), "error"); }
          await load();
        },
      }));
  }
  const issuerFields = {
    name: field("issuer_name", t("rules.issuer_name"), textInput({ maxlength: "80" })),
    public_key: field("public_key", t("rules.issuer_key"), textArea(4), t("rules.issuer_key_hint")),
  };
  const issuerButton = h("button", { type: "submit", class: "primary", text: t("rules.issuer_add") });
  async function onIssuer(event) {
    event.preventDefault();
    clearErrors(issuerFields);
    try {
      await desk.addRuleIssuer(issuerFields.name.input.value, issuerFields.public_key.input.value);
      issuerFields.name.input.value = "";
      issuerFields.public_key.input.value = "";
      setStatus(status, t("rules.issuer_added"), "ok");
      await load();
    } catch (err) {
      showServerError(err, issuerFields, (m) => (/\bname:/.test(m) ? "name" : "public_key"), status, setStatus);
    }
  }

  // -- import and review -----------------------------------------------------------------------
  const fileInput = h("input", { type: "file", class: "rules-file", attrs: { accept: "application/json,.json" } });
  const importFields = { file: field("pack_file", t("rules.import_file"), fileInput, t("rules.import_hint")) };
  async function onImport(event) {
    event.preventDefault();
    clearErrors(importFields);
    const file = fileInput.files && fileInput.files[0];
    if (!file) { setStatus(status, t("rules.import_none"), "error"); return; }
    let document;
    try { document = JSON.parse(await file.text()); } catch { setStatus(status, t("rules.import_not_json"), "error"); return; }
    try {
      const { pack } = await desk.importRules(document);
      fileInput.value = "";
      setStatus(status, t("rules.imported", { issuer: pack.issuer, count: pack.entries.length, fresh: pack.new }), "ok");
      await load();
    } catch (err) {
      setStatus(status, errorText(err), "error");
    }
  }

  function packBlock(pack) {
    const pending = pack.status === "pending";
    const boxes = [];
    const rows = pack.entries.map((e) => {
      const box = h("input", { type: "checkbox", checked: pending && e.state === "new", disabled: !pending, dataset: { index: String(e.index) }, attrs: { "aria-label": `${t(`rules.list.${e.list}`)} : ${e.entry}` } });
      boxes.push(box);
      return h("tr", { dataset: { state: e.state } },
        h("td", {}, box),
        h("td", { text: t(`rules.list.${e.list}`) }),
        h("th", { attrs: { scope: "row" } }, h("code", { text: e.entry })),
        h("td", {}, badge(t(`rules.state.${e.state}`), e.state === "new" ? "new" : "label"),
          pack.status !== "pending" && e.accepted ? badge(t("rules.accepted"), "label") : null));
    });
    const apply = async (indexes) => {
      try {
        const answer = await desk.reviewRules(pack.id, indexes);
        setStatus(status, t(`rules.reviewed.${answer.pack.status}`, { count: answer.added.length }), "ok");
      } catch (err) {
        setStatus(status, errorText(err), "error");
      }
      await load();
    };
    return h("section", { class: ["rule-pack", `pack-${pack.status}`], dataset: { id: pack.id, status: pack.status } },
      h("h4", { text: t("rules.pack_title", { issuer: pack.issuer, date: dateTime(pack.created_at) }) }),
      h("p", { class: "meta" }, badge(t(`rules.status.${pack.status}`), pending ? "new" : "label"), ` ${t("rules.pack_meta", { count: pack.entries.length, fresh: pack.new, key: pack.signed_by })}`),
      h("div", { class: "table-wrap" }, h("table", { class: "figures rule-diff" },
        h("caption", { text: t("rules.diff") }),
        h("thead", {}, h("tr", {}, ["", t("rules.which_list"), t("rules.entry"), t("rules.state_col")].map((text) => h("th", { attrs: { scope: "col" }, text })))),
        h("tbody", {}, rows))),
      pending ? h("div", { class: "actions" },
        h("button", { type: "button", class: "primary pack-apply", text: t("rules.apply"), on: { click: () => apply(boxes.filter((b) => b.checked).map((b) => Number(b.dataset.index))) } }),
        confirmButton({
          label: t("rules.reject"),
          question: t("rules.reject_question"),
          confirmLabel: t("rules.reject_confirm"),
          className: "ghost pack-reject",
          action: () => apply([]),
        })) : null);
  }

  load();
  return h("section", { class: "case-section admin-section", dataset: { panel: "rules" } },
    h("h2", { text: t("rules.title") }),
    h("p", { class: "hint", text: t("rules.hint") }),
    listsBox,
    h("form", { class: "rules-add legal-form", attrs: { novalidate: true }, on: { submit: onAdd } },
      h("div", { class: "field-row" }, addFields.list.el, addFields.entry.el),
      h("div", { class: "actions" }, addButton)),
    status,
    h("h3", { text: t("rules.share") }),
    h("div", { class: "actions" }, exportButton, keyButton),
    keyBox,
    h("h3", { text: t("rules.issuers") }),
    issuersBox,
    h("form", { class: "rules-issuer legal-form", attrs: { novalidate: true }, on: { submit: onIssuer } },
      issuerFields.name.el, issuerFields.public_key.el,
      h("div", { class: "actions" }, issuerButton)),
    h("h3", { text: t("rules.import") }),
    h("form", { class: "rules-import legal-form", attrs: { novalidate: true }, on: { submit: onImport } },
      importFields.file.el,
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", text: t("rules.import_button") }))),
    packsBox);
}
