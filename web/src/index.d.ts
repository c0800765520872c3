/** A value Hearth can store: JSON-like, without cycles. */
export type Value = null | boolean | number | string | Value[] | { [key: string]: Value };

/** A stored document: a plain object with a non-empty string id. */
export interface Doc {
  id: string;
  [field: string]: Value;
}

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
  | 'NotFoundError';

/** Opens (creating if needed) the database `options.name`, stored in IndexedDB. */
export function open(options: OpenOptions): Promise<Database>;

/** An open Hearth database. */
export declare class Database {
  private constructor();
  /** The database's name. */
  readonly name: string;
  /** Whether the engine runs in a Web Worker (true) or on this thread. */
  readonly inWorker: boolean;
  /** Returns the collection `name`. Collections need no creation. */
  collection<T extends Doc = Doc>(name: string): Collection<T>;
  /** Closes the database; later calls on it reject with a ClosedError. */
  close(): Promise<void>;
}

/** A named set of documents, each a plain object with a string `id`. */
export declare class Collection<T extends Doc = Doc> {
  private constructor();
  /** The collection's name. */
  readonly name: string;
  /** Stores `doc`, replacing any document with the same id. */
  put(doc: T): Promise<void>;
  /** Resolves to the document `id`, or undefined if there is none. */
  get(id: string): Promise<T | undefined>;
  /** Deletes the document `id`; deleting a missing document is not an error. */
  delete(id: string): Promise<void>;
  /** Resolves to every document of the collection, ordered by id. */
  all(): Promise<T[]>;
}
