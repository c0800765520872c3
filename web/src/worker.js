// The dedicated Web Worker that runs Hearth's engine off the main thread.
// It answers { id, method, args } requests from WorkerEngine (proxy.js) with
// { id, value } or { id, error: { name, message } }.
import { loadEngine } from './engine.js';

self.onmessage = async ({ data: { id, method, args } }) => {
  try {
    const engine = await loadEngine(method === 'boot' ? args[0] : undefined);
    const value = method === 'boot' ? undefined : await engine[method](...args);
    self.postMessage({ id, value });
  } catch (err) {
    self.postMessage({ id, error: { name: err?.name ?? 'Error', message: err?.message ?? String(err) } });
  }
};
