// The page side of the peers benchmark (peers.html, bundled by esbuild into
// peers.bundle.js; Hearth itself is imported unbundled from /web/dist).
// One run per page load, chosen by the query string; the result lands on
// window.benchResult (window.benchError on failure) for peers.mjs to read.
//
//   ?phase=percall&system=S&trace=T[&store=1]  one transaction per patch (store=1 keeps the snapshot in IndexedDB)
//        (Hearth: &mode=awaited|unawaited&budget=s&edits=n&db=name)
//   ?phase=batched&system=S&trace=T&batch=1000  `batch` patches per transaction
//   ?phase=concurrent&system=S&trace=T[&actors=reversed]  replay a concurrent trace, one doc per agent, then merge
//   ?phase=reload&system=S[&db=name]            a fresh page's load of what percall&store=1 stored
//   ?phase=seed&system=hearth&trace=T&db=name   a Hearth database holding T's endContent, put at once
//
// S is yjs, loro, automerge or hearth. Times are performance.now() in a
// cross-origin isolated page (5 µs steps).
import { concurrentPlan, loadTrace, utf16Patches } from './peers-trace.js';
import { peers } from './peers-systems.js';
import { hearthBatched, hearthPerCall, hearthReload, hearthSeed } from './peers-hearth.js';

const params = new URLSearchParams(location.search);
const num = (name, dflt) => Number(params.get(name) ?? dflt);
const SNAPSHOTS = 'peers-bench'; // IndexedDB database of the peers' saved snapshots

/** Runs `fn` on the IndexedDB object store of the peers' snapshots; resolves to the request's result. */
function snapshotStore(mode, fn) {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(SNAPSHOTS, 1);
    req.onupgradeneeded = () => req.result.createObjectStore('snapshots');
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const idb = req.result;
      const tx = idb.transaction('snapshots', mode);
      const r = fn(tx.objectStore('snapshots'));
      tx.oncomplete = () => { idb.close(); resolve(r.result); };
      tx.onerror = () => { idb.close(); reject(tx.error); };
    };
  });
}

/** The trace `?trace=`, its UTF-16 patches, start and end text. */
async function trace() {
  const t = await loadTrace(params.get('trace'));
  return { t, patches: utf16Patches(t), start: t.startContent ?? '', end: t.endContent };
}

/** One peer transaction per patch, or `batch` patches per transaction. */
async function peerSequential(sys, batch) {
  const { patches, start, end } = await trace();
  await sys.init();
  const t0 = performance.now();
  const h = sys.create(start);
  for (let i = 0; i < patches.length; i += batch) sys.edit(h, patches, i, Math.min(patches.length, i + batch));
  const ms = performance.now() - t0;
  const textOk = sys.text(h) === end;
  const t1 = performance.now();
  const bytes = sys.save(h);
  const saveMs = performance.now() - t1;
  if (params.get('store') === '1') await snapshotStore('readwrite', (s) => s.put({ bytes, length: end.length }, params.get('system')));
  return { ms, edits: patches.length, total: patches.length, textOk, bytes: bytes.length, saveMs };
}

/** Replays a concurrent trace with one document per agent (peers-trace.js concurrentPlan), then merges them all into the first. */
async function peerConcurrent(sys) {
  const { t } = await trace();
  const plan = concurrentPlan(t); // bookkeeping of the trace, outside the clock
  await sys.init();
  const t0 = performance.now();
  // Agent i's replica id is i + 1, or numAgents - i with &actors=reversed.
  const actor = (i) => (params.get('actors') === 'reversed' ? t.numAgents - i : i + 1);
  const first = sys.create('', true, actor(0));
  const docs = [first, ...Array.from({ length: t.numAgents - 1 }, (_, i) => sys.fork(first, actor(i + 1)))];
  const updates = [];
  for (const [i, step] of plan.entries()) {
    const h = docs[step.agent];
    if (step.merge.length > 0) sys.apply(h, step.merge.map((m) => updates[m]));
    sys.edit(h, step.patches, 0, step.patches.length);
    updates[i] = sys.lastUpdate(h);
  }
  const tMerge = performance.now();
  for (const other of docs.slice(1)) sys.merge(docs[0], other);
  const ms = performance.now() - t0;
  const text = sys.text(docs[0]);
  let firstDiff = 0; // where the text leaves endContent, if it does
  while (firstDiff < text.length && text[firstDiff] === t.endContent[firstDiff]) firstDiff++;
  return {
    ms, mergeMs: ms - (tMerge - t0), txns: plan.length, merges: plan.filter((s) => s.merge.length > 0).length,
    textOk: text === t.endContent, firstDiff, bytes: sys.save(docs[0]).length,
  };
}

/** A fresh page: the library's WebAssembly start, the snapshot read from IndexedDB, loaded, its text read. */
async function peerReload(sys) {
  const t0 = performance.now();
  await sys.init();
  const tInit = performance.now();
  const stored = await snapshotStore('readonly', (s) => s.get(params.get('system')));
  if (!stored) throw new Error('no stored snapshot: run ?phase=percall&store=1 first');
  const tRead = performance.now();
  const text = sys.text(sys.load(stored.bytes));
  const t1 = performance.now();
  return { ms: t1 - t0, initMs: tInit - t0, readMs: tRead - tInit, loadMs: t1 - tRead, textLength: text.length, textOk: text.length === stored.length };
}

/** Hearth's runs, with the knobs the driver passes. */
async function hearth(phase) {
  const name = params.get('db') ?? `peers-${params.get('trace')}-${phase}`;
  if (phase === 'reload') return hearthReload({ name });
  const { patches, start, end } = await trace();
  if (phase === 'seed') return hearthSeed({ name, text: end });
  const opts = { name, patches, start, endContent: end, budgetS: num('budget', 0), maxEdits: num('edits', 0) };
  if (phase === 'percall') return hearthPerCall({ ...opts, awaited: params.get('mode') !== 'unawaited' });
  if (phase === 'batched') return hearthBatched({ ...opts, batch: num('batch', 1000) });
  throw new Error(`Hearth has no ?phase=${phase} (the concurrent replay needs a relay)`);
}

async function main() {
  const phase = params.get('phase');
  const system = params.get('system');
  if (system === 'hearth') return hearth(phase);
  const sys = peers[system];
  if (!sys) throw new Error(`unknown ?system=${system}`);
  if (phase === 'percall') return peerSequential(sys, 1);
  if (phase === 'batched') return peerSequential(sys, num('batch', 1000));
  if (phase === 'concurrent') return peerConcurrent(sys);
  if (phase === 'reload') return peerReload(sys);
  throw new Error(`unknown ?phase=${phase}`);
}

try {
  window.benchResult = { ...(await main()), isolated: self.crossOriginIsolated === true };
} catch (err) {
  window.benchError = `${err?.name ?? 'Error'}: ${err?.message ?? err}\n${err?.stack ?? ''}`;
}
