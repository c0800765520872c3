// The page side of the engine when it runs in a Web Worker: the same methods
// as the engine's API object, each a message to the worker and a Promise of
// its answer. A function argument (a subscriber) stays in the page; the
// worker gets a {$callback: n} stand-in and posts {event: n, value} back.
// Values arrive as the engine's JSON text and are parsed here, once.
// syncConnect's function (the token provider) is one the engine awaits:
// its stand-in is {$callback: n, $answers: true}, the worker asks with
// {event: n, ask: k}, and the page answers {answer: k, value} or
// {answer: k, error: {name, message}}.
import { CommitBatcher } from './batch.js';
import { decode, readingText } from './rows.js';

const methods = ['open', 'get', 'query', 'subscribe', 'subscribeDoc', 'unsubscribe', 'createIndex', 'storageStats', 'close', 'syncConnect', 'syncDisconnect', 'syncSubscribe'];

/** An engine API living in a dedicated Web Worker. */
export class WorkerEngine {
  #worker;
  #next = 0;
  #pending = new Map();
  #callbacks = new Map(); // callback id -> subscriber (reading its values)
  #subscriptions = new Map(); // engine subscription id -> callback id
  #providers = new Map(); // database handle -> callback id of its token provider
  #commits = new CommitBatcher((handle, texts) => this.#call('commitBatch', [handle, texts.join('\n')]));

  constructor(worker) {
    this.#worker = worker;
    worker.onmessage = ({ data }) => this.#receive(data);
    worker.onerror = (event) => this.#failAll(new Error(`hearthdb: the engine worker failed: ${event.message ?? 'unknown error'}`));
    for (const method of methods) {
      this[method] = (...args) => this.#call(method, args);
    }
  }

  /**
   * Commits `ops`, written as JSON text here (the worker hands it to Go as
   * it is), together with the other commits of this task (batch.js).
   */
  commit(handle, ops) {
    return this.#commits.add(handle, ops);
  }

  /** Starts the WebAssembly engine inside the worker. */
  boot(wasmURL) {
    return this.#call('boot', [wasmURL === undefined ? undefined : String(wasmURL)]);
  }

  #call(method, args) {
    if (method !== 'commitBatch') this.#commits.flush(); // calls keep their order
    const id = ++this.#next;
    if (method === 'syncConnect' || method === 'syncDisconnect' || method === 'close') {
      this.#callbacks.delete(this.#providers.get(args[0])); // a new session asks the new provider only
      this.#providers.delete(args[0]);
    }
    const wire = args.map((a) => {
      if (typeof a !== 'function') return a;
      if (method === 'syncConnect') {
        this.#callbacks.set(id, a);
        this.#providers.set(args[0], id);
        return { $callback: id, $answers: true };
      }
      this.#callbacks.set(id, readingText(a));
      return { $callback: id };
    });
    const answer = new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      try {
        this.#worker.postMessage({ id, method, args: wire });
      } catch (err) {
        this.#pending.delete(id);
        this.#callbacks.delete(id);
        reject(cloneError(err, method, args));
      }
    });
    if (method === 'subscribe' || method === 'subscribeDoc' || method === 'syncSubscribe') {
      answer.then((sub) => this.#subscriptions.set(sub, id), () => {});
    }
    if (method === 'unsubscribe') {
      const callback = this.#subscriptions.get(args[1]);
      this.#subscriptions.delete(args[1]);
      this.#callbacks.delete(callback);
    }
    return answer;
  }

  #receive({ id, value, error, event, ask }) {
    if (ask !== undefined) {
      this.#answer(event, ask);
      return;
    }
    if (event !== undefined) {
      this.#callbacks.get(event)?.(value);
      return;
    }
    const p = this.#pending.get(id);
    if (!p) return;
    this.#pending.delete(id);
    if (error) {
      this.#callbacks.delete(id);
      const err = new Error(error.message);
      err.name = error.name;
      p.reject(err);
    } else {
      p.resolve(decode(value));
    }
  }

  // Calls the awaited page-side function `callback` (a token provider) for
  // the worker's question `ask` and posts its answer back.
  #answer(callback, ask) {
    const fn = this.#callbacks.get(callback);
    new Promise((resolve) => {
      if (!fn) throw new Error('the token provider was replaced or sync was disconnected');
      resolve(fn());
    }).then((value) => {
      if (typeof value !== 'string') throw new TypeError(`the token provider must return a string, got ${value === null ? 'null' : typeof value}`);
      this.#worker.postMessage({ answer: ask, value });
    }).catch((err) => {
      this.#worker.postMessage({ answer: ask, error: { name: err?.name ?? 'Error', message: err?.message ?? String(err) } });
    });
  }

  #failAll(err) {
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }
}

// A value the structured clone algorithm refuses (a function, a symbol)
// cannot reach the engine to be rejected there, so name it here, in the
// engine's words.
function cloneError(err, method, args) {
  if (err?.name !== 'DataCloneError') return err;
  const found = args.slice(1).map((v) => findUncloneable(v, '')).find(Boolean);
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
