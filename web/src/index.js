// hearthdb: a local-first database for the web. This module starts Hearth's
// Go/WebAssembly engine (in a Web Worker by default) and wraps its low-level
// handle API in small classes.
import { WorkerEngine } from './proxy.js';

let workerEngine;

/** The engine in this page's shared Web Worker, started on first use. */
async function loadWorkerEngine(wasmURL) {
  if (!workerEngine) {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'hearthdb' });
    const engine = new WorkerEngine(worker);
    // A relative wasmURL is relative to the page, not to the worker script.
    workerEngine = engine.boot(wasmURL && new URL(wasmURL, location.href).href).then(() => engine);
    workerEngine.catch(() => { workerEngine = undefined; worker.terminate(); });
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
  const engine = inWorker
    ? await loadWorkerEngine(options.wasmURL)
    : await import('./engine.js').then((m) => m.loadEngine(options.wasmURL));
  const handle = await engine.open(options.name);
  return new Database(engine, handle, options.name);
}

/** An open Hearth database. */
export class Database {
  #engine;
  #handle;

  /** @internal */
  constructor(engine, handle, name) {
    this.#engine = engine;
    this.#handle = handle;
    /** The database's name. */
    this.name = name;
    /** Whether the engine runs in a Web Worker (true) or on this thread. */
    this.inWorker = engine instanceof WorkerEngine;
  }

  /** Returns the collection `name`. Collections need no creation. */
  collection(name) {
    return new Collection(this.#engine, this.#handle, name);
  }

  /** Closes the database; later calls on it reject with ClosedError. */
  close() {
    return this.#engine.close(this.#handle);
  }
}

/** A named set of documents, each a plain object with a string `id`. */
export class Collection {
  #engine;
  #handle;

  /** @internal */
  constructor(engine, handle, name) {
    this.#engine = engine;
    this.#handle = handle;
    /** The collection's name. */
    this.name = name;
  }

  /** Stores `doc`, replacing any document with the same id. */
  put(doc) {
    return this.#engine.put(this.#handle, this.name, doc);
  }

  /** Resolves to the document `id`, or undefined if there is none. */
  get(id) {
    return this.#engine.get(this.#handle, this.name, id);
  }

  /** Deletes the document `id`; deleting a missing document is not an error. */
  delete(id) {
    return this.#engine.delete(this.#handle, this.name, id);
  }

  /** Resolves to every document of the collection, ordered by id. */
  all() {
    return this.#engine.all(this.#handle, this.name);
  }
}
