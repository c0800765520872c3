// hearthdb/vue: Vue composables over live.js. Each returns a shallow ref
// that follows the source and stops following it when the calling effect
// scope (component setup, effectScope) is disposed. Vue is an optional peer
// dependency; the main entry never imports this.
import { getCurrentScope, onScopeDispose, shallowReadonly, shallowRef, unref, watch } from 'vue';
import { live, sourceKey } from './live.js';

/**
 * A ref to the value of `source`: a Query, a DocRef or db.sync, or a ref or
 * getter of one (null/undefined for none yet). It subscribes again when
 * what the source follows changes (see sourceKey).
 */
export function useLive(source) {
  const current = () => read(source);
  const value = shallowRef();
  let stop;
  const follow = () => {
    stop?.();
    stop = undefined;
    const s = current();
    if (!s) { value.value = undefined; return; }
    const store = live(s);
    stop = store.subscribe(() => { value.value = store.getSnapshot(); });
    value.value = store.getSnapshot();
  };
  watch(() => sourceKey(current()), follow, { immediate: true });
  if (getCurrentScope()) onScopeDispose(() => stop?.());
  return shallowReadonly(value);
}

/** A ref to the documents `query` matches: undefined until the first result. */
export function useQuery(query) {
  return useLive(query);
}

/**
 * A ref to the document `ref` (a DocRef, a ref or a getter of one), or
 * useDoc(db, collection, id): undefined while loading and when there is none.
 */
export function useDoc(ref, collection, id) {
  return useLive(collection === undefined ? ref : () => read(ref)?.doc(read(collection), read(id)));
}

/** A ref to db.sync.status (db may be a ref or getter). */
export function useSyncStatus(db) {
  return useLive(() => read(db)?.sync);
}

/** The value of a plain value, a ref or a getter (Vue 3.3's toValue). */
function read(v) {
  return typeof v === 'function' ? v() : unref(v);
}
