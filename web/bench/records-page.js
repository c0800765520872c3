// The page side of the records benchmark (records.html, driven by
// records.mjs). One phase per page load, chosen by ?phase=; the result is
// set on window.benchResult (window.benchError on failure). Times are
// performance.now() of this page, cross-origin isolated (5 µs steps).
//
//   ?phase=persist&system=S  fresh database, `docs` records in transactions of `batch`
//   ?phase=single            one awaited durable put at a time, the three systems interleaved
//   ?phase=read&system=S     open + read every record the persist phase left (S=boot: Hearth's open() of an empty database)
//   ?phase=write             Hearth fills space `space` on relay `url` (`rounds` writes of each record)
//   ?phase=join              a fresh Hearth joins `space`: first query result, then synced
//   ?phase=count             reopens the joined database offline and counts its records
import { COLLECTION, deleteDatabases, openSystem, records, rng } from './records-systems.js';

const params = new URLSearchParams(location.search);
const num = (name, dflt) => Number(params.get(name) ?? dflt);
const SYSTEMS = ['raw', 'dexie', 'hearth'];

/** Writes records 0..docs-1 in batches of `batch` through `sys`; resolves to each batch's ms. */
async function fill(sys, docs, batch, seed) {
  const r = rng(seed);
  const times = [];
  for (let start = 0; start < docs; start += batch) {
    const part = records(start, Math.min(docs, start + batch), r);
    const t = performance.now();
    await sys.putBatch(part);
    times.push(performance.now() - t);
  }
  return times;
}

async function persistPhase() {
  const system = params.get('system');
  const name = params.get('db') ?? 'records';
  const docs = num('docs', 10_000);
  await deleteDatabases(name, [system]);
  const sys = await openSystem(system, name);
  const t = performance.now();
  const batches = await fill(sys, docs, num('batch', 1000), num('seed', 1));
  const ms = performance.now() - t;
  await sys.close();
  return { system, docs, ms, docsPerSec: docs / (ms / 1000), batches };
}

async function singlePhase() {
  const samples = num('samples', 500);
  const warmup = num('warmup', 20);
  const name = 'records-single';
  await deleteDatabases(name);
  const systems = {};
  for (const s of SYSTEMS) systems[s] = await openSystem(s, name);
  const r = rng(2);
  const times = Object.fromEntries(SYSTEMS.map((s) => [s, []]));
  for (let i = 0; i < warmup + samples; i++) {
    const rec = records(i, i + 1, r)[0];
    // Rotate who goes first, so no system always follows the same one.
    for (let k = 0; k < SYSTEMS.length; k++) {
      const s = SYSTEMS[(i + k) % SYSTEMS.length];
      const t = performance.now();
      await systems[s].putOne(rec);
      const dt = performance.now() - t;
      if (i >= warmup) times[s].push(dt);
    }
  }
  for (const s of SYSTEMS) await systems[s].close();
  await deleteDatabases(name);
  return { samples, warmup, times };
}

async function readPhase() {
  const system = params.get('system');
  const boot = system === 'boot';
  const name = boot ? 'records-empty' : params.get('db') ?? 'records';
  if (boot || system === 'hearth') await import('/web/dist/index.js'); // the module, not the engine: open() loads that
  const t0 = performance.now();
  const sys = await openSystem(boot ? 'hearth' : system, name);
  const t1 = performance.now();
  const rows = boot ? [] : await sys.readAll();
  const t2 = performance.now();
  await sys.close();
  return { system, openMs: t1 - t0, readMs: t2 - t1, ms: t2 - t0, count: rows.length, isolated: self.crossOriginIsolated === true };
}

/** Resolves once `db.sync` reports `ok(status)`; rejects on a stop with an error that retrying cannot fix. */
function syncUntil(db, ok) {
  return new Promise((resolve, reject) => {
    let stop = null;
    const check = (s) => {
      if (ok(s)) { resolve(s); stop?.(); stop = () => {}; }
      else if (s.lastError && s.lastError.code !== 'network') reject(new Error(`sync: ${s.lastError.code}: ${s.lastError.message}`));
    };
    stop = db.sync.subscribe(check);
  });
}

async function writePhase() {
  const [url, space, name] = [params.get('url'), params.get('space'), params.get('db') ?? `writer-${params.get('space')}`];
  const docs = num('docs', 100_000);
  const rounds = num('rounds', 1);
  const sys = await openSystem('hearth', name);
  await sys.db.sync.connect({ url, space });
  const t = performance.now();
  // Each round rewrites every record with other values (seed 10 + round).
  for (let round = 0; round < rounds; round++) await fill(sys, docs, num('batch', 1000), 10 + round);
  const writtenMs = performance.now() - t;
  await syncUntil(sys.db, (s) => s.state === 'synced' && s.pending === 0);
  const syncedMs = performance.now() - t;
  await sys.close();
  return { docs, rounds, writes: docs * rounds, writtenMs, syncedMs };
}

async function joinPhase() {
  const { open } = await import('/web/dist/index.js');
  const [url, space] = [params.get('url'), params.get('space')];
  const docs = num('docs', 100_000);
  const db = await open({ name: 'joiner' });
  let first = null;
  let t0 = 0;
  const firstSeen = new Promise((resolve) => {
    db.query(COLLECTION).limit(20).subscribe((rows) => {
      if (rows.length > 0 && first === null) { first = performance.now() - t0; resolve(); }
    }, (err) => { window.benchError = String(err); });
  });
  t0 = performance.now();
  const connecting = db.sync.connect({ url, space });
  const synced = syncUntil(db, (s) => s.state === 'synced').then(() => performance.now() - t0);
  await connecting;
  let [syncedMs] = await Promise.all([synced, firstSeen]);
  // Synced means caught up, and the engine applies a batch of changes
  // only once durable; the count checks that nothing is missing. Should
  // "synced" ever come before the last record (a future join path), the
  // time runs on until the count is complete, and the result says so.
  const counted = async () => (await db.query(COLLECTION).select('n').get()).length;
  let count = await counted();
  const late = count < docs;
  for (const until = performance.now() + 600_000; count < docs && performance.now() < until; count = await counted()) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    syncedMs = performance.now() - t0;
  }
  // Left open: the driver reads the worker's memory, then closes the page.
  return { docs, firstMs: first, syncedMs, count, late };
}

async function countPhase() {
  const { open } = await import('/web/dist/index.js');
  const t = performance.now();
  const db = await open({ name: params.get('db') ?? 'joiner' });
  const count = (await db.query(COLLECTION).select('n').get()).length;
  const ms = performance.now() - t;
  await db.close();
  return { count, ms };
}

const phases = { persist: persistPhase, single: singlePhase, read: readPhase, write: writePhase, join: joinPhase, count: countPhase };
try {
  const phase = phases[params.get('phase')];
  if (!phase) throw new Error(`unknown ?phase=${params.get('phase')}; one of ${Object.keys(phases).join(', ')}`);
  window.benchResult = await phase();
} catch (err) {
  window.benchError = `${err?.name ?? 'Error'}: ${err?.message ?? err}`;
}
