// The three systems of the records benchmark (records-page.js), behind one
// small shape so every phase runs them alike: raw IndexedDB, Dexie, and
// Hearth (engine in its Web Worker, as open() starts it by default).
//
//   openSystem(system, name) -> its database, created if absent
//   system.putBatch(docs)  resolves once the batch is durable (one transaction)
//   system.putOne(doc)     one awaited durable put
//   system.readAll()  -> every record
//   system.close()
// Each system's data lives in its own IndexedDB database; deleteDatabases
// removes them, so a run starts from nothing.
import Dexie from '/node_modules/dexie/dist/dexie.mjs';

export const COLLECTION = 'records';
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima'];

/** A small seeded PRNG (mulberry32), so every run writes the same data. */
export function rng(seed) {
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

/** Record i: {id, title, done, n, tags}, its values drawn from `r`. */
export function makeRecord(i, r) {
  return {
    id: `r-${String(i).padStart(6, '0')}`,
    title: `${pick(r, WORDS)} ${pick(r, WORDS)} record ${i}`,
    done: r() < 0.3,
    n: Math.floor(r() * 1_000_000),
    tags: [pick(r, WORDS), pick(r, WORDS)].slice(0, 1 + Math.floor(r() * 2)),
  };
}

/** Records from..to-1, their values drawn from `r`. */
export function records(from, to, r) {
  const out = [];
  for (let i = from; i < to; i++) out.push(makeRecord(i, r));
  return out;
}

/** Resolves when `req` succeeds (to its result), rejects with its error. */
function done(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** Resolves once `tx` has committed (its complete event). */
function committed(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
  });
}

/** The IndexedDB database names of `name` in each system. */
export const idbNames = (name) => ({ raw: `raw:${name}`, dexie: `dexie:${name}`, hearth: `hearth:${name}` });

/** Deletes the IndexedDB database of `name` in each of `systems`. */
export async function deleteDatabases(name, systems = ['raw', 'dexie', 'hearth']) {
  for (const s of systems) {
    const n = idbNames(name)[s];
    const req = indexedDB.deleteDatabase(n);
    await new Promise((resolve, reject) => {
      req.onsuccess = resolve;
      req.onerror = () => reject(req.error);
      req.onblocked = () => reject(new Error(`deleting ${n} is blocked by an open connection`));
    });
  }
}

/** Raw IndexedDB: one object store keyed by `id`, one put per record. */
async function openRaw(name) {
  const req = indexedDB.open(idbNames(name).raw, 1);
  req.onupgradeneeded = () => req.result.createObjectStore(COLLECTION, { keyPath: 'id' });
  const db = await done(req);
  const put = (docs) => {
    const tx = db.transaction(COLLECTION, 'readwrite');
    const store = tx.objectStore(COLLECTION);
    for (const d of docs) store.put(d); // every request issued before the first wait
    return committed(tx);
  };
  return {
    putBatch: put,
    putOne: (doc) => put([doc]),
    readAll: () => done(db.transaction(COLLECTION).objectStore(COLLECTION).getAll()),
    close: async () => db.close(),
  };
}

/** Dexie: the same store through its table API (bulkPut, put, toArray). */
async function openDexie(name) {
  const db = new Dexie(idbNames(name).dexie);
  db.version(1).stores({ [COLLECTION]: 'id' });
  await db.open();
  const table = db.table(COLLECTION);
  return {
    putBatch: (docs) => table.bulkPut(docs),
    putOne: (doc) => table.put(doc),
    readAll: () => table.toArray(),
    close: async () => db.close(),
  };
}

/** Hearth through its public API only: db.transact, collection.put, an unindexed query. */
async function openHearth(name) {
  const { open } = await import('/web/dist/index.js');
  const db = await open({ name });
  return {
    db,
    putBatch: (docs) => db.transact((tx) => {
      const c = tx.collection(COLLECTION);
      for (const d of docs) c.put(d);
    }),
    putOne: (doc) => db.collection(COLLECTION).put(doc),
    readAll: () => db.query(COLLECTION).get(),
    close: () => db.close(),
  };
}

/** Opens `system` ('raw', 'dexie' or 'hearth') on database `name`. */
export function openSystem(system, name) {
  const opener = { raw: openRaw, dexie: openDexie, hearth: openHearth }[system];
  if (!opener) throw new Error(`unknown system ${system}; one of raw, dexie, hearth`);
  return opener(name);
}
