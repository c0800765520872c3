// The demo's service worker: it keeps a copy of every file the demo needs
// (the page, its script, the manifest and icon, and the hearthdb package)
// so that after one visit the demo loads with the network off.
//
// The package is web/dist/, reached through the symlink web/demo/pkg, so
// that it is served under /demo/pkg/, inside this worker's scope (/demo/):
// a service worker controls a dedicated Worker only when the Worker's own
// script URL is in its scope, and hearthdb starts its engine in a Worker
// next to index.js. Through ../dist/ the engine's fetches of its modules
// and of hearth.wasm would bypass this service worker and fail offline.
//
// Online, every request goes to the network first (so a rebuilt package or
// an edited page shows up on the next load) and refreshes the copy; offline,
// or when the network takes longer than NETWORK_TIMEOUT, the copy answers.
// The relay's own endpoints (/v1/..., /healthz) never go through here.

const CACHE = 'hearth-demo-v1';
const NETWORK_TIMEOUT = 4000;

// Relative to this script, which the relay serves at /demo/sw.js.
const FILES = [
  './',
  './app.js',
  './manifest.webmanifest',
  './icon.svg',
  './pkg/index.js',
  './pkg/proxy.js',
  './pkg/worker.js',
  './pkg/engine.js',
  './pkg/query.js',
  './pkg/subscribe.js',
  './pkg/rows.js',
  './pkg/batch.js',
  './pkg/ops.js',
  './pkg/wasm_exec.js',
  './pkg/hearth.wasm',
  './pkg/text.js',
];

const demoRoot = new URL('./', self.location).href;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // One missing file must not leave the demo without the others.
    await Promise.all(FILES.map(async (file) => {
      try {
        await cache.add(new Request(new URL(file, self.location), { cache: 'reload' }));
      } catch (err) {
        console.warn(`hearth demo: could not cache ${file}:`, err);
      }
    }));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key !== CACHE && key.startsWith('hearth-demo-')) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = request.url.split('#')[0];
  if (!url.startsWith(demoRoot)) return;
  event.respondWith(networkFirst(request));
});

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = cache.match(request, { ignoreSearch: true });
  const network = fetch(request).then((response) => {
    if (response.ok && response.type === 'basic') cache.put(request, response.clone());
    return response;
  });
  try {
    return await Promise.race([
      network,
      new Promise((resolve, reject) => setTimeout(async () => {
        const hit = await cached;
        if (hit) resolve(hit); else network.then(resolve, reject);
      }, NETWORK_TIMEOUT)),
    ]);
  } catch (err) {
    const hit = await cached;
    if (hit) return hit;
    if (request.mode === 'navigate') {
      const page = await cache.match(demoRoot);
      if (page) return page;
    }
    throw err;
  }
}
