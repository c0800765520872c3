/** A value Hearth can store: JSON-like, without cycles. */
export type Value = null | boolean | number | string | Value[] | { [key: string]: Value };

/** A stored document: a plain object with a non-empty string id. */
export interface Doc {
  id: string;
  [field: string]: Value;
}

/** A field marker: collaborative text, a counter, or (in update) a deletion. */
export type Marker =
  | { $hearth: 'text'; value: string }
  | { $hearth: 'counter'; value: number }
  | { $hearth: 'delete' };

/** What put() and update() accept: values, with markers anywhere but inside arrays. */
export type Input<T> = { [K in keyof T]: T[K] | Marker };

/** Options of open(). */
export interface OpenOptions {
  /** The database's name; one IndexedDB database "hearth:<name>" holds it. */
  name: string;
  /**
   * Run the engine in a dedicated Web Worker (the default), so the page's
   * main thread never runs Go. `false` runs it on the calling thread, for
   * environments without workers.
   */
  worker?: boolean;
  /** Where hearth.wasm lives; by default next to this module. */
  wasmURL?: string | URL;
}

/**
 * The `name` of every Error that Hearth rejects with. Stable and
 * append-only, so apps can branch on it.
 */
export type HearthErrorName =
  | 'InvalidArgumentError'
  | 'ClosedError'
  | 'StorageError'
  | 'QuotaExceededError'
  | 'NotFoundError'
  | 'InvalidChangeError'
  | 'ChangeTooLargeError';

/** Opens (creating if needed) the database `options.name`, stored in IndexedDB. */
export function open(options: OpenOptions): Promise<Database>;

/** Marks a string to be stored as collaborative text (edited with insertText/deleteText). */
export function text(value?: string): Marker;
/** Marks an integer to be stored as a counter: concurrent increments add up. */
export function counter(value?: number): Marker;
/** In update(), removes the field. */
export function deleteField(): Marker;

/** Stops a subscription. */
export type Unsubscribe = () => void;

/** A comparison operator of where(). */
export type Op = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not-in' | 'contains' | 'startsWith';

/** A where tree: a comparison, or an and/or of where trees. */
export type Filter =
  | [field: string, op: Op, value: Value]
  | { field: string; op: Op; value: Value }
  | { and: Filter[] }
  | { or: Filter[] };

/** An open Hearth database. */
export declare class Database {
  private constructor();
  /** The database's name. */
  readonly name: string;
  /** Whether the engine runs in a Web Worker (true) or on this thread. */
  readonly inWorker: boolean;
  /** Sync with a relay. */
  readonly sync: Sync;
  /** Returns the collection `name`. Collections need no creation. */
  collection<T extends Doc = Doc>(name: string): Collection<T>;
  /** Starts a query over `collection`. */
  query<T extends Doc = Doc>(collection: string): Query<T>;
  /** A single document, to read or subscribe to. */
  doc<T extends Doc = Doc>(collection: string, id: string): DocRef<T>;
  /**
   * Runs `fn(tx)` and commits every write made through `tx` as one
   * transaction: all of them, or none if `fn` throws or an operation fails.
   */
  transact<R>(fn: (tx: Transaction) => R | Promise<R>): Promise<R>;
  /** What this database has written to IndexedDB since it was opened in this tab. */
  storageStats(): Promise<StorageStats>;
  /** Closes the database; later calls on it reject with a ClosedError. */
  close(): Promise<void>;
}

/** Counts of what a database wrote to IndexedDB since it was opened (db.storageStats()). */
export interface StorageStats {
  /** IndexedDB readwrite transactions: one per batch of commits that queued together. */
  commits: number;
  /** Records put or deleted in them. */
  writes: number;
  /** Bytes of their keys and values. */
  bytes: number;
}

/** The writer handed to db.transact(): its collections' writes join the transaction. */
export interface Transaction {
  collection<T extends Doc = Doc>(name: string): Collection<T, void>;
}

/**
 * A named set of documents, each a plain object with a string `id`. Writes
 * return Promise<void> (W), or nothing inside a transaction.
 */
export declare class Collection<T extends Doc = Doc, W = Promise<void>> {
  private constructor();
  /** The collection's name. */
  readonly name: string;
  /** Stores `doc`, replacing any document with the same id. */
  put(doc: Input<T>): W;
  /** Deep-merges `patch` into the existing document `id` (NotFoundError if none). */
  update(id: string, patch: Partial<Input<T>> | { [path: string]: Value | Marker }): W;
  /** Deletes the document `id`; deleting a missing document is not an error. */
  delete(id: string): W;
  /** Adds `delta` (default 1) to the counter at `path` (a dot path or an array). */
  increment(id: string, path: string | string[], delta?: number): W;
  /**
   * Inserts `text` at `index` (UTF-16 code units) of the text at `path`.
   * With `base`, the text `index` refers to (what the caller saw), edits
   * that reached the engine first shift it, so it lands where it was meant.
   */
  insertText(id: string, path: string | string[], index: number, text: string, options?: { base?: string }): W;
  /** Deletes `count` UTF-16 code units at `index` of the text at `path`; `base` as in insertText. */
  deleteText(id: string, path: string | string[], index: number, count: number, options?: { base?: string }): W;
  /** Resolves to the document `id`, or undefined if there is none. */
  get(id: string): Promise<T | undefined>;
  /** Resolves to every document of the collection, ordered by id. */
  all(): Promise<T[]>;
  /** A query over this collection. */
  query(): Query<T>;
  /**
   * Declares an index on a field path so selective and ordered queries skip
   * the scan. Stored in IndexedDB: built once, kept by every commit, and
   * used after a reload before the collection is in memory (a first
   * `orderBy(field).limit(n)` reads n documents). Declaring it again is free.
   */
  createIndex(field: string): Promise<void>;
}

/** A declarative query. Every builder method returns a new Query. */
export declare class Query<T extends Doc = Doc> {
  private constructor();
  /** Keeps documents whose `field` (a dot path; "id" is the id) compares to `value`. Calls combine with and. */
  where(field: string, op: Op, value: Value): Query<T>;
  /** Keeps documents matching a where tree. */
  where(filter: Filter): Query<T>;
  /** Sorts by `field`; ties fall to later orderBy fields, then to the id. */
  orderBy(field: string, dir?: 'asc' | 'desc'): Query<T>;
  /** Keeps at most `n` documents. */
  limit(n: number): Query<T>;
  /** Skips the first `n` documents. */
  offset(n: number): Query<T>;
  /** Keeps only these fields (dot paths) of each document, and its id. */
  select(...fields: string[]): Query<T>;
  /** The query as plain data. */
  toJSON(): object;
  /** Resolves to the matching documents. */
  get(): Promise<T[]>;
  /**
   * Calls `listener` with the result now and after every committed
   * transaction (this tab, another tab, or sync) that changes it. Each call
   * gets a new array; a document unchanged since the previous call is the
   * same (frozen) object as in that call.
   */
  subscribe(listener: (docs: Readonly<T>[]) => void, onError?: (err: Error) => void): Unsubscribe;
}

/** One document, to read or to follow. */
export declare class DocRef<T extends Doc = Doc> {
  private constructor();
  readonly collection: string;
  readonly id: string;
  /** Resolves to the document, or undefined if there is none. */
  get(): Promise<T | undefined>;
  /** Calls `listener` with the document (undefined when absent) now and after every change. */
  subscribe(listener: (doc: T | undefined) => void, onError?: (err: Error) => void): Unsubscribe;
}

/** Options of db.sync.connect(). */
export interface SyncOptions {
  /** The relay's base URL, http:// or https:// (the WebSocket URL is derived from it). */
  url: string;
  /** The space (unit of sharing) to sync. */
  space: string;
  /**
   * A token the relay accepts for the space (none for a relay in open mode),
   * or a provider of one: called before the first connection and again each
   * time the relay refuses the token (unauthorized, token_expired); the
   * session then reconnects with the new token. It runs on the page even
   * when the engine is in a Worker. A throw or rejection shows as
   * lastError.code 'token_provider' and is retried with backoff.
   */
  token?: string | TokenProvider;
  /** 'websocket' (default, live) or 'fetch' (HTTP request/response with long-polling). */
  transport?: 'websocket' | 'fetch';
}

/** Returns a token for the space, e.g. fetched from the app's server. */
export type TokenProvider = () => string | Promise<string>;

/**
 * Why the last connection failed. Protocol codes, sent by the relay or found
 * in its frames: 'unauthorized', 'token_expired', 'too_large', 'seq_gap',
 * 'malformed', 'unsupported_version', 'unknown_type', 'unexpected_message',
 * 'too_many_connections', 'internal', 'shutting_down'. Client-side codes:
 * 'network' (the transport failed: connection refused or closed, an HTTP
 * answer that is not the relay's), 'storage' (local IndexedDB storage
 * failed), 'invalid_change' (the relay sent a change that cannot be
 * applied), 'token_provider' (the token function threw, rejected, returned
 * no string, or took over 30 s).
 */
export type SyncErrorCode =
  | 'unauthorized' | 'token_expired' | 'too_large' | 'seq_gap' | 'seq_conflict' | 'malformed' | 'unsupported_version'
  | 'unknown_type' | 'unexpected_message' | 'too_many_connections' | 'internal' | 'shutting_down'
  | 'history_dropped' | 'snapshot_refused'
  | 'network' | 'storage' | 'invalid_change' | 'token_provider' | 'history_missing' | (string & {});

/** The sync status a UI shows. */
export interface SyncStatus {
  state: 'offline' | 'connecting' | 'syncing' | 'synced';
  /**
   * Local changes the relay has not acknowledged yet: true at all times,
   * connected or not (before connect(), after disconnect(), after a reload).
   */
  pending: number;
  /**
   * Why the last connection attempt failed (kept while retrying, cleared once synced), or null; the code is
   * 'history_missing' when a change the relay lost is no longer stored here either. After
   * 'seq_conflict' (the relay holds another change under one of this replica's (actor, seq)) sync stops
   * until the next connect(); the change stays pending.
   */
  lastError: null | { code: SyncErrorCode; message: string };
}

/** A database's sync with a relay. */
export declare class Sync {
  private constructor();
  /** The current status; current from the moment open() resolves. */
  readonly status: SyncStatus;
  /** Starts syncing; reconnects with exponential backoff and jitter until disconnect() (or a 'seq_conflict'). Offline changes are kept and sent later. */
  connect(options: SyncOptions): Promise<void>;
  /** Stops syncing. */
  disconnect(): Promise<void>;
  /** Calls `listener` with the status now and after every change (a Svelte store). */
  subscribe(listener: (status: SyncStatus) => void): Unsubscribe;
}
