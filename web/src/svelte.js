// hearthdb/svelte: Svelte readable stores over live.js, so `$todos` works
// in components (Svelte 4 and 5). It needs nothing from Svelte: the store
// contract is subscribe(run) calling run at once with the current value.
import { live } from './live.js';

/** @returns a readable store of `source` (a Query, a DocRef or db.sync). */
export function liveStore(source) {
  const store = live(source);
  return {
    subscribe(run) {
      const stop = store.subscribe(() => run(store.getSnapshot()));
      run(store.getSnapshot());
      return stop;
    },
  };
}

/** A store of the documents `query` matches: undefined until the first result. */
export function queryStore(query) {
  return liveStore(query);
}

/** A store of the document `ref`: undefined while loading and when there is none. */
export function docStore(ref) {
  return liveStore(ref);
}

/** A store of db.sync.status. */
export function syncStore(db) {
  return liveStore(db.sync);
}
