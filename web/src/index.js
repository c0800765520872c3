// hearthdb: a local-first database for the web. This module loads Hearth's
// Go/WebAssembly engine once per page (or worker) and wraps its low-level
// handle API in small classes.
import './wasm_exec.js';

let enginePromise;

/** Loads and starts the WebAssembly engine once; later calls share it. */
function loadEngine(wasmURL) {
  if (!enginePromise) {
    enginePromise = startEngine(wasmURL ?? new URL('./hearth.wasm', import.meta.url));
    enginePromise.catch(() => { enginePromise = undefined; });
  }
  return enginePromise;
}

async function startEngine(wasmURL) {
  const go = new globalThis.Go();
  const booted = new Promise((resolve) => { globalThis.__hearthBoot = resolve; });
  const instance = await instantiate(wasmURL, go.importObject);
  const exited = go.run(instance).then(() => {
    throw new Error('hearthdb: the WebAssembly engine exited (see the console for its last words)');
  });
  try {
    return await Promise.race([booted, exited]);
  } finally {
    delete globalThis.__hearthBoot;
  }
}

async function instantiate(url, imports) {
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(`hearthdb: cannot load ${url}: HTTP ${response.status}`);
  }
  // Streaming needs the application/wasm content type; some static servers
  // send another, so fall back to compiling from bytes.
  if (WebAssembly.instantiateStreaming && response.headers.get('content-type') === 'application/wasm') {
    return (await WebAssembly.instantiateStreaming(response, imports)).instance;
  }
  return (await WebAssembly.instantiate(await response.arrayBuffer(), imports)).instance;
}

/**
 * Opens (creating if needed) the database `name`, stored in IndexedDB.
 * @param {{name: string, wasmURL?: string | URL}} options
 * @returns {Promise<Database>}
 */
export async function open(options) {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('hearthdb: open() takes an options object such as { name: "app" }');
  }
  const engine = await loadEngine(options.wasmURL);
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
