// The page side of the engine benchmark (engine.html). One phase runs per
// page load, chosen by ?phase=; its result is set on window.benchResult
// (window.benchError on failure) for the Node driver, engine.mjs, to read.
// Every time is performance.now() in this page (ms since navigation start),
// with the engine in its Web Worker, as open() starts it by default
// (?worker=0 runs the latency phase's engine on the page's main thread).
//
//   ?phase=latency  local write -> subscriber callback, 10,000 documents, 20 live queries
//   ?phase=insert   insert 100,000 documents in transactions of 1,000
//   ?phase=cold     open the database `insert` wrote, then a first limited query
const moduleStart = performance.now();
const params = new URLSearchParams(location.search);
const phase = params.get('phase');
const num = (name, dflt) => Number(params.get(name) ?? dflt);

const COLLECTION = 'items';
const STATUSES = ['open', 'in-progress', 'blocked', 'done'];
const PROJECTS = ['apollo', 'borealis', 'cassini', 'dawn', 'europa', 'fermi', 'gemini', 'hubble'];
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima'];
const T0 = 1_700_000_000_000; // updatedAt of document 0 (ms)

/** A small seeded PRNG (mulberry32), so every run writes the same data. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = (r, list) => list[Math.floor(r() * list.length)];

/** A realistic task-like document: 8 fields (strings, numbers, a boolean, a nested object with a list). */
function makeDoc(i, r, updatedAt = T0 + i * 1000) {
  return {
    id: `item-${String(i).padStart(6, '0')}`,
    title: `${pick(r, WORDS)} ${pick(r, WORDS)} task ${i}`,
    owner: `user-${Math.floor(r() * 200)}`,
    status: pick(r, STATUSES),
    priority: 1 + Math.floor(r() * 5),
    score: Math.round(r() * 1_000_000) / 100, // 0..10000, 2 decimals
    done: r() < 0.3,
    updatedAt,
    meta: { project: pick(r, PROJECTS), estimate: Math.floor(r() * 40), tags: [pick(r, WORDS), pick(r, WORDS)] },
  };
}

async function deleteDatabase(name) {
  await new Promise((resolve, reject) => {
    const req = indexedDB.deleteDatabase(`hearth:${name}`);
    req.onsuccess = resolve;
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error(`deleting hearth:${name} is blocked by an open connection`));
  });
}

/** Inserts documents 0..count-1 in transactions of `batch`; stops early past `deadline` (performance.now()). Resolves to the count inserted. */
async function seed(db, count, batch, r, onBatch, deadline = Infinity) {
  let start = 0;
  for (; start < count && performance.now() < deadline; start += batch) {
    const docs = [];
    for (let i = start; i < Math.min(count, start + batch); i++) docs.push(makeDoc(i, r));
    const t = performance.now();
    await db.transact((tx) => {
      const items = tx.collection(COLLECTION);
      for (const d of docs) items.put(d);
    });
    onBatch?.(performance.now() - t);
  }
  return Math.min(start, count);
}

/** The 20 live queries of the latency phase: filters, orderBy and limits over a few fields. */
function liveQueries(db) {
  const q = () => db.query(COLLECTION);
  return [
    ...STATUSES.map((s) => q().where('status', '==', s).orderBy('updatedAt', 'desc').limit(20)),
    ...['user-7', 'user-42', 'user-199'].map((u) => q().where('owner', '==', u).orderBy('priority', 'desc').limit(10)),
    ...[2500, 5000, 7500].map((x) => q().where('score', '>=', x).orderBy('score').limit(10)),
    q().orderBy('score', 'desc').limit(20),
    q().orderBy('score', 'desc').offset(20).limit(20),
    q().where('done', '==', false).orderBy('priority', 'desc').orderBy('updatedAt', 'desc').limit(25),
    q().where('priority', 'in', [4, 5]).select('title', 'priority').limit(25),
    q().where('title', 'startsWith', 'alpha').orderBy('title').limit(20),
    q().where('meta.project', '==', 'apollo').orderBy('updatedAt', 'desc').limit(15),
    q().where({ or: [['status', '==', 'blocked'], ['priority', '==', 5]] }).orderBy('score').limit(10),
    q().where('done', '==', true).where('score', '<', 5000).orderBy('title').limit(10),
    q().where('meta.estimate', '>', 30).orderBy('meta.estimate', 'desc').limit(10),
    q().orderBy('updatedAt', 'desc').limit(10), // "recent activity": every write shows here
  ];
}

const INDEXED = ['status', 'owner', 'score', 'updatedAt'];

async function latencyPhase() {
  const { open } = await import('/web/dist/index.js');
  const docs = num('docs', 10_000);
  const samples = num('samples', 500);
  const warmup = num('warmup', 20);
  const indexes = params.get('indexes') !== '0';
  const name = 'bench-latency';
  await deleteDatabase(name);
  const db = await open({ name, worker: params.get('worker') !== '0' });
  const items = db.collection(COLLECTION);
  const r = rng(1);
  let t = performance.now();
  await seed(db, docs, 1000, r);
  const seedMs = performance.now() - t;
  if (indexes) for (const f of INDEXED) await items.createIndex(f);

  // The write being measured: a callback "reflects" it when its result
  // holds the written document with the written updatedAt.
  let pending = null;
  let callbacks = 0;
  const queries = liveQueries(db);
  t = performance.now();
  const firsts = queries.map((query) => new Promise((first) => {
    let got = false;
    query.subscribe((rows) => {
      const now = performance.now();
      if (!got) { got = true; first(); return; }
      callbacks++;
      if (pending && pending.at === undefined && rows.some((d) => d.id === pending.id && d.updatedAt === pending.updatedAt)) {
        pending.at = now;
        pending.seen();
      }
    }, (err) => { window.benchError = String(err); });
  }));
  await Promise.all(firsts);
  const subscribeMs = performance.now() - t;

  const wr = rng(2);
  const toCallback = { put: [], update: [] };
  const toResolve = [];
  const perWrite = [];
  let updatedAt = T0 + docs * 1000;
  for (let n = 0; n < warmup + samples; n++) {
    const i = Math.floor(wr() * docs);
    const kind = n % 2 === 0 ? 'put' : 'update';
    updatedAt += 1000;
    const doc = makeDoc(i, wr, updatedAt);
    const seen = new Promise((resolve) => { pending = { id: doc.id, updatedAt, seen: resolve }; });
    const before = callbacks;
    const t0 = performance.now();
    const written = kind === 'put'
      ? items.put(doc)
      : items.update(doc.id, { status: doc.status, score: doc.score, done: doc.done, updatedAt, meta: { estimate: doc.meta.estimate } });
    await seen;
    await written;
    const t2 = performance.now();
    if (n >= warmup) {
      toCallback[kind].push(pending.at - t0);
      toResolve.push(t2 - t0);
      perWrite.push(callbacks - before);
    }
  }
  await db.close();
  return {
    docs, queries: queries.length, samples, isolated: self.crossOriginIsolated === true, indexes: indexes ? INDEXED : [], seedMs, subscribeMs,
    toCallback: [...toCallback.put, ...toCallback.update], putToCallback: toCallback.put, updateToCallback: toCallback.update,
    toResolve, callbacksPerWrite: perWrite.reduce((a, b) => a + b, 0) / perWrite.length,
  };
}

async function insertPhase() {
  const { open } = await import('/web/dist/index.js');
  const docs = num('docs', 100_000);
  const batch = num('batch', 1000);
  const budgetMs = num('budget', 0) * 1000; // 0: no budget
  const name = params.get('db') ?? 'bench-100k';
  await deleteDatabase(name);
  const db = await open({ name });
  await db.collection(COLLECTION).createIndex('updatedAt'); // the cold phase's query walks it
  const batches = [];
  const t = performance.now();
  const inserted = await seed(db, docs, batch, rng(3), (ms) => batches.push(ms), budgetMs > 0 ? t + budgetMs : Infinity);
  const ms = performance.now() - t;
  await db.close();
  const estimate = await navigator.storage?.estimate?.().catch(() => undefined);
  return { docs, inserted, batch, ms, docsPerSec: inserted / (ms / 1000), batches, usageBytes: estimate?.usage };
}

async function coldPhase() {
  const name = params.get('db') ?? 'bench-100k';
  const tImport = performance.now();
  const { open } = await import('/web/dist/index.js');
  const tOpen = performance.now();
  const db = await open({ name });
  const tOpened = performance.now();
  await db.collection(COLLECTION).createIndex('updatedAt'); // as an app declares it at start; stored, so free
  const first = await db.query(COLLECTION).orderBy('updatedAt', 'desc').limit(20).get();
  const tFirst = performance.now();
  const second = await db.query(COLLECTION).where('status', '==', 'open').orderBy('score', 'desc').limit(20).get();
  const tSecond = performance.now();
  // Let the long-task observer deliver what it saw, then stop counting.
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 100)));
  await db.close();
  const tasks = window.longTasks.filter((e) => e.start <= tFirst);
  return {
    moduleStart, importMs: tOpen - tImport, navToOpened: tOpened, openMs: tOpened - tOpen, firstQueryMs: tFirst - tOpened,
    navToFirst: tFirst, firstRows: first.length, secondQueryMs: tSecond - tFirst, secondRows: second.length,
    longTaskObserver: window.longTaskObserver, longTasks: tasks, maxLongTask: Math.max(0, ...tasks.map((e) => e.duration)),
  };
}

const phases = { latency: latencyPhase, insert: insertPhase, cold: coldPhase };
try {
  if (!phases[phase]) throw new Error(`unknown ?phase=${phase}; one of ${Object.keys(phases).join(', ')}`);
  window.benchResult = await phases[phase]();
} catch (err) {
  window.benchError = `${err?.name ?? 'Error'}: ${err?.message ?? err}`;
}
