// A case (one queue item with its context) and a chatter's record. The context: the
// conversation around the message with the message in question highlighted, the detection
// signals, the subject's declared age, space and account age, their sanctions, and the
// other pseudonyms seen on their device key (a count and links: never an IP, never the key).
import { h } from "../../../js/dom.js";
import { t, age, duration, errorText, dateTime } from "../i18n.js";
import { desk } from "../api.js";
import { can, keyOf, markSeen, refreshQueue } from "../state.js";
import { badge, known, labelText, sanctionItem, severityClass, statusLine, setStatus } from "./common.js";
import { actionForm } from "./actions.js";
import { appealDecision } from "./appeals.js";
import { emergencyPanel } from "./notifications.js";
import { preservePanel } from "./preservations.js";

export async function renderCase(pane, kind, id) {
  pane.replaceChildren(h("p", { class: "hint", attrs: { role: "status" }, text: t("case.loading") }));
  markSeen(`${kind}:${id}`);
  let data;
  try {
    data = await desk.caseOf(kind, id);
  } catch (err) {
    const text = err.code === "not_found" ? t("case.not_found") : errorText(err);
    pane.replaceChildren(h("p", { class: "error", attrs: { role: "alert" }, text }));
    return;
  }
  const { item, context = {} } = data;
  const reload = () => { refreshQueue(); renderCase(pane, kind, id); };
  const messages = context.messages || [];
  const focus = messages.find((m) => m.focus) || null;
  const subjectInfo = context.subject || null;
  const profile = subjectInfo ? subjectInfo.profile : null;
  const open = item.open !== false;

  pane.replaceChildren(
    h("article", { class: "case", dataset: { kind: item.kind, id: String(item.id), key: keyOf(item) } },
      h("h1", { id: "view-title", attrs: { tabindex: "-1" }, text: t("case.title", { kind: known("kind", item.kind), label: labelText(item.label) }) }),
      h("p", { class: "badges" },
        badge(open ? t("case.open") : t("case.closed"), open ? "new" : "label", { dataset: { state: open ? "open" : "closed" } }),
        badge(t("queue.severity", { n: item.severity }), severityClass(item.severity)),
        badge(t("queue.age", { age: age(item.ts) }), "age")),
      item.summary ? h("p", { class: "case-summary", text: item.summary }) : null,
      context.report ? reportSection(context.report) : null,
      item.kind === "held" ? heldSection(item, open, reload) : null,
      context.appeal ? appealSection(item, context.appeal, open, reload) : null,
      profile ? subjectSection(subjectInfo) : null,
      context.signals ? signalsSection(context.signals) : null,
      context.merged && context.merged.length ? mergedSection(item, context.merged) : null,
      conversationSection(messages),
      open && can("sanction")
        ? actionForm({
          subject: profile ? { id: profile.id, pseudonym: profile.pseudonym, space: profile.space } : null,
          source: { kind: item.kind, id: item.id },
          message: focus ? { channel: focus.channel, id: focus.id } : null,
          sameDeviceCount: subjectInfo && subjectInfo.same_device ? subjectInfo.same_device.count : 0,
          caseSenders: item.senders || 0,
          onDone: () => refreshQueue(),
        })
        : null,
      // Legal steps from a case: notify the authorities (alerts and reports), freeze data.
      (item.kind === "alert" || item.kind === "report") && can("emergency") ? emergencyPanel(item.kind, item.id) : null,
      can("preserve")
        ? preservePanel({
          subject_id: profile ? profile.id : null,
          channel: focus ? focus.channel : messages.length ? messages[0].channel : null,
          ts: item.ts,
          reason: t("pres.case_reason", { kind: known("kind", item.kind), label: labelText(item.label) }),
        })
        : null));
}

export async function renderChatter(pane, id) {
  pane.replaceChildren(h("p", { class: "hint", attrs: { role: "status" }, text: t("case.loading") }));
  let data;
  try {
    data = await desk.chatter(id);
  } catch (err) {
    pane.replaceChildren(h("p", { class: "error", attrs: { role: "alert" }, text: errorText(err) }));
    return;
  }
  const profile = data.profile;
  pane.replaceChildren(
    h("article", { class: "case chatter-record", dataset: { id: String(profile.id) } },
      h("h1", { id: "view-title", attrs: { tabindex: "-1" }, text: t("chatter.title", { pseudonym: profile.pseudonym }) }),
      subjectSection(data, false),
      can("sanction")
        ? actionForm({
          subject: { id: profile.id, pseudonym: profile.pseudonym, space: profile.space },
          source: null,
          message: null,
          sameDeviceCount: data.same_device ? data.same_device.count : 0,
          onDone: () => renderChatter(pane, id),
        })
        : null));
}

function section(title, ...children) {
  return h("section", { class: "case-section" }, h("h2", { text: title }), ...children);
}

function reportSection(report) {
  return section(t("case.report"),
    report.flagger
      ? h("p", { class: "report-flagger" }, badge(t("queue.flagger", { name: report.flagger }), "flagger"), " ", t("case.report_by_flagger", { name: report.flagger, category: labelText(report.category) }))
      : h("p", { text: t("case.report_by", { pseudonym: report.reporter_pseudonym || "?", category: labelText(report.category) }) }),
    report.text ? h("blockquote", { class: "report-text", text: report.text }) : null);
}

function heldSection(item, open, reload) {
  if (!open || !can("held_decide")) return null;
  const status = statusLine("held-status");
  const act = (approve) => async () => {
    for (const b of buttons) b.disabled = true;
    try {
      if (approve) await desk.approveHeld(item.id);
      else await desk.rejectHeld(item.id);
      setStatus(status, approve ? t("case.approved") : t("case.rejected"), "ok");
      reload();
    } catch (err) {
      setStatus(status, errorText(err), "error");
      for (const b of buttons) b.disabled = false;
    }
  };
  const buttons = [
    h("button", { type: "button", class: "primary held-approve", text: t("case.approve"), on: { click: act(true) } }),
    h("button", { type: "button", class: "danger held-reject", text: t("case.reject"), on: { click: act(false) } }),
  ];
  return section(t("case.held_actions"), status, h("div", { class: "actions" }, buttons));
}

function appealSection(item, appeal, open, reload) {
  const record = { id: item.id, status: open ? "open" : "decided", text: appeal.text, sanction: appeal.sanction };
  return section(t("case.appeal"),
    appeal.sanction ? h("ul", { class: "sanctions" }, sanctionItem(appeal.sanction)) : null,
    h("blockquote", { class: "appeal-text", text: appeal.text || "" }),
    appealDecision(record, () => setTimeout(reload, 800)));
}

function subjectSection(info, withLink = true) {
  const p = info.profile;
  const same = info.same_device || { count: 0, chatters: [] };
  const sanctions = info.sanctions || [];
  return section(t("case.subject"),
    h("p", { class: "profile" },
      h("strong", { text: t("case.profile", { pseudonym: p.pseudonym, age: p.age, space: known("space", p.space) }) }),
      " ",
      badge(p.online ? t("case.online") : t("case.offline"), p.online ? "online" : "label")),
    h("p", { class: "meta", text: [
      p.gender ? t("case.gender", { gender: p.gender }) : null,
      p.account_age_s != null ? t("case.account_age", { age: duration(p.account_age_s) }) : null,
    ].filter(Boolean).join(" · ") }),
    withLink ? h("p", {}, h("a", { href: `#/chatter/${encodeURIComponent(p.id)}`, text: t("case.open_profile", { pseudonym: p.pseudonym }) })) : null,
    h("h3", { text: t("case.sanctions") }),
    sanctions.length ? h("ul", { class: "sanctions" }, sanctions.map(sanctionItem)) : h("p", { class: "empty", text: t("case.no_sanctions") }),
    h("h3", { class: "same-device-title", text: same.count ? t("case.same_device", { count: same.count }) : t("case.same_device_none") }),
    same.count
      ? h("ul", { class: "same-device" }, (same.chatters || []).map((c) => h("li", {},
        h("a", { href: `#/chatter/${encodeURIComponent(c.id)}`, text: c.pseudonym }))))
      : null);
}

function signalsSection(signals) {
  const reasons = Array.isArray(signals.reasons) ? signals.reasons : [];
  const parties = Array.isArray(signals.parties) ? signals.parties : [];
  const labels = Array.isArray(signals.labels) ? signals.labels : [];
  // An adult writing to a minor moved out of their reach: the messages refused (evidence).
  const refused = Array.isArray(signals.refused) ? signals.refused : [];
  const pick = (r) => (document.documentElement.lang === "en" ? r.en || r.fr : r.fr || r.en) || r.code;
  return section(t("case.signals"),
    labels.length ? h("p", { text: t("case.labels", { labels: labels.join(", ") }) }) : null,
    signals.risk != null ? h("p", { text: t("case.risk", { risk: signals.risk }) }) : null,
    reasons.length ? h("ul", { class: "reasons" }, reasons.map((r) => h("li", {}, h("code", { text: r.code || "" }), " ", pick(r)))) : null,
    parties.length
      ? h("div", {}, h("h3", { text: t("case.parties") }), h("ul", { class: "parties" }, parties.map((c) => h("li", {
        text: t("case.party", { pseudonym: c.pseudonym, age: c.age, space: known("space", c.space), account_age: duration(c.account_age_s || 0) }),
      }))))
      : null,
    refused.length
      ? h("div", {}, h("h3", { text: t("case.refused", { count: refused.length }) }),
        h("ol", { class: "conversation refused" }, refused.map((r) => h("li", { class: "conv-msg" },
          h("span", { class: "conv-meta", text: `${dateTime(r.ts)} · ` }),
          h("span", { class: "conv-text", text: r.text ?? "" })))))
      : null);
}

// The alerts merged into this case (one kind, one room, within the merge window): when,
// whom, and what the engine saw; each subject links to their record.
function mergedSection(item, merged) {
  return section(t("case.merged", { count: item.count, senders: item.senders || 0 }),
    h("ol", { class: "merged-alerts" }, merged.map((m) => h("li", { dataset: { id: String(m.id) } },
      h("span", { class: "conv-meta", text: `${dateTime(m.ts)} · ` }),
      m.subject_id
        ? h("a", { href: `#/chatter/${encodeURIComponent(m.subject_id)}`, text: m.pseudonym || m.subject_id })
        : h("span", { text: m.pseudonym || "?" }),
      Array.isArray(m.labels) && m.labels.length ? h("span", { class: "conv-text", text: ` — ${m.labels.join(", ")}` }) : null))));
}

function conversationSection(messages) {
  if (!messages.length) return section(t("case.conversation"), h("p", { class: "empty", text: t("case.conversation_none") }));
  return section(t("case.conversation"),
    h("ol", { class: "conversation" }, messages.map((m) => h("li", {
      class: ["conv-msg", m.focus && "is-focus"],
      dataset: { id: String(m.id) },
      attrs: { "aria-current": m.focus ? "true" : null },
    },
    m.focus ? h("span", { class: "badge badge-focus", text: t("case.focus") }) : null,
    // Taken out of the chat, kept as evidence: by a moderator or by its author.
    m.removed ? h("span", { class: "badge badge-removed", text: t(m.removed === "moderator" ? "case.removed_by_moderator" : "case.removed_by_author") }) : null,
    h("span", { class: "conv-meta", text: `${dateTime(m.ts)} · ` }),
    h("strong", { class: "conv-author", text: m.pseudonym || "?" }),
    h("span", { class: "conv-text", text: ` ${m.text ?? ""}` })))));
}
