// The framing page's service worker (served as /sw.js, or sw.js at the root of a static site): keeps
// the page, its CSS/JS, fonts, the brand marks and the last frames used, so a person who opened the
// page once can frame a photo with no signal.
//
// Privacy: the worker only ever handles same-origin GET requests for the paths below. It never sees a
// photo (the page draws it from a blob: URL, which no worker handles), never handles a POST (a frame
// with a person's name, participation counts, kits, uploads all pass by untouched), never keeps a
// frame asked for with a name in its address, and never keeps an answer marked no-store or private.
// The server (offline.py) or the static site (site.py) fills in CONFIG below.

const CONFIG = /*@config*/ { version: "dev", mode: "server", shell: [], frames: 6, pages: 8 } /*@end*/;

const SHELL = `netral-shell-${CONFIG.version}`;
const PAGES = `netral-pages-${CONFIG.version}`;
const FRAMES = `netral-frames-${CONFIG.version}`;
const OURS = new Set([SHELL, PAGES, FRAMES]);
const SCOPE = new URL(self.registration.scope);
const NETWORK_WAIT_MS = 4000; // a weak connection: the kept copy after this long

// Paths under the scope, by kind; the query parameters each kind may carry (others: not handled).
const KINDS = [
  ["page", /^(?:index\.html|t\/[a-z0-9-]+\/?(?:index\.html)?)?$/, null],
  ["shell", /^(?:static\/(?:js\/)?[a-z0-9._-]+\.(?:css|js)|fonts\/jakarta-[0-9]{3}\.woff2|brand\/mark(?:-reverse)?\.svg|icons\/(?:icon|maskable)-[0-9]+\.png|(?:t\/[a-z0-9-]+\/)?manifest\.webmanifest|agencies\.json)$/, ["v", "agency"]],
  ["frame", /^frames\/[a-z0-9-]+\/(?:[a-z]+\/)?[a-z0-9-]+\.png$/, ["format"]],
];

// A request -> "page", "shell", "frame", or null for everything the worker must leave alone.
function kindOf(request) {
  if (request.method !== "GET") return null;
  const url = new URL(request.url);
  if (!/^https?:$/.test(url.protocol)) return null; // never blob: or data: (a photo, a picture made from it)
  if (url.origin !== SCOPE.origin || !url.pathname.startsWith(SCOPE.pathname)) return null;
  const path = url.pathname.slice(SCOPE.pathname.length);
  for (const [kind, pattern, query] of KINDS) {
    if (!pattern.test(path)) continue;
    // Pages ignore their query (links from apps add ?fbclid=…); the others may carry only their own.
    if (query && [...url.searchParams.keys()].some((key) => !query.includes(key))) return null;
    return kind;
  }
  return null;
}

// The key a page is kept under: its address without query or fragment.
function pageKey(request) {
  const url = new URL(request.url);
  return `${url.origin}${url.pathname}`;
}

function keepable(response) {
  if (!response || !response.ok || response.type !== "basic") return false;
  const control = response.headers.get("Cache-Control") || "";
  return !/no-store|private/i.test(control);
}

// Keep at most `limit` entries, the oldest out first (a cache lists its keys in insertion order).
async function trim(cache, limit) {
  const keys = await cache.keys();
  for (const key of keys.slice(0, Math.max(0, keys.length - limit))) await cache.delete(key);
}

async function put(name, key, response, limit) {
  const cache = await caches.open(name);
  await cache.delete(key); // put again: now the newest
  await cache.put(key, response);
  if (limit) await trim(cache, limit);
}

const slow = (ms) => new Promise((_, reject) => setTimeout(() => reject(new Error("slow")), ms));

// Network first (a fresh page, a redrawn frame), the kept copy when the network fails or is slow.
async function networkFirst(event, name, key, limit) {
  const network = fetch(event.request);
  try {
    const response = await Promise.race([network, slow(NETWORK_WAIT_MS)]);
    if (keepable(response)) event.waitUntil(put(name, key, response.clone(), limit));
    return response;
  } catch (error) {
    const kept = await caches.match(key, { cacheName: name });
    if (kept) {
      if (limit) event.waitUntil(put(name, key, kept.clone(), limit)); // used: the newest again
      // A slow answer that does arrive still refreshes the kept copy.
      event.waitUntil(network.then((r) => (keepable(r) ? put(name, key, r, limit) : null)).catch(() => null));
      return kept;
    }
    return network; // nothing kept: the browser's own error (or the slow answer)
  }
}

// Cache first for the page's files. The shell cache belongs to one version of them all (its name), so
// a CSS/JS file matches with or without its ?v= (modules import each other without it).
async function cacheFirst(event) {
  const loose = /\/static\//.test(new URL(event.request.url).pathname.slice(SCOPE.pathname.length - 1));
  const kept = await caches.match(event.request, { cacheName: SHELL, ignoreSearch: loose });
  if (kept) return kept;
  const response = await fetch(event.request);
  if (keepable(response)) event.waitUntil(put(SHELL, event.request, response.clone()));
  return response;
}

self.addEventListener("fetch", (event) => {
  const kind = kindOf(event.request);
  if (kind === "page") event.respondWith(networkFirst(event, PAGES, pageKey(event.request), CONFIG.pages));
  else if (kind === "shell") event.respondWith(cacheFirst(event));
  else if (kind === "frame") event.respondWith(networkFirst(event, FRAMES, event.request.url, CONFIG.frames));
  // Anything else: not handled, the browser fetches it as if there were no worker.
});

// The page's first visit happened before the worker ran: the page names its address and its frame,
// and the worker keeps those it is allowed to (from the HTTP cache when they are there).
async function keep(urls) {
  let kept = 0;
  for (const url of urls) {
    const request = new Request(new URL(url, SCOPE), { credentials: "same-origin" });
    const kind = kindOf(request);
    if (!kind) continue;
    const [name, key, limit] = kind === "page" ? [PAGES, pageKey(request), CONFIG.pages]
      : kind === "frame" ? [FRAMES, request.url, CONFIG.frames] : [SHELL, request.url, 0];
    try {
      const cached = kind !== "page" && (await caches.match(key, { cacheName: name }));
      if (cached) {
        if (limit) await put(name, key, cached, limit);
      } else {
        const response = await Promise.race([fetch(request), slow(20000)]);
        if (!keepable(response)) continue;
        await put(name, key, response, limit);
      }
      kept += 1;
    } catch {
      // offline already, or refused: nothing kept, nothing broken
    }
  }
  return kept;
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type !== "keep" || !Array.isArray(data.urls)) return;
  event.waitUntil(keep(data.urls.slice(0, 8).map(String)).then((kept) => {
    if (event.source) event.source.postMessage({ type: "kept", kept, version: CONFIG.version });
  }));
});

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL);
    // One file that fails (a flaky network) must not cost the others: each is kept on its own.
    await Promise.allSettled(CONFIG.shell.map(async (path) => {
      const request = new Request(new URL(path, SCOPE), { credentials: "same-origin" });
      const response = await fetch(request);
      if (keepable(response)) await cache.put(request, response);
    }));
    await self.skipWaiting();
  })());
});

// An update replaces the caches: those of other versions go. What the person used stays usable
// without signal: the kept pages are fetched anew (the old copy when that fails), the frames carried over.
async function replaceOldCaches() {
  for (const name of await caches.keys()) {
    if (!name.startsWith("netral-") || OURS.has(name)) continue;
    const old = await caches.open(name);
    const into = name.startsWith("netral-pages-") ? PAGES : name.startsWith("netral-frames-") ? FRAMES : null;
    for (const request of into ? await old.keys() : []) {
      let response = null;
      if (into === PAGES) {
        try {
          response = await Promise.race([fetch(request.url, { credentials: "same-origin" }), slow(NETWORK_WAIT_MS)]);
        } catch {
          response = null;
        }
      }
      if (!keepable(response)) response = await old.match(request);
      if (response) await put(into, request.url, response, into === PAGES ? CONFIG.pages : CONFIG.frames);
    }
    await caches.delete(name);
  }
}

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    await replaceOldCaches();
    await self.clients.claim();
  })());
});
