// Fetches and compiles hearth.wasm. The page compiles it while the engine's
// Worker starts, then hands the compiled module over (a WebAssembly.Module
// can be posted to a Worker), so the two overlap instead of queueing.

/** The default location of the engine: hearth.wasm next to this module. */
export const defaultWasmURL = new URL('./hearth.wasm', import.meta.url);

/** Resolves to the compiled WebAssembly.Module at `url`. */
export async function compileEngine(url) {
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(`hearthdb: cannot load ${url}: HTTP ${response.status}`);
  }
  // Streaming needs the application/wasm content type; some static servers
  // send another, so fall back to compiling from bytes.
  if (WebAssembly.compileStreaming && response.headers.get('content-type') === 'application/wasm') {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}
