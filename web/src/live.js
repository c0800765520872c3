// The vanilla core of the UI bindings (react.js, vue.js, svelte.js): a live
// value over anything with subscribe(listener) — a Query, a DocRef or
// db.sync — in the shape React's useSyncExternalStore wants. It imports no
// framework.

/**
 * Follows `source` (a Query, a DocRef or db.sync). getSnapshot() is the
 * latest value: `initial` (by default db.sync's current status for db.sync,
 * else undefined) until the first one arrives. Its identity changes only
 * when the data does, and unchanged parts (such as the documents of a list)
 * keep theirs. The source is subscribed while at least one listener is.
 * @param {{subscribe(listener: (value: any) => void, onError?: (err: Error) => void): () => void}} source
 * @param {{initial?: any, onError?: (err: Error) => void}} [options]
 */
export function live(source, { initial = source.status, onError } = {}) {
  const listeners = new Set();
  let snapshot = initial;
  let stop;
  const receive = (value) => {
    const next = share(snapshot, value);
    if (next === snapshot) return;
    snapshot = next;
    for (const l of [...listeners]) l();
  };
  return {
    subscribe(listener) {
      listeners.add(listener);
      stop ??= source.subscribe(receive, onError);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && stop) { stop(); stop = undefined; }
      };
    },
    getSnapshot: () => snapshot,
  };
}

/**
 * What identifies the data `source` follows, for a binding to know when it
 * must subscribe again: the query's plain form, the document's address, or
 * the source itself.
 */
export function sourceKey(source) {
  if (typeof source?.toJSON === 'function') return `query:${JSON.stringify(source.toJSON())}`;
  if (typeof source?.collection === 'string' && 'id' in source) return `doc:${JSON.stringify([source.collection, source.id])}`;
  return source;
}

/**
 * Returns `next`, reusing every part of `prev` that is deep-equal to its
 * counterpart, and `prev` itself when all of it is. Documents in arrays are
 * matched by id, so an insertion does not renew the documents after it.
 */
export function share(prev, next) {
  if (Object.is(prev, next)) return prev;
  if (!isObject(prev) || !isObject(next) || Array.isArray(prev) !== Array.isArray(next)) return next;
  const keys = Object.keys(next);
  const byId = Array.isArray(next) ? new Map(prev.filter((p) => typeof p?.id === 'string').map((p) => [p.id, p])) : null;
  const out = Array.isArray(next) ? new Array(next.length) : {};
  let same = keys.length === Object.keys(prev).length;
  for (const k of keys) {
    const old = byId?.get(next[k]?.id) ?? prev[k];
    out[k] = share(old, next[k]);
    if (out[k] !== prev[k]) same = false;
  }
  return same ? prev : out;
}

function isObject(v) {
  return typeof v === 'object' && v !== null;
}
