// Loads and starts Hearth's Go/WebAssembly engine once per realm (page or
// worker) and resolves to its low-level API object.
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
