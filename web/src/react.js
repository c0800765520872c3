// hearthdb/react: React hooks over live.js, each a small
// useSyncExternalStore adapter (so concurrent rendering never tears).
// React is an optional peer dependency; the main entry never imports this.
import { useMemo, useSyncExternalStore } from 'react';
import { live, sourceKey } from './live.js';

const none = { subscribe: () => () => {}, getSnapshot: () => undefined };

/**
 * The value of `source` (a Query, a DocRef or db.sync, or null/undefined
 * for none yet), re-rendering when it changes. It subscribes again only
 * when what the source follows changes (see sourceKey), not on every render.
 */
export function useLive(source) {
  const key = sourceKey(source);
  // eslint-disable-next-line react-hooks/exhaustive-deps -- the key is the identity
  const store = useMemo(() => (source ? live(source) : none), [key]);
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

/** The documents `query` (from db.query(...)) matches: undefined until the first result. */
export function useQuery(query) {
  return useLive(query);
}

/**
 * The document `ref` (from db.doc(collection, id)), or useDoc(db,
 * collection, id): undefined while loading and when there is none.
 */
export function useDoc(ref, collection, id) {
  return useLive(collection === undefined ? ref : ref?.doc(collection, id));
}

/** db.sync.status, current at once and after every change. */
export function useSyncStatus(db) {
  return useLive(db?.sync);
}
