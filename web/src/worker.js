// The dedicated Web Worker that runs Hearth's engine off the main thread.
// It answers { id, method, args } requests from WorkerEngine (proxy.js) with
// { id, value } or { id, error: { name, message } }, and forwards each call
// of a subscriber stand-in { $callback: n } as { event: n, value }. A
// stand-in { $callback: n, $answers: true } (the token provider) is a
// function the engine awaits: each call posts { event: n, ask: k } and
// returns a Promise that the page's { answer: k, value | error } settles. Values
// stay the JSON text the engine gives (proxy.js parses them in the page):
// cloning a string is cheaper than cloning the object it describes.
import { loadEngineText, warmStorage } from './engine.js';

const asks = new Map(); // ask -> { resolve, reject } of a page-side call
let nextAsk = 0;

function asking(callback) {
  return () => new Promise((resolve, reject) => {
    const ask = ++nextAsk;
    asks.set(ask, { resolve, reject });
    self.postMessage({ event: callback, ask });
  });
}

function answered({ answer, value, error }) {
  const a = asks.get(answer);
  asks.delete(answer);
  if (!a) return;
  if (error) a.reject(Object.assign(new Error(error.message), { name: error.name }));
  else a.resolve(value);
}

self.onmessage = async ({ data }) => {
  if (data.answer !== undefined) {
    answered(data);
    return;
  }
  const { id, method, args } = data;
  // open() sends its request right after boot's: the database's IndexedDB
  // files open while the engine still loads.
  const release = method === 'open' ? warmStorage(args[0]) : undefined;
  try {
    const engine = await loadEngineText(method === 'boot' ? args[0] : undefined);
    if (method === 'boot') {
      self.postMessage({ id });
      return;
    }
    const live = args.map((a) => {
      if (a?.$callback === undefined) return a;
      return a.$answers ? asking(a.$callback) : (value) => self.postMessage({ event: a.$callback, value });
    });
    self.postMessage({ id, value: await engine[method](...live) });
  } catch (err) {
    self.postMessage({ id, error: { name: err?.name ?? 'Error', message: err?.message ?? String(err) } });
  } finally {
    release?.();
  }
};
