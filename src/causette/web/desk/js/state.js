// What the console knows: who is logged in, the queue, which items arrived live and are
// not opened yet. Views subscribe and re-render their part when it changes.
import { desk } from "./api.js";

export const state = {
  me: null,
  perms: new Set(),
  live: "connecting",
  queue: null, // null: not loaded yet
  queueError: null,
  fresh: new Set(), // keys ("kind:id") of items that arrived since the console opened
  known: null, // keys seen so far (null before the first load)
};

const listeners = new Set();

export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function changed(what) {
  for (const fn of listeners) fn(what);
}

export function can(permission) {
  return state.perms.has(permission);
}

export const keyOf = (item) => `${item.kind}:${item.id}`;

let loading = null;
let again = false;

/** Re-read the queue (coalesced: one request at a time, one more if asked meanwhile). */
export async function refreshQueue() {
  if (!can("queue_read")) return;
  if (loading) {
    again = true;
    return loading;
  }
  loading = (async () => {
    do {
      again = false;
      try {
        const { items } = await desk.queue();
        if (state.known) {
          for (const item of items) if (!state.known.has(keyOf(item))) state.fresh.add(keyOf(item));
        }
        state.known = new Set(items.map(keyOf));
        for (const key of [...state.fresh]) if (!state.known.has(key)) state.fresh.delete(key);
        state.queue = items;
        state.queueError = null;
      } catch (error) {
        state.queueError = error;
      }
      changed("queue");
    } while (again);
  })();
  try { await loading; } finally { loading = null; }
}

export function markSeen(key) {
  if (state.fresh.delete(key)) changed("queue");
}

export function reset() {
  state.me = null;
  state.perms = new Set();
  state.queue = null;
  state.queueError = null;
  state.fresh = new Set();
  state.known = null;
}
