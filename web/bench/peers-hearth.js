// Hearth's side of the peers benchmark (peers-page.js): the same traces
// through the public API, the engine in its Web Worker (open()'s default).
// Hearth is still slow per edit, so each run stops at a time budget or an
// edit cap and reports how far it got; `marks` ([edits done, ms]) let the
// driver extrapolate the whole trace from the latest edits' rate.
const HEARTH = '/web/dist/index.js'; // served unbundled, as an app would import the package
const DOC = 'n';
const FIELD = 'body';
const STATS_EVERY = 1_000; // edits between db.storageStats() samples, so that the last 10,000 edits of a run stopped anywhere have one near their start
const WINDOW = 2_000; // un-awaited calls issued between two checks of the budget (0.3–3 s of Hearth's work)

/** Deletes the IndexedDB database behind the Hearth database `name`. */
export function deleteHearthDatabase(name) {
  return new Promise((resolve, reject) => {
    const req = indexedDB.deleteDatabase(`hearth:${name}`);
    req.onsuccess = resolve;
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error(`deleting hearth:${name} is blocked by an open connection`));
  });
}

const usage = async () => (await navigator.storage.estimate()).usage;

/** The byte size of an IndexedDB key or value as Hearth stores them (bytes or strings; keys may be arrays). */
function sizeOf(v) {
  if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) return v.byteLength;
  if (typeof v === 'string') return new TextEncoder().encode(v).length;
  if (Array.isArray(v)) return v.reduce((n, x) => n + sizeOf(x), 0);
  if (typeof v === 'number') return 8;
  return JSON.stringify(v ?? null).length;
}

/**
 * What the IndexedDB database of Hearth database `name` holds: records and
 * bytes of keys plus values, over every store. A closer measure of the
 * stored state than navigator.storage.estimate(), which covers the whole
 * origin and follows the browser's compactions.
 */
export function idbRecordBytes(name) {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(`hearth:${name}`);
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const idb = req.result;
      const stores = [...idb.objectStoreNames];
      const tx = idb.transaction(stores, 'readonly');
      const out = { records: 0, bytes: 0, stores: {} };
      for (const s of stores) {
        const keys = tx.objectStore(s).getAllKeys();
        const values = tx.objectStore(s).getAll();
        values.onsuccess = () => {
          const b = keys.result.reduce((n, k) => n + sizeOf(k), 0) + values.result.reduce((n, v) => n + sizeOf(v), 0);
          out.stores[s] = { records: values.result.length, bytes: b };
          out.records += values.result.length;
          out.bytes += b;
        };
      }
      tx.oncomplete = () => { idb.close(); resolve(out); };
      tx.onerror = () => { idb.close(); reject(tx.error); };
    };
  });
}

/** Opens a fresh database `name` holding the note with the trace's start text. */
async function openFresh(name, start) {
  const { open, text } = await import(HEARTH);
  await deleteHearthDatabase(name);
  const usageBefore = await usage();
  const db = await open({ name });
  await db.collection('notes').put({ id: DOC, body: text(start) });
  return { db, usageBefore };
}

/** Issues one patch as its Hearth calls: a delete, then an insert. */
function patchCalls(notes, [pos, del, ins]) {
  const calls = [];
  if (del) calls.push(notes.deleteText(DOC, FIELD, pos, del));
  if (ins) calls.push(notes.insertText(DOC, FIELD, pos, ins));
  return calls;
}

/**
 * Tracks a run: the budget, progress marks and storageStats samples, and
 * the result the driver reads.
 */
function runState(db, name, budgetS) {
  const hasStats = typeof db.storageStats === 'function';
  const t0 = performance.now();
  const s = {
    name, t0, deadline: budgetS > 0 ? t0 + budgetS * 1000 : Infinity, marks: [[0, 0]], stats: [], hasStats,
    over: () => performance.now() > s.deadline,
    mark: (done) => s.marks.push([done, performance.now() - t0]),
    async sample(done) { if (hasStats) s.stats.push([done, await db.storageStats()]); },
  };
  return s;
}

/** Percentile of `values` (unsorted). */
function pct(values, p) {
  if (values.length === 0) return null;
  const s = Float64Array.from(values).sort();
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

/**
 * Reads the note back, closes the database and measures storage: the
 * common end of every Hearth run.
 */
async function finish(db, run, done, total, endContent, usageBefore, extra) {
  const ms = performance.now() - run.t0;
  await run.sample(done);
  const note = await db.collection('notes').get(DOC);
  const complete = done === total;
  await db.close();
  const usageAfter = await usage();
  return {
    edits: done, total, ms, marks: run.marks, stats: run.hasStats ? run.stats : null,
    textOk: complete ? note?.[FIELD] === endContent : null, textLength: note?.[FIELD]?.length,
    usageBefore, usageAfter, stored: await idbRecordBytes(run.name), ...extra,
  };
}

/**
 * One call (or one delete and one insert) per patch, each awaited before
 * the next (awaited) or issued in windows of WINDOW calls with only the
 * window's Promise.all awaited (un-awaited).
 */
export async function hearthPerCall({ name, patches, start, endContent, awaited, budgetS, maxEdits }) {
  const { db, usageBefore } = await openFresh(name, start);
  const notes = db.collection('notes');
  const n = Math.min(patches.length, maxEdits || Infinity);
  const run = runState(db, name, budgetS);
  const lat = [];
  let i = 0;
  while (i < n && !run.over()) {
    if (i % STATS_EVERY === 0) await run.sample(i);
    const end = Math.min(n, i + WINDOW);
    if (awaited) {
      for (; i < end; i++) {
        const t = performance.now();
        if (patches[i][1]) await notes.deleteText(DOC, FIELD, patches[i][0], patches[i][1]);
        if (patches[i][2]) await notes.insertText(DOC, FIELD, patches[i][0], patches[i][2]);
        lat.push(performance.now() - t);
        if (run.over()) { i++; break; }
      }
    } else {
      const calls = [];
      for (; i < end; i++) calls.push(...patchCalls(notes, patches[i]));
      await Promise.all(calls); // rejects if any call did
    }
    run.mark(i);
  }
  const latency = awaited ? {
    p50: pct(lat, 0.5), p99: pct(lat, 0.99),
    first10kP50: pct(lat.slice(0, 10_000), 0.5), last10kP50: pct(lat.slice(-10_000), 0.5),
    first1kP50: pct(lat.slice(0, 1_000), 0.5), last1kP50: pct(lat.slice(-1_000), 0.5),
  } : null;
  return finish(db, run, i, patches.length, endContent, usageBefore, { awaited, latency });
}

/** `batch` patches per db.transact, each transaction awaited. */
export async function hearthBatched({ name, patches, start, endContent, batch, budgetS, maxEdits }) {
  const { db, usageBefore } = await openFresh(name, start);
  const n = Math.min(patches.length, maxEdits || Infinity);
  const run = runState(db, name, budgetS);
  const txMs = [];
  let i = 0;
  while (i < n && !run.over()) {
    if (i % STATS_EVERY === 0) await run.sample(i);
    const end = Math.min(n, i + batch);
    const t = performance.now();
    await db.transact((tx) => {
      const notes = tx.collection('notes');
      for (let k = i; k < end; k++) patchCalls(notes, patches[k]);
    });
    txMs.push(performance.now() - t);
    i = end;
    run.mark(i);
  }
  return finish(db, run, i, patches.length, endContent, usageBefore, { batch, txP50: pct(txMs, 0.5), txLast: txMs.at(-1) });
}

/** A database holding the note with `text` put at once: one change, no editing history. */
export async function hearthSeed({ name, text: body }) {
  const { db } = await openFresh(name, body);
  await db.close();
  return { textLength: body.length, stored: await idbRecordBytes(name) };
}

/** A fresh page's open() → the note readable (get), on the database a trace run left. */
export async function hearthReload({ name }) {
  const { open } = await import(HEARTH); // the module is loaded before the clock starts, as in engine.mjs's cold phase
  const t0 = performance.now();
  const db = await open({ name });
  const tOpen = performance.now();
  const note = await db.collection('notes').get(DOC);
  const t1 = performance.now();
  await db.close();
  return { ms: t1 - t0, openMs: tOpen - t0, getMs: t1 - tOpen, textLength: note?.[FIELD]?.length ?? null };
}
