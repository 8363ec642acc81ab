// The join screen: pseudonym, age, gender, département; what others will see; the rules;
// the proof of work running in the background with its progress.
import { h, nextId } from "../dom.js";
import { t, errorText, toggleLang, lang } from "../i18n.js";
import { api } from "../api.js";
import { ProofOfWork } from "../pow.js";
import { joinStatements } from "../sanctions.js";
import { legalLinks } from "../legal.js";

const PSEUDONYM_RE = /^[\p{L}\p{N}_-]{3,20}$/u;

/** Under 15: not an error but a kind explanation, with where to find help (3018 by phone
 * and online, e-Enfance). The form is gone: this is the answer. */
export function renderTooYoung(root, { meta, onJoined }) {
  const link = (href, text, external = true) => h("a", {
    href, text, attrs: external ? { rel: "noopener noreferrer", target: "_blank" } : {},
  });
  const langButton = h("button", {
    type: "button", class: "link lang-switch", text: t("lang.switch"),
    attrs: { "aria-label": t("lang.switch_label"), lang: t("lang.switch") === "English" ? "en" : "fr" },
    on: {
      click: () => {
        toggleLang();
        renderTooYoung(root, { meta, onJoined });
        root.querySelector(".lang-switch")?.focus();
      },
    },
  });
  const title = h("h1", { id: "too-young-title", attrs: { tabindex: "-1" }, text: t("young.title") });
  root.replaceChildren(
    h("div", { class: "join-screen" },
      h("header", { class: "join-header" }, h("span", { class: "brand", text: t("app.title") }), langButton),
      h("main", { id: "main", class: "join-card too-young", attrs: { "aria-labelledby": "too-young-title" } },
        title,
        h("p", { text: t("young.thanks") }),
        h("p", { text: t("young.why") }),
        h("h2", { text: t("young.help_title") }),
        h("ul", { class: "help-links" },
          h("li", {}, link("tel:3018", t("young.call"), false), h("span", { class: "help-note", text: t("young.call_note") })),
          h("li", {}, link("https://3018.fr", "3018.fr"), h("span", { class: "help-note", text: t("young.web_note") })),
          h("li", {}, link("https://e-enfance.org", "e-Enfance"), h("span", { class: "help-note", text: t("young.enfance_note") }))),
        h("p", { text: t("young.adult") }))),
  );
  title.focus();
}

export function renderJoin(root, { meta, onJoined, draft = {}, explanation = "", statement = null }) {
  const ids = {
    pseudonym: nextId("pseudo"), age: nextId("age"), dept: nextId("dept"),
    error: nextId("err"), hint: nextId("hint"), visible: nextId("vis"),
  };

  const progress = h("progress", { max: 100, value: 0, attrs: { "aria-hidden": "true" } });
  const powText = h("span", { class: "pow-text" });
  const powStatus = h("p", { class: "pow", attrs: { role: "status", "aria-live": "polite" } }, progress, powText);
  const pow = new ProofOfWork(({ state, progress: p }) => {
    progress.value = Math.round(p * 100);
    powStatus.dataset.state = state;
    powText.textContent = state === "ready" ? t("join.pow_ready")
      : state === "failed" ? t("join.pow_failed")
      : t("join.pow_working", { percent: Math.round(p * 100) });
  });
  pow.start();

  const pseudonym = h("input", {
    id: ids.pseudonym, name: "pseudonym", type: "text", required: true, value: draft.pseudonym || "",
    attrs: { minlength: 3, maxlength: 20, autocomplete: "off", autocapitalize: "off", spellcheck: "false", "aria-describedby": ids.hint },
  });
  const age = h("input", {
    id: ids.age, name: "age", type: "number", required: true, value: draft.age || "",
    attrs: { min: 1, max: 120, inputmode: "numeric" },
  });
  const genders = (meta && meta.genders) || ["f", "m", "x"];
  const genderCodes = genders.map((g) => (typeof g === "string" ? g : g.code));
  const genderInputs = genderCodes.map((code) => {
    const id = nextId("g");
    return h("span", { class: "radio" },
      h("input", { id, type: "radio", name: "gender", value: code, required: true, checked: draft.gender === code }),
      h("label", { htmlFor: id, text: t(`join.gender.${code}`) }),
    );
  });

  const dept = h("select", { id: ids.dept, name: "department", required: true },
    h("option", { value: "", text: t("join.department_choose") }));
  const byRegion = new Map();
  for (const d of (meta && meta.departments) || []) {
    if (d.code === "hors") continue;
    if (!byRegion.has(d.region)) byRegion.set(d.region, []);
    byRegion.get(d.region).push(d);
  }
  for (const region of [...byRegion.keys()].sort((a, b) => a.localeCompare(b, "fr"))) {
    const group = h("optgroup", { label: region });
    for (const d of byRegion.get(region)) group.append(h("option", { value: d.code, text: `${d.code} — ${d.name}` }));
    dept.append(group);
  }
  dept.append(h("option", { value: "hors", text: t("join.department_hors") }));
  if (draft.department) dept.value = draft.department;

  const error = h("div", { id: ids.error, class: "form-error", attrs: { role: "alert" } });
  // Decisions that keep this browser out (a ban), kept from before: why, and the appeal.
  const statements = joinStatements();
  if (statement) statements.show(statement); // a banned session, refused on arrival
  // A ban lifted (its appeal checked here): the refusal above no longer holds.
  statements.box.addEventListener("sanction-lifted", () => showError(""));
  if (explanation) error.textContent = explanation; // e.g. the session ended under 15 (4011)
  const submit = h("button", { type: "submit", class: "primary", text: t("join.submit") });

  function showError(text, field) {
    error.textContent = text;
    for (const el of [pseudonym, age, dept]) el.removeAttribute("aria-invalid");
    if (field) {
      field.setAttribute("aria-invalid", "true");
      field.setAttribute("aria-errormessage", ids.error);
      field.focus();
    }
  }

  const fieldFor = (code) => ({
    pseudonym_invalid: pseudonym, pseudonym_taken: pseudonym, age_invalid: age,
    age_too_young: age, department_invalid: dept,
  })[code];

  let busy = false;
  async function onSubmit(event) {
    event.preventDefault();
    if (busy) return;
    const data = {
      pseudonym: pseudonym.value.trim().normalize("NFKC"),
      age: Number.parseInt(age.value, 10),
      gender: (form.querySelector("input[name=gender]:checked") || {}).value,
      department: dept.value,
    };
    if (!PSEUDONYM_RE.test(data.pseudonym)) return showError(t("err.pseudonym_invalid"), pseudonym);
    if (!Number.isInteger(data.age) || data.age < 1 || data.age > 120) return showError(t("err.age_invalid"), age);
    if (!data.gender) return showError(t("err.gender_invalid"), genderInputs[0].querySelector("input"));
    if (!data.department) return showError(t("err.department_invalid"), dept);
    // Under 15 goes to the server all the same: it refuses (age_too_young, shown below as
    // the kind explanation) and remembers the device for a day (core/devices.py), so the
    // same form sent again as 18 is refused too.
    busy = true;
    submit.disabled = true;
    submit.textContent = t("join.joining");
    showError("");
    try {
      let answer;
      for (let attempt = 0; ; attempt++) {
        try {
          answer = await api.join({ ...data, lang: lang(), pow: await pow.solution() });
          break;
        } catch (err) {
          if ((err.code === "pow_invalid" || err.code === "pow_expired") && attempt < 2) continue;
          throw err;
        }
      }
      pow.stop();
      onJoined(answer.me);
    } catch (err) {
      if (err.code === "age_too_young") {
        pow.stop();
        renderTooYoung(root, { meta, onJoined });
        return;
      }
      showError(errorText(err), fieldFor(err.code));
      // Banned (403): why, with the statement of reasons and the appeal form.
      if (err.code === "banned" && err.statement) statements.show(err.statement);
      pow.start(); // the challenge may have been used
    } finally {
      busy = false;
      submit.disabled = false;
      submit.textContent = t("join.submit");
    }
  }

  const form = h("form", { class: "join-form", attrs: { "aria-labelledby": "join-title", novalidate: true }, on: { submit: onSubmit } },
    h("div", { class: "field" },
      h("label", { htmlFor: ids.pseudonym, text: t("join.pseudonym") }),
      pseudonym,
      h("small", { id: ids.hint, class: "hint", text: t("join.pseudonym_hint") })),
    h("div", { class: "field-row" },
      h("div", { class: "field field-age" }, h("label", { htmlFor: ids.age, text: t("join.age") }), age),
      h("div", { class: "field field-dept" }, h("label", { htmlFor: ids.dept, text: t("join.department") }), dept)),
    h("fieldset", { class: "field genders" }, h("legend", { text: t("join.gender") }), genderInputs),
    h("p", { id: ids.visible, class: "visible-note", text: t("join.visible") }),
    h("p", { class: "rules", text: t("join.rules") }),
    error,
    submit,
    powStatus,
  );

  const langButton = h("button", {
    type: "button", class: "link lang-switch", text: t("lang.switch"),
    attrs: { "aria-label": t("lang.switch_label"), lang: t("lang.switch") === "English" ? "en" : "fr" },
    on: {
      click: () => {
        const snapshot = {
          pseudonym: pseudonym.value, age: age.value, department: dept.value,
          gender: (form.querySelector("input[name=gender]:checked") || {}).value,
        };
        pow.stop();
        toggleLang();
        renderJoin(root, { meta, onJoined, draft: snapshot });
        root.querySelector(".lang-switch")?.focus();
      },
    },
  });

  root.replaceChildren(
    h("div", { class: "join-screen" },
      h("header", { class: "join-header" },
        h("span", { class: "brand", text: t("app.title") }),
        langButton),
      h("main", { id: "main", class: "join-card" },
        h("h1", { id: "join-title", text: t("join.title") }),
        h("p", { class: "tagline", text: t("app.tagline") }),
        statements.box,
        form),
      legalLinks("join-legal")),
  );
  if (!draft.pseudonym) pseudonym.focus();
  return { stop: () => pow.stop() };
}
