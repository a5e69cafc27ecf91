/* global self, caches */
// The service worker (served as /sw.js). vite.config.ts (plugin `village-ledger-sw`) writes the
// build's file list and a version into the first line at build time; this file is never loaded as is.
//
// - install: precache the app shell and every built file (entry, lazily loaded chunks such as the
//   sync code, the engine worker, styles, icons, manifest), bypassing the HTTP cache.
// - activate: delete older caches of this app, take control of open pages.
// - fetch: only same-origin GET requests. Page loads (navigations) go to the network first and fall
//   back to the cached app shell when offline or after NAVIGATION_TIMEOUT_MS; precached files come
//   from the cache; everything else (the signaling server, other hosts, unknown paths) is left to
//   the browser untouched. WebSockets never pass through a service worker.
const BUILD = self.__VL_BUILD__ ?? { version: 'dev', files: [] };

const PREFIX = 'village-ledger-';
const CACHE = `${PREFIX}${BUILD.version}`;
const NAVIGATION_TIMEOUT_MS = 4000;
const scope = new URL(self.registration.scope);
const shellUrl = new URL('./', scope).href;
const precached = new Set(BUILD.files.map((f) => new URL(f, scope).href));

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll([...precached].map((url) => new Request(url, { cache: 'reload' })))),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith(PREFIX) && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

/** The network's answer, or null when offline, failing (5xx) or slower than `ms`. */
function network(request, ms) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), ms);
    fetch(request).then(
      (res) => {
        clearTimeout(timer);
        resolve(res.status >= 500 ? null : res);
      },
      () => {
        clearTimeout(timer);
        resolve(null);
      },
    );
  });
}

async function navigate(request) {
  const fresh = await network(request, NAVIGATION_TIMEOUT_MS);
  if (fresh) return fresh;
  const cache = await caches.open(CACHE);
  const shell = await cache.match(shellUrl);
  // Still nothing: one more, untimed try, so the browser shows its own offline page.
  return shell ?? fetch(request);
}

async function precachedFile(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request, { ignoreSearch: true });
  return hit ?? fetch(request);
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== scope.origin || !url.href.startsWith(scope.href)) return;
  if (request.mode === 'navigate') {
    event.respondWith(navigate(request));
    return;
  }
  url.search = '';
  url.hash = '';
  if (precached.has(url.href)) event.respondWith(precachedFile(request));
});

// Lets a page ask a waiting worker to take over (not used yet: new versions wait for all tabs to close).
self.addEventListener('message', (event) => {
  if (event.data === 'skip-waiting') void self.skipWaiting();
});
