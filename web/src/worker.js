// The dedicated Web Worker that runs Hearth's engine off the main thread.
// It answers { id, method, args } requests from WorkerEngine (proxy.js) with
// { id, value } or { id, error: { name, message } }, and forwards each call
// of a subscriber stand-in { $callback: n } as { event: n, value }. Values
// stay the JSON text the engine gives (proxy.js parses them in the page):
// cloning a string is cheaper than cloning the object it describes.
import { loadEngineText, warmStorage } from './engine.js';

self.onmessage = async ({ data: { id, method, args } }) => {
  // open() sends its request right after boot's: the database's IndexedDB
  // files open while the engine still loads.
  const release = method === 'open' ? warmStorage(args[0]) : undefined;
  try {
    const engine = await loadEngineText(method === 'boot' ? args[0] : undefined);
    if (method === 'boot') {
      self.postMessage({ id });
      return;
    }
    const live = args.map((a) => (a?.$callback === undefined ? a : (value) => self.postMessage({ event: a.$callback, value })));
    self.postMessage({ id, value: await engine[method](...live) });
  } catch (err) {
    self.postMessage({ id, error: { name: err?.name ?? 'Error', message: err?.message ?? String(err) } });
  } finally {
    release?.();
  }
};
