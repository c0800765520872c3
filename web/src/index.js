// hearthdb: a local-first database for the web. This module starts Hearth's
// Go/WebAssembly engine (in a Web Worker by default) and wraps its low-level
// handle API in small classes.
import { WorkerEngine } from './proxy.js';
import { Query } from './query.js';
import { subscribe } from './subscribe.js';

export { Query } from './query.js';

let workerEngine;

/** The engine in this page's shared Web Worker, started on first use: { engine, booted }. */
function startWorkerEngine(wasmURL) {
  if (!workerEngine) {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'hearthdb' });
    const engine = new WorkerEngine(worker);
    // A relative wasmURL is relative to the page, not to the worker script.
    const booted = engine.boot(wasmURL && new URL(wasmURL, location.href).href);
    workerEngine = { engine, booted };
    booted.catch(() => { workerEngine = undefined; worker.terminate(); });
  }
  return workerEngine;
}

/**
 * Opens (creating if needed) the database `name`, stored in IndexedDB. The
 * engine runs in a dedicated Web Worker unless `worker: false` (or the
 * environment has no Worker), so the page's main thread never runs Go.
 * @param {{name: string, worker?: boolean, wasmURL?: string | URL}} options
 * @returns {Promise<Database>}
 */
export async function open(options) {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('hearthdb: open() takes an options object such as { name: "app" }');
  }
  const inWorker = (options.worker ?? true) && typeof Worker === 'function';
  if (inWorker) {
    // The open request follows the boot request at once, so the worker
    // starts opening IndexedDB while the engine downloads and compiles.
    const { engine, booted } = startWorkerEngine(options.wasmURL);
    const [, handle] = await Promise.all([booted, engine.open(options.name)]);
    return following(new Database(engine, handle, options.name, inWorker));
  }
  const { loadEngine, warmStorage } = await import('./engine.js');
  const release = warmStorage(options.name);
  try {
    const engine = await loadEngine(options.wasmURL);
    return await following(new Database(engine, await engine.open(options.name), options.name, inWorker));
  } finally {
    release();
  }
}

// following resolves to db once db.sync.status is the engine's (its
// pending count of unsent changes included), before any connect().
async function following(db) {
  await db.sync._follow();
  return db;
}

/** Marks a string to be stored as collaborative text (see insertText). */
export function text(value = '') {
  return { $hearth: 'text', value: String(value) };
}

/** Marks an integer to be stored as a counter: concurrent increments add up. */
export function counter(value = 0) {
  return { $hearth: 'counter', value };
}

/** In update(), removes the field. */
export function deleteField() {
  return { $hearth: 'delete' };
}

/** An open Hearth database. */
export class Database {
  #engine;
  #handle;

  /** @internal */
  constructor(engine, handle, name, inWorker) {
    this.#engine = engine;
    this.#handle = handle;
    /** The database's name. */
    this.name = name;
    /** Whether the engine runs in a Web Worker (true) or on this thread. */
    this.inWorker = inWorker;
    /** Sync with a relay: connect(), disconnect(), status, subscribe(). */
    this.sync = new Sync(this);
  }

  /** Returns the collection `name`. Collections need no creation. */
  collection(name) {
    return new Collection(this, name, (ops) => this.#call('commit', ops));
  }

  /** Starts a query over `collection`; see Query. */
  query(collection) {
    return new Query(this, { collection });
  }

  /** A single document, to read or subscribe to. */
  doc(collection, id) {
    return new DocRef(this, collection, id);
  }

  /**
   * Runs `fn(tx)` and commits every write it made through `tx` as one
   * transaction: all of them or, if `fn` throws or rejects, none.
   */
  async transact(fn) {
    const ops = [];
    const tx = { collection: (name) => new Collection(this, name, (more) => { ops.push(...more); }) };
    const result = await fn(tx);
    if (ops.length > 0) await this.#call('commit', ops);
    return result;
  }

  /**
   * Resolves to what this database has written to IndexedDB since it was
   * opened in this tab: `{ commits, writes, bytes }` (IndexedDB transactions,
   * records put or deleted, and their bytes of keys and values).
   */
  storageStats() {
    return this.#call('storageStats');
  }

  /** Closes the database; later calls on it reject with a ClosedError. */
  close() {
    return this.#engine.close(this.#handle);
  }

  /** @internal Calls the engine's `method` on this database. */
  _call(method, ...args) {
    return this.#call(method, ...args);
  }

  #call(method, ...args) {
    return this.#engine[method](this.#handle, ...args);
  }
}

/**
 * The database's sync with a relay. `status` is always current; subscribe()
 * calls a listener with it at once (so it works as a Svelte store) and after
 * every change.
 */
export class Sync {
  #db;
  #listeners = new Set();
  #following;

  /** @internal */
  constructor(db) {
    this.#db = db;
    /** { state: 'offline'|'connecting'|'syncing'|'synced', pending, lastError: null | {code, message} } */
    this.status = { state: 'offline', pending: 0, lastError: null };
  }

  /**
   * Starts syncing through the relay at `url` (http:// or https://) for
   * `space`, over 'websocket' (default) or 'fetch'. Reconnects with backoff
   * until disconnect(); offline changes are kept and sent when it can.
   * `token` is a string, or a function returning one or a Promise of one:
   * it is called before the first connection and again whenever the
   * relay refuses the token (unauthorized, token_expired).
   */
  connect({ url, space, token, transport } = {}) {
    this._follow();
    if (typeof token === 'function') return this.#db._call('syncConnect', { url, space, transport }, token);
    return this.#db._call('syncConnect', { url, space, token, transport });
  }

  /** Stops syncing; the status goes offline. */
  disconnect() {
    return this.#db._call('syncDisconnect');
  }

  /** Calls `listener` with the status now and after every change. */
  subscribe(listener) {
    this._follow();
    this.#listeners.add(listener);
    listener(this.status);
    return () => { this.#listeners.delete(listener); };
  }

  /** @internal Follows the engine's status; resolves once `status` is the engine's. */
  _follow() {
    this.#following ??= this.#db._call('syncSubscribe', (status) => {
      this.status = status;
      for (const l of this.#listeners) l(status);
    }).then(() => {}, (err) => { console.error('hearthdb: sync status unavailable:', err); });
    return this.#following;
  }
}

/**
 * A named set of documents, each a plain object with a string `id`. Writes
 * commit at once, or, inside db.transact(), with the transaction.
 */
export class Collection {
  #db;
  #write;

  /** @internal */
  constructor(db, name, write) {
    this.#db = db;
    this.#write = write;
    /** The collection's name. */
    this.name = name;
  }

  /** Stores `doc`, replacing any document with the same id. */
  put(doc) {
    return this.#write([{ kind: 'put', collection: this.name, value: doc }]);
  }

  /** Deep-merges `patch` into the existing document `id` (NotFoundError if none). */
  update(id, patch) {
    return this.#write([{ kind: 'update', collection: this.name, id, value: patch }]);
  }

  /** Deletes the document `id`; deleting a missing document is not an error. */
  delete(id) {
    return this.#write([{ kind: 'delete', collection: this.name, id }]);
  }

  /** Adds `delta` to the counter at `path` (a dot path or an array). */
  increment(id, path, delta = 1) {
    return this.#write([{ kind: 'increment', collection: this.name, id, path: toPath(path), delta }]);
  }

  /**
   * Inserts `text` at `index` (UTF-16 code units, as JS strings count) of the
   * text at `path`. With `{ base }`, the text `index` refers to (what the
   * caller saw), edits that reached the engine first shift it.
   */
  insertText(id, path, index, text, { base } = {}) {
    return this.#write([{ kind: 'insertText', collection: this.name, id, path: toPath(path), index, text, base }]);
  }

  /** Deletes `count` UTF-16 code units at `index` of the text at `path`; `{ base }` as in insertText. */
  deleteText(id, path, index, count, { base } = {}) {
    return this.#write([{ kind: 'deleteText', collection: this.name, id, path: toPath(path), index, count, base }]);
  }

  /** Resolves to the document `id`, or undefined if there is none. */
  get(id) {
    return this.#db._call('get', this.name, id);
  }

  /** Resolves to every document of the collection, ordered by id. */
  all() {
    return this.query().get();
  }

  /** A query over this collection. */
  query() {
    return this.#db.query(this.name);
  }

  /** Declares a stored index on a field path so selective and ordered queries skip the scan (docs/API.md). */
  createIndex(field) {
    return this.#db._call('createIndex', this.name, field);
  }
}

/** One document, to read or to follow. */
export class DocRef {
  #db;

  /** @internal */
  constructor(db, collection, id) {
    this.#db = db;
    this.collection = collection;
    this.id = id;
  }

  /** Resolves to the document, or undefined if there is none. */
  get() {
    return this.#db._call('get', this.collection, this.id);
  }

  /**
   * Calls `listener` with the document (undefined when absent) now and after
   * every committed change to it; returns a function that stops the calls.
   */
  subscribe(listener, onError) {
    return subscribe(this.#db, 'subscribeDoc', [this.collection, this.id], listener, onError);
  }
}

function toPath(path) {
  return typeof path === 'string' ? path.split('.') : path;
}
