// The console's live updates: one EventSource on /api/desk/events (server/desk/live.py).
// Events only say that something changed; the views re-read what they show. After a
// reconnection everything is re-read, since events may have been missed meanwhile.

export function openLive({ onEvent, onStatus }) {
  let source = null;
  let wasDown = false;
  let closed = false;

  function start() {
    source = new EventSource("/api/desk/events");
    onStatus("connecting");
    source.addEventListener("open", () => {
      onStatus("online");
      if (wasDown) onEvent({ type: "resync" });
      wasDown = false;
    });
    source.addEventListener("error", () => {
      if (closed) return;
      wasDown = true;
      onStatus("offline");
      // The browser retries by itself unless the server refused (e.g. 401): then the
      // source is CLOSED and the console re-checks the session.
      if (source.readyState === EventSource.CLOSED) onEvent({ type: "logged_out" });
    });
    source.addEventListener("message", (message) => {
      let event;
      try { event = JSON.parse(message.data); } catch { return; }
      if (event && typeof event.type === "string") onEvent(event);
    });
  }

  start();
  return {
    close() {
      closed = true;
      if (source) source.close();
    },
  };
}
