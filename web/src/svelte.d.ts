import type { Database, Doc, DocRef, Query, SyncStatus, Unsubscribe } from './index.js';
import type { Source, ValueOf } from './live.js';

/** A Svelte readable store: subscribe(run) calls run at once with the current value. */
export interface Readable<V> {
  subscribe(run: (value: V) => void): Unsubscribe;
}

/** A store of the value of `source` (a Query, a DocRef or db.sync). */
export function liveStore<S extends Source<any>>(source: S): Readable<ValueOf<S> | undefined>;
/** A store of the documents `query` matches: undefined until the first result. */
export function queryStore<T extends Doc>(query: Query<T>): Readable<T[] | undefined>;
/** A store of the document: undefined while loading and when there is none. */
export function docStore<T extends Doc>(ref: DocRef<T>): Readable<T | undefined>;
/** A store of db.sync.status, current at once. */
export function syncStore(db: Database): Readable<SyncStatus>;
