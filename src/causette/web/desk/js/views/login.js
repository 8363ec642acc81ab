// The login screen: name and password; the server's refusals (wrong credentials,
// throttling with its delay) are shown in an alert next to the form.
import { h, nextId } from "../../../js/dom.js";
import { t, errorText } from "../i18n.js";
import { desk } from "../api.js";

export function renderLogin(root, { onLoggedIn, notice, langButton }) {
  const nameId = nextId("login-name");
  const passwordId = nextId("login-password");
  const name = h("input", { id: nameId, name: "name", type: "text", required: true, attrs: { autocomplete: "username", autocapitalize: "none", spellcheck: "false", maxlength: 40 } });
  const password = h("input", { id: passwordId, name: "password", type: "password", required: true, attrs: { autocomplete: "current-password", maxlength: 1024 } });
  const error = h("p", { class: "login-error", attrs: { role: "alert" } });
  const submit = h("button", { type: "submit", class: "primary", text: t("login.submit") });

  async function onSubmit(event) {
    event.preventDefault();
    error.textContent = "";
    submit.disabled = true;
    submit.textContent = t("login.busy");
    try {
      const answer = await desk.login(name.value.trim(), password.value);
      password.value = "";
      onLoggedIn(answer.moderator);
    } catch (err) {
      error.textContent = errorText(err);
      password.value = "";
      password.focus();
    } finally {
      submit.disabled = false;
      submit.textContent = t("login.submit");
    }
  }

  const form = h("form", { class: "login-form", attrs: { "aria-labelledby": "login-title" }, on: { submit: onSubmit } },
    h("h1", { id: "login-title", text: t("login.title") }),
    h("p", { class: "hint", text: t("login.intro") }),
    notice ? h("p", { class: "notice", attrs: { role: "status" }, text: notice }) : null,
    h("div", { class: "field" }, h("label", { htmlFor: nameId, text: t("login.name") }), name),
    h("div", { class: "field" }, h("label", { htmlFor: passwordId, text: t("login.password") }), password),
    error,
    h("div", { class: "actions" }, submit));
  root.replaceChildren(
    h("header", { class: "topbar" }, h("span", { class: "brand", text: t("app.brand") }), h("span", { class: "spacer" }), langButton()),
    h("main", { id: "main", class: "login-main" }, form));
  name.focus();
}
