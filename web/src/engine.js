// Loads and starts Hearth's Go/WebAssembly engine once per realm (page or
// worker) and resolves to its low-level API object. Every value crosses the
// Go boundary as JSON text, one string instead of one syscall/js call per
// key and value: this module writes the operations of a commit (encodeOps)
// and, in loadEngine's API, parses results and callback values. The worker
// uses loadEngineText's API and forwards the text, which the page parses
// (proxy.js), so each value is parsed once and structured-cloned as a string.
import './wasm_exec.js';
import { subscriptionReader } from './rows.js';

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
// operations go in as JSON text.
function textAPI(raw) {
  const api = {};
  for (const name of Object.keys(raw)) {
    api[name] = (...args) => new Promise((resolve, reject) => { raw[name](resolve, reject, ...args); });
  }
  const commit = api.commit;
  api.commit = (handle, ops) => {
    let text;
    try {
      text = encodeOps(ops);
    } catch (err) {
      return Promise.reject(err);
    }
    return commit(handle, text);
  };
  return api;
}

/** Parses a result or callback value that crossed as JSON text. */
export const decode = (v) => (v === undefined ? undefined : JSON.parse(v));

function subscriber(fn) {
  const read = subscriptionReader();
  return (v) => fn(read(v));
}

// parsedAPI wraps textAPI's so that results and callback arguments arrive parsed.
function parsedAPI(text) {
  const api = {};
  for (const name of Object.keys(text)) {
    api[name] = (...args) => text[name](...args.map((a) => (typeof a === 'function' ? subscriber(a) : a))).then(decode);
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

// Operations cross to Go as one JSON text (jsbridge/jsonin.go decodes it)
// instead of one syscall/js call per key and value. encodeOps checks every
// value as jsbridge's converter did, with the same paths and messages, and
// writes numbers as String() does, the shortest text that Go parses back to
// the same float64. NaN and Infinity cross as bare tokens, for the engine to
// refuse as before; -0 is written 0, as syscall/js also turned it into 0.
const MAX_DEPTH = 64; // jsbridge's maxDepth
const JSON_LIKE = 'only JSON-like values (objects, arrays, strings, numbers, booleans, null) can be stored';

/** The operations `ops` as JSON text; throws an InvalidArgumentError naming the path of a bad value. */
export function encodeOps(ops) {
  if (!Array.isArray(ops)) throw invalid(`operations must be an array, got ${typeof ops}`);
  let out = '[';
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    if (op === null || typeof op !== 'object') throw invalid(`an operation must be an object, got ${op === null ? 'null' : typeof op}`);
    let fields = '';
    for (const key of Object.keys(op)) {
      // Each field is checked on its own, so paths start inside it.
      fields += `${fields ? ',' : ''}${JSON.stringify(key)}:${encodeValue(op[key], [], [])}`;
    }
    out += `${i ? ',' : ''}{${fields}}`;
  }
  return `${out}]`;
}

// path holds the keys and indexes from the field's root to v; ancestors the
// objects on that path, for cycle detection.
function encodeValue(v, path, ancestors) {
  switch (typeof v) {
    case 'string': return JSON.stringify(v);
    case 'number': return String(v);
    case 'boolean': return v ? 'true' : 'false';
    case 'undefined': return 'null';
    case 'bigint': throw invalid(`value at ${where(path)}: unsupported JavaScript type (a BigInt?)`);
    case 'object': return v === null ? 'null' : encodeObject(v, path, ancestors);
    default: throw invalid(`value at ${where(path)} is a ${typeof v}; ${JSON_LIKE}`);
  }
}

function encodeObject(v, path, ancestors) {
  if (ancestors.includes(v)) throw invalid(`value at ${where(path)} refers back to an enclosing object (a cycle); documents must be trees`);
  if (ancestors.length >= MAX_DEPTH) throw invalid(`value at ${where(path)} is nested deeper than ${MAX_DEPTH} levels`);
  const isArray = Array.isArray(v);
  if (!isArray) {
    const proto = Object.getPrototypeOf(v);
    if (proto !== null && proto !== Object.prototype) throw invalid(`value at ${where(path)} is a ${constructorName(v)}; only plain objects and arrays can be stored`);
  }
  ancestors.push(v);
  let out = '';
  if (isArray) {
    for (let i = 0; i < v.length; i++) {
      path.push(i);
      out += `${i ? ',' : ''}${encodeValue(v[i], path, ancestors)}`;
      path.pop();
    }
    out = `[${out}]`;
  } else {
    for (const key of Object.keys(v)) {
      const e = v[key];
      if (e === undefined) continue; // as JSON.stringify does: an undefined field is absent
      path.push(key);
      out += `${out ? ',' : ''}${JSON.stringify(key)}:${encodeValue(e, path, ancestors)}`;
      path.pop();
    }
    out = `{${out}}`;
  }
  ancestors.pop();
  return out;
}

function constructorName(v) {
  try {
    const name = v.constructor.name;
    if (typeof name === 'string' && name !== '') return name;
  } catch {
    // a throwing getter: fall through
  }
  return 'non-plain object';
}

function invalid(message) {
  const err = new Error(`${message}: invalid argument`);
  err.name = 'InvalidArgumentError';
  return err;
}

// where names a path as jsbridge did: Go's %q of "a.b[0].c".
function where(path) {
  if (path.length === 0) return 'the top level';
  let s = '';
  for (const k of path) s += typeof k === 'number' ? `[${k}]` : s ? `.${k}` : k;
  return goQuote(s);
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const ESCAPES = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };
const hex = (c, n) => c.toString(16).padStart(n, '0');

// goQuote is Go's strconv.Quote of s as Go received it (a lone surrogate
// became U+FFFD on the way).
function goQuote(s) {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0);
    if (c >= 0xd800 && c <= 0xdfff) out += '\ufffd';
    else if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (PRINTABLE.test(ch)) out += ch;
    else if (ESCAPES[ch]) out += ESCAPES[ch];
    else if (c < 0x20 || c === 0x7f) out += `\\x${hex(c, 2)}`;
    else out += c < 0x10000 ? `\\u${hex(c, 4)}` : `\\U${hex(c, 8)}`;
  }
  return `${out}"`;
}
