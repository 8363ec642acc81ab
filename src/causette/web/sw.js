// The service worker: installable as a web app, and an honest page when offline. It never
// serves the chat from a cache (a stale client talking to a newer server is worse than a
// clear "offline"): pages go to the network first; only when that fails does the offline
// page answer. No push notifications.
const CACHE = "causette-offline-v1";
const OFFLINE = ["/offline.html", "/static/css/app.css", "/static/favicon.svg", "/static/icons/icon.svg"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(OFFLINE)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() => caches.match("/offline.html")));
    return;
  }
  // The offline page's own files, when the network is gone.
  const url = new URL(request.url);
  if (url.origin === self.location.origin && OFFLINE.includes(url.pathname)) {
    event.respondWith(fetch(request).catch(() => caches.match(url.pathname)));
  }
});
