import type { Doc, DocRef, Query, Sync, SyncStatus, Unsubscribe } from './index.js';

/** Anything live() can follow: a Query, a DocRef or db.sync. */
export interface Source<V> {
  subscribe(listener: (value: V) => void, onError?: (err: Error) => void): Unsubscribe;
}

/** The value a source delivers. */
export type ValueOf<S> =
  S extends Query<infer T> ? T[] :
  S extends DocRef<infer T> ? T | undefined :
  S extends Sync ? SyncStatus :
  S extends Source<infer V> ? V : never;

/** A live value in the shape React's useSyncExternalStore takes. */
export interface Live<V> {
  /** Calls `listener` (with no argument) after every change of the snapshot. */
  subscribe(listener: () => void): Unsubscribe;
  /** The latest value; its identity changes only when the data does. */
  getSnapshot(): V;
}

/**
 * Follows `source`. The snapshot is `initial` (db.sync.status for db.sync,
 * else undefined) until the first value arrives.
 */
export function live<S extends Source<any>>(
  source: S,
  options?: { initial?: ValueOf<S>; onError?: (err: Error) => void },
): Live<S extends Sync ? SyncStatus : ValueOf<S> | undefined>;

/** What identifies the data `source` follows (a binding re-subscribes when it changes). */
export function sourceKey(source: unknown): unknown;

/** `next`, reusing every deep-equal part of `prev` (and `prev` itself if all is equal). */
export function share<T>(prev: unknown, next: T): T;
