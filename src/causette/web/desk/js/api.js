// The desk's HTTP API (docs/desk-api.md). Every failure becomes an ApiError carrying the
// server's stable code, status and retry delay, or "network" when the server was not
// reached. The desk session is the HttpOnly cookie set by login: nothing is kept in JS.
import { lang } from "./i18n.js";

export class ApiError extends Error {
  constructor(code, message, status = 0, retryAfter = null) {
    super(message || code);
    this.code = code;
    this.status = status;
    this.retry_after = retryAfter;
  }
}

async function call(method, path, body) {
  let response;
  try {
    const headers = { "Accept-Language": lang() };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    response = await fetch(path, {
      method,
      credentials: "same-origin",
      headers,
      body: body !== undefined ? JSON.stringify(body) : undefined,
      cache: "no-store",
    });
  } catch (err) {
    throw new ApiError("network", String(err));
  }
  if (response.status === 204) return null;
  let data = null;
  try { data = await response.json(); } catch { data = null; }
  if (!response.ok) {
    const e = (data && data.error) || {};
    const retry = e.retry_after ?? (Number(response.headers.get("Retry-After")) || null);
    throw new ApiError(e.code || `http_${response.status}`, e.message || response.statusText, response.status, retry);
  }
  return data;
}

const seg = encodeURIComponent;

export const desk = {
  login: (name, password) => call("POST", "/api/desk/login", { name, password }),
  logout: () => call("POST", "/api/desk/logout"),
  me: () => call("GET", "/api/desk/me"),
  queue: () => call("GET", "/api/desk/queue"),
  caseOf: (kind, id) => call("GET", `/api/desk/cases/${seg(kind)}/${seg(id)}`),
  chatter: (id) => call("GET", `/api/desk/chatters/${seg(id)}`),
  act: (body) => call("POST", "/api/desk/actions", body),
  approveHeld: (id) => call("POST", `/api/desk/held/${seg(id)}/approve`),
  rejectHeld: (id) => call("POST", `/api/desk/held/${seg(id)}/reject`),
  appeals: () => call("GET", "/api/desk/appeals"),
  decideAppeal: (id, decision, text) => call("POST", `/api/desk/appeals/${seg(id)}/decide`, { decision, text }),
  // The legal officer's lists; each may not exist on this server yet (404 is shown as such).
  legalList: (what) => call("GET", `/api/desk/${seg(what)}`),
  // Legal (docs/desk-api.md § Legal) and the admin's panels.
  requisitions: () => call("GET", "/api/desk/requisitions"),
  requisition: (id) => call("GET", `/api/desk/requisitions/${seg(id)}`),
  recordRequisition: (body) => call("POST", "/api/desk/requisitions", body),
  startExport: (id) => call("POST", `/api/desk/requisitions/${seg(id)}/export`),
  archiveUrl: (id) => `/api/desk/requisitions/${seg(id)}/archive`,
  publicKey: () => call("GET", "/api/desk/requisitions/public-key"),
  preservations: (all) => call("GET", `/api/desk/preservations${all ? "?all=1" : ""}`),
  preserve: (body) => call("POST", "/api/desk/preservations", body),
  releasePreservation: (id) => call("POST", `/api/desk/preservations/${seg(id)}/release`),
  emergency: (kind, id, body) => call("POST", `/api/desk/${kind === "alert" ? "alerts" : "reports"}/${seg(id)}/emergency`, body),
  notifications: () => call("GET", "/api/desk/notifications"),
  markSent: (id, body) => call("POST", `/api/desk/notifications/${seg(id)}/sent`, body),
  purge: (dryRun) => call("POST", "/api/desk/purge", { dry_run: dryRun }),
  flaggers: () => call("GET", "/api/desk/flaggers"),
  registerFlagger: (name, contact) => call("POST", "/api/desk/flaggers", { name, contact }),
  revokeFlagger: (id) => call("POST", `/api/desk/flaggers/${seg(id)}/revoke`),
  rules: () => call("GET", "/api/desk/rules"),
  addRule: (list, entry) => call("POST", "/api/desk/rules", { list, entry }),
  removeRule: (list, entry) => call("POST", "/api/desk/rules/remove", { list, entry }),
  ruleIssuer: () => call("GET", "/api/desk/rules/issuer"),
  exportRules: () => call("POST", "/api/desk/rules/export", {}),
  ruleIssuers: () => call("GET", "/api/desk/rules/issuers"),
  addRuleIssuer: (name, publicKey) => call("POST", "/api/desk/rules/issuers", { name, public_key: publicKey }),
  removeRuleIssuer: (keyId) => call("POST", `/api/desk/rules/issuers/${seg(keyId)}/remove`),
  rulePacks: () => call("GET", "/api/desk/rules/packs"),
  importRules: (pack) => call("POST", "/api/desk/rules/packs", pack),
  reviewRules: (id, accept) => call("POST", `/api/desk/rules/packs/${seg(id)}/review`, { accept }),
  transparency: (from, to) => call("GET", `/api/desk/transparency?from=${seg(from)}&to=${seg(to)}`),
};
