// The one way a listener is attached to an engine subscription, shared by
// queries and documents.

/** Starts an engine subscription; returns its synchronous stop function. */
export function subscribe(db, method, args, listener, onError = reportError) {
  if (typeof listener !== 'function') throw new TypeError('hearthdb: subscribe() takes a function');
  let stopped = false;
  const id = db._call(method, ...args, (value) => { if (!stopped) listener(value); });
  id.catch((err) => { if (!stopped) onError(err); });
  return () => {
    if (stopped) return;
    stopped = true;
    id.then((sub) => db._call('unsubscribe', sub)).catch(() => {});
  };
}

function reportError(err) {
  console.error('hearthdb: subscription failed:', err);
}

