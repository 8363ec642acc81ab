// The HTTP API of docs/protocol.md. Every failure becomes an ApiError with the server's
// stable code (or "network" when the server could not be reached).

export class ApiError extends Error {
  constructor(code, message, status = 0, retryAfter = null) {
    super(message || code);
    this.code = code;
    this.status = status;
    this.retry_after = retryAfter;
  }
}

async function call(method, path, body, headers = {}) {
  let response;
  try {
    response = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: body ? { "Content-Type": "application/json", ...headers } : headers,
      body: body ? JSON.stringify(body) : undefined,
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
    const error = new ApiError(e.code || "internal", e.message || response.statusText, response.status, e.retry_after ?? data?.retry_after ?? null);
    if (e.statement) error.statement = e.statement; // banned, muted: the statement of reasons
    throw error;
  }
  return data;
}

export const api = {
  meta: () => call("GET", "/api/meta"),
  pow: () => call("GET", "/api/pow"),
  join: (body) => call("POST", "/api/join", body),
  session: () => call("GET", "/api/session"),
  logout: () => call("POST", "/api/logout"),
  rooms: () => call("GET", "/api/rooms"),
  // My data (GDPR art. 17): erased, the session ended everywhere; the answer says what is kept.
  eraseMyData: () => call("POST", "/api/me/erase", { confirm: true }),
  // Appeals (DSA art. 20): no session needed, the statement's token is the key.
  appeal: (token, text) => call("POST", "/api/appeals", { token, text }),
  appealStatus: (token, lang) => call("GET", `/api/appeals/${encodeURIComponent(token)}`, null, { "Accept-Language": lang }),
};
