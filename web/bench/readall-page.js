// The page side of the read-all benchmark (readall.html, driven by
// readall.mjs): issue 15's "fresh page, open + read all 10,000". One phase
// per page load, chosen by ?phase=; its result is set on window.benchResult
// (window.benchError on failure). Times are performance.now() in the page,
// from the phase's start; the engine runs in its Web Worker.
//
//   ?phase=fill    store `docs` documents through Hearth (transactions of
//                  1,000) and the same objects in a raw IndexedDB store
//   ?phase=boot    open() of an empty database: the engine's boot alone
//   ?phase=raw     open the raw database, getAll of its store
//   ?phase=hearth  open() + db.query('items').get() of every document
//   ?phase=first   open() + the first call of query('items').limit(20).subscribe
const params = new URLSearchParams(location.search);
const phase = params.get('phase');
const docs = Number(params.get('docs') ?? 10_000);
const COLLECTION = 'items';
const HEARTH = 'readall';
const RAW = 'readall-raw';
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];

/** Document i: the issue's {id, title, done, n, tags}. */
function makeDoc(i) {
  return {
    id: `item-${String(i).padStart(6, '0')}`,
    title: `${WORDS[i % 8]} ${WORDS[(i * 7) % 8]} task ${i}`,
    done: i % 3 === 0,
    n: i,
    tags: [WORDS[i % 5], WORDS[(i * 3) % 8]],
  };
}

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function deleteDatabase(name) {
  const req = indexedDB.deleteDatabase(name);
  return new Promise((resolve, reject) => {
    req.onsuccess = resolve;
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error(`deleting ${name} is blocked`));
  });
}

function openRaw() {
  const req = indexedDB.open(RAW, 1);
  req.onupgradeneeded = () => req.result.createObjectStore(COLLECTION, { keyPath: 'id' });
  return request(req);
}

async function fill() {
  const { open } = await import('/web/dist/index.js');
  await deleteDatabase(`hearth:${HEARTH}`);
  await deleteDatabase(RAW);
  const db = await open({ name: HEARTH });
  for (let start = 0; start < docs; start += 1000) {
    await db.transact((tx) => {
      const items = tx.collection(COLLECTION);
      for (let i = start; i < Math.min(docs, start + 1000); i++) items.put(makeDoc(i));
    });
  }
  await db.close();
  const raw = await openRaw();
  for (let start = 0; start < docs; start += 1000) {
    const tx = raw.transaction(COLLECTION, 'readwrite');
    const store = tx.objectStore(COLLECTION);
    for (let i = start; i < Math.min(docs, start + 1000); i++) store.put(makeDoc(i));
    await new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onerror = () => reject(tx.error); });
  }
  raw.close();
  return { docs };
}

async function boot() {
  const { open } = await import('/web/dist/index.js');
  const t = performance.now();
  const db = await open({ name: `readall-empty-${params.get('run') ?? 0}` });
  const ms = performance.now() - t;
  await db.close();
  return { ms };
}

async function raw() {
  const t = performance.now();
  const db = await openRaw();
  const rows = await request(db.transaction(COLLECTION, 'readonly').objectStore(COLLECTION).getAll());
  const ms = performance.now() - t;
  db.close();
  return { ms, rows: rows.length };
}

async function hearth() {
  const { open } = await import('/web/dist/index.js');
  const t = performance.now();
  const db = await open({ name: HEARTH });
  const opened = performance.now();
  const rows = await db.query(COLLECTION).get();
  const done = performance.now();
  const ok = rows.length === docs && rows.every((r, i) => r.id === makeDoc(i).id && r.n === i && r.tags.length === 2);
  await db.close();
  return { ms: done - t, openMs: opened - t, queryMs: done - opened, rows: rows.length, ok };
}

async function first() {
  const { open } = await import('/web/dist/index.js');
  const t = performance.now();
  const db = await open({ name: HEARTH });
  const opened = performance.now();
  const rows = await new Promise((resolve) => {
    const stop = db.query(COLLECTION).limit(20).subscribe((r) => { resolve(r); queueMicrotask(() => stop?.()); });
  });
  const done = performance.now();
  await db.close();
  return { ms: done - t, openMs: opened - t, queryMs: done - opened, rows: rows.length, ok: rows[0]?.id === makeDoc(0).id };
}

// ?phase=again: in one page, after a first open, REPEAT times close() and
// open() + get() again: the engine is up, the collection is not in memory
// (close drops it), so each time is the read alone. Also raw getAll REPEAT
// times. The driver reports the minimum, the least disturbed by the load.
async function again() {
  const { open } = await import('/web/dist/index.js');
  const repeat = Number(params.get('repeat') ?? 5);
  (await open({ name: HEARTH })).close();
  const hearthMs = [];
  const rawMs = [];
  for (let i = 0; i < repeat; i++) {
    let t = performance.now();
    const db = await open({ name: HEARTH });
    const rows = await db.query(COLLECTION).get();
    hearthMs.push(performance.now() - t);
    if (rows.length !== docs) throw new Error(`read ${rows.length} rows`);
    await db.close();
    t = performance.now();
    const r = await openRaw();
    const all = await request(r.transaction(COLLECTION, 'readonly').objectStore(COLLECTION).getAll());
    rawMs.push(performance.now() - t);
    if (all.length !== docs) throw new Error(`raw read ${all.length} rows`);
    r.close();
  }
  return { hearthMs, rawMs };
}

const phases = { fill, boot, raw, hearth, first, again };
try {
  window.benchResult = await phases[phase]();
} catch (err) {
  window.benchError = String(err?.stack ?? err);
}
