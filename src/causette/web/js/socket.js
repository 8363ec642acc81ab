// The WebSocket: hello with the last id seen per channel, automatic reconnection with
// exponential backoff and jitter, a heartbeat to notice a dead link, and the close codes
// of docs/protocol.md. Deduplication of replayed messages is the store's job (by
// channel + id); this module only hands every event to `onEvent`.

const HEARTBEAT_MS = 15000;
const PONG_TIMEOUT_MS = 8000;
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 30000;

// Close codes after which reconnecting automatically would be wrong.
// 4011: the chatter said they are under 15; the session is over (an error explains why).
// 4012: kicked or banned; the statement of reasons came just before (never a retry loop).
const FINAL = { 4001: "ended", 4010: "taken", 4009: "elsewhere", 4011: "too_young", 4012: "sanctioned" };

export class Connection {
  /**
   * onEvent(event): every server event.
   * onState({status, retryAt?}): "connecting" | "syncing" | "online" | "waiting" |
   *   "offline" | "ended" | "taken" | "elsewhere" | "too_young" | "sanctioned".
   * helloFields(): extra fields of `hello` (last_ids).
   */
  constructor({ onEvent, onState, helloFields }) {
    this.onEvent = onEvent;
    this.onState = onState;
    this.helloFields = helloFields;
    this.ws = null;
    this.attempt = 0;
    this.retryTimer = null;
    this.heartbeat = null;
    this.pongTimer = null;
    this.stopped = false;
    this.status = "connecting";
    this.refSeq = 0;
    window.addEventListener("offline", () => this.wentOffline());
    window.addEventListener("online", () => this.retryNow());
  }

  setStatus(status, extra = {}) {
    this.status = status;
    this.onState({ status, ...extra });
  }

  connect() {
    this.stopped = false;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.ws) this.drop(this.ws);
    const url = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/ws`;
    this.setStatus("connecting");
    let ws;
    try {
      ws = new WebSocket(url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (ws !== this.ws) return;
      this.setStatus("syncing");
      ws.send(JSON.stringify({ type: "hello", ...this.helloFields() }));
      this.startHeartbeat();
    };
    ws.onmessage = (event) => {
      if (ws !== this.ws) return;
      let data;
      try { data = JSON.parse(event.data); } catch { return; }
      if (!data || typeof data !== "object") return;
      this.gotTraffic();
      if (data.type === "synced") {
        this.attempt = 0;
        this.setStatus("online");
      }
      if (data.type === "pong") return;
      this.onEvent(data);
    };
    ws.onclose = (event) => {
      if (ws !== this.ws) return; // a socket we already gave up on
      this.ws = null;
      this.stopHeartbeat();
      const final = FINAL[event.code];
      if (final) {
        this.stopped = true;
        this.setStatus(final);
        return;
      }
      if (this.stopped) return;
      this.scheduleRetry();
    };
    ws.onerror = () => { /* onclose follows */ };
  }

  drop(ws) {
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    try { ws.close(); } catch { /* ignore */ }
    if (ws === this.ws) this.ws = null;
    this.stopHeartbeat();
  }

  scheduleRetry() {
    if (this.stopped) return;
    if (navigator.onLine === false) {
      this.setStatus("offline");
      return;
    }
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** this.attempt);
    const delay = Math.round(base / 2 + Math.random() * (base / 2)); // "equal jitter"
    this.attempt += 1;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
    this.setStatus("waiting", { retryAt: Date.now() + delay });
  }

  retryNow() {
    if (this.stopped && this.status !== "elsewhere") return;
    if (this.ws && this.ws.readyState <= 1) return;
    this.attempt = 0;
    this.connect();
  }

  wentOffline() {
    if (this.stopped) return;
    if (this.ws) this.drop(this.ws);
    clearTimeout(this.retryTimer);
    this.setStatus("offline");
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    if (this.ws) this.drop(this.ws);
  }

  startHeartbeat() {
    this.stopHeartbeat();
    this.heartbeat = setInterval(() => {
      if (!this.ws || this.ws.readyState !== 1) return;
      this.ws.send(JSON.stringify({ type: "ping" }));
      if (!this.pongTimer) {
        this.pongTimer = setTimeout(() => {
          // No traffic at all: the link is dead even if the socket does not know it yet.
          const ws = this.ws;
          if (ws) { this.drop(ws); this.scheduleRetry(); }
        }, PONG_TIMEOUT_MS);
      }
    }, HEARTBEAT_MS);
  }

  gotTraffic() {
    clearTimeout(this.pongTimer);
    this.pongTimer = null;
  }

  stopHeartbeat() {
    clearInterval(this.heartbeat);
    clearTimeout(this.pongTimer);
    this.heartbeat = null;
    this.pongTimer = null;
  }

  get open() {
    return !!this.ws && this.ws.readyState === 1 && this.status === "online";
  }

  /** Send an event; returns its ref, or null if the socket is not usable right now. */
  send(event) {
    if (!this.ws || this.ws.readyState !== 1) return null;
    this.refSeq += 1;
    const ref = String(this.refSeq);
    this.ws.send(JSON.stringify({ ...event, ref }));
    return ref;
  }
}
