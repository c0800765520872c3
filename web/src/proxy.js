// The page side of the engine when it runs in a Web Worker: the same methods
// as the engine's API object, each a message to the worker and a Promise of
// its answer.

/** An engine API living in a dedicated Web Worker. */
export class WorkerEngine {
  #worker;
  #next = 0;
  #pending = new Map();

  constructor(worker) {
    this.#worker = worker;
    worker.onmessage = ({ data }) => this.#settle(data);
    worker.onerror = (event) => this.#failAll(new Error(`hearthdb: the engine worker failed: ${event.message ?? 'unknown error'}`));
    for (const method of ['open', 'put', 'get', 'delete', 'all', 'close']) {
      this[method] = (...args) => this.#call(method, args);
    }
  }

  /** Starts the WebAssembly engine inside the worker. */
  boot(wasmURL) {
    return this.#call('boot', [wasmURL === undefined ? undefined : String(wasmURL)]);
  }

  #call(method, args) {
    return new Promise((resolve, reject) => {
      const id = ++this.#next;
      this.#pending.set(id, { resolve, reject });
      try {
        this.#worker.postMessage({ id, method, args });
      } catch (err) {
        this.#pending.delete(id);
        reject(cloneError(err, args));
      }
    });
  }

  #settle({ id, value, error }) {
    const p = this.#pending.get(id);
    if (!p) return;
    this.#pending.delete(id);
    if (error) {
      const err = new Error(error.message);
      err.name = error.name;
      p.reject(err);
    } else {
      p.resolve(value);
    }
  }

  #failAll(err) {
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }
}

// A value the structured clone algorithm refuses (a function, a symbol)
// cannot reach the engine to be rejected there, so name it here, in the
// engine's words.
function cloneError(err, args) {
  if (err?.name !== 'DataCloneError') return err;
  const found = findUncloneable(args.at(-1), '');
  const out = new Error(found
    ? `value at ${found.path ? JSON.stringify(found.path) : 'the top level'} is a ${found.type}; only JSON-like values (objects, arrays, strings, numbers, booleans, null) can be stored`
    : `value cannot be stored: ${err.message}`);
  out.name = 'InvalidArgumentError';
  return out;
}

function findUncloneable(value, path, seen = new Set()) {
  if (typeof value === 'function' || typeof value === 'symbol') return { path, type: typeof value };
  if (value === null || typeof value !== 'object' || seen.has(value)) return undefined;
  seen.add(value);
  for (const [key, v] of Object.entries(value)) {
    const sub = Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
    const found = findUncloneable(v, sub, seen);
    if (found) return found;
  }
  return undefined;
}
