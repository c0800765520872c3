import type { Ref } from 'vue';
import type { Database, Doc, DocRef, Query, SyncStatus } from './index.js';
import type { Source, ValueOf } from './live.js';

/** A value, a ref of it, or a getter of it. */
export type MaybeRefOrGetter<T> = T | Ref<T> | (() => T);

/** A read-only ref to the value of `source` (or a ref/getter of one); undefined for none or until the first value. */
export function useLive<S extends Source<any>>(source: MaybeRefOrGetter<S | null | undefined>): Readonly<Ref<ValueOf<S> | undefined>>;
/** A ref to the documents `query` matches: undefined until the first result. */
export function useQuery<T extends Doc>(query: MaybeRefOrGetter<Query<T> | null | undefined>): Readonly<Ref<T[] | undefined>>;
/** A ref to the document: undefined while loading and when there is none. */
export function useDoc<T extends Doc>(ref: MaybeRefOrGetter<DocRef<T> | null | undefined>): Readonly<Ref<T | undefined>>;
export function useDoc<T extends Doc = Doc>(db: MaybeRefOrGetter<Database | null | undefined>, collection: MaybeRefOrGetter<string>, id: MaybeRefOrGetter<string>): Readonly<Ref<T | undefined>>;
/** A ref to db.sync.status (undefined while `db` is null). */
export function useSyncStatus(db: MaybeRefOrGetter<Database | null | undefined>): Readonly<Ref<SyncStatus | undefined>>;
