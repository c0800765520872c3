import type { Database, Doc, DocRef, Query, SyncStatus } from './index.js';
import type { Source, ValueOf } from './live.js';

/** The value of `source` (a Query, a DocRef or db.sync); undefined for none or until the first value. */
export function useLive<S extends Source<any>>(source: S | null | undefined): ValueOf<S> | undefined;
/** The documents `query` matches: undefined until the first result (or while `query` is null). */
export function useQuery<T extends Doc>(query: Query<T> | null | undefined): T[] | undefined;
/** The document: undefined while loading and when there is none. */
export function useDoc<T extends Doc>(ref: DocRef<T> | null | undefined): T | undefined;
export function useDoc<T extends Doc = Doc>(db: Database | null | undefined, collection: string, id: string): T | undefined;
/** db.sync.status, current at once (undefined while `db` is null). */
export function useSyncStatus(db: Database): SyncStatus;
export function useSyncStatus(db: Database | null | undefined): SyncStatus | undefined;
