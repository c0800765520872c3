// Loads and starts Hearth's Go/WebAssembly engine once per realm (page or
// worker) and resolves to its low-level API object. The Go side sends every
// result and callback value as JSON text (one string crossing instead of one
// call per value); this module parses it, so callers see plain objects.
import './wasm_exec.js';

let enginePromise;

/** Starts the engine once; later calls share it. A failed start may be retried. */
export function loadEngine(wasmURL) {
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
    return decoded(await Promise.race([booted, exited]));
  } finally {
    delete globalThis.__hearthBoot;
  }
}

const decode = (v) => (v === undefined ? undefined : JSON.parse(v));

// decoded wraps the Go API so that results and callback arguments arrive parsed.
function decoded(raw) {
  const api = {};
  for (const name of Object.keys(raw)) {
    api[name] = (...args) => raw[name](...args.map((a) => (typeof a === 'function' ? (v) => a(decode(v)) : a))).then(decode);
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
