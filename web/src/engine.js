// Loads and starts Hearth's Go/WebAssembly engine once per realm (page or
// worker) and resolves to its low-level API object. Every value crosses the
// Go boundary as JSON text, one string instead of one syscall/js call per
// key and value: this module has the operations of a commit written
// (ops.js) and, in loadEngine's API, parses results and callback values. The worker
// uses loadEngineText's API and forwards the text, which the page parses
// (proxy.js), so each value is parsed once and structured-cloned as a string.
import './wasm_exec.js';
import { CommitBatcher } from './batch.js';
import { decode, readingText } from './rows.js';

let enginePromise;

/** Starts the engine once; later calls share it. A failed start may be retried. Results arrive parsed. */
export function loadEngine(wasmURL) {
  return start(wasmURL).then((api) => api.parsed);
}

/** As loadEngine, but results and callback values arrive as JSON text (undefined stays undefined). */
export function loadEngineText(wasmURL) {
  return start(wasmURL).then((api) => api.text);
}

function start(wasmURL) {
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
    const text = textAPI(await Promise.race([booted, exited]));
    return { text, parsed: parsedAPI(text) };
  } finally {
    delete globalThis.__hearthBoot;
  }
}

/**
 * Starts opening the IndexedDB database of Hearth database `name` and
 * returns a function that closes that connection. The engine's open()
 * makes connections of its own; this one, made while the engine still
 * downloads and compiles, has the browser open the database's files
 * meanwhile (up to ~100 ms on the first open after a browser start), so the
 * engine's find them open. A database that does not exist yet is left alone
 * (its creation is aborted): the engine creates it with its schema. The
 * name is idb.DatabaseName's.
 */
export function warmStorage(name) {
  let db;
  let released = false;
  try {
    const req = indexedDB.open(`hearth:${name}`);
    req.onupgradeneeded = () => req.transaction.abort();
    req.onerror = (event) => event.preventDefault(); // that abort
    req.onsuccess = () => {
      db = req.result;
      db.onversionchange = () => db.close(); // the engine's open upgrades it
      if (released) db.close();
    };
  } catch {
    // No IndexedDB here, or a name it refuses: the engine's open says so.
  }
  return () => {
    released = true;
    db?.close();
  };
}

// textAPI wraps the Go API object (jsbridge/api.go): each call makes its
// Promise here and hands Go its resolve and reject first; commit's
// operations go in as JSON text, with the other commits of the same task
// (batch.js); any other call sends those first.
function textAPI(raw) {
  const api = {};
  const commits = new CommitBatcher((handle, texts) => call('commitBatch', handle, texts.join('\n')).then(decode));
  function call(name, ...args) {
    return new Promise((resolve, reject) => { raw[name](resolve, reject, ...args); });
  }
  for (const name of Object.keys(raw)) {
    api[name] = (...args) => {
      commits.flush();
      return call(name, ...args);
    };
  }
  api.commit = (handle, ops) => commits.add(handle, ops);
  return api;
}

// parsedAPI wraps textAPI's so that results and callback arguments arrive
// parsed. syncConnect's function is a token provider the engine calls and
// awaits, not a subscriber: it goes as it is.
function parsedAPI(text) {
  const api = {};
  for (const name of Object.keys(text)) {
    const wrap = (a) => (typeof a === 'function' && name !== 'syncConnect' ? readingText(a) : a);
    api[name] = (...args) => text[name](...args.map(wrap)).then(decode);
  }
  return api;
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
