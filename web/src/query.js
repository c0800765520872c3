// Declarative queries: an immutable builder whose state is plain data (the
// object form the engine's query.FromMap takes), so it crosses to the
// worker unchanged.
import { subscribe } from './subscribe.js';

/** A query over one collection. Every method returns a new Query. */
export class Query {
  #db;
  #spec;

  /** @internal */
  constructor(db, spec) {
    this.#db = db;
    this.#spec = spec;
  }

  /**
   * Keeps documents whose `field` (a dot path; "id" is the document id)
   * compares to `value` by `op`: == != < <= > >= in not-in contains
   * startsWith. Several where() calls all apply (and). A filter object
   * ({and: [...]}, {or: [...]}, {field, op, value}) is accepted too.
   */
  where(field, op, value) {
    const clause = typeof field === 'object' && field !== null ? field : [field, op, value];
    const where = this.#spec.where === undefined ? clause : { and: [...andList(this.#spec.where), clause] };
    return this.#with({ where });
  }

  /** Sorts by `field`, then by earlier orderBy fields' ties; dir is 'asc' or 'desc'. */
  orderBy(field, dir = 'asc') {
    return this.#with({ orderBy: [...(this.#spec.orderBy ?? []), { field, dir }] });
  }

  /** Keeps at most `n` documents. */
  limit(n) {
    return this.#with({ limit: n });
  }

  /** Skips the first `n` documents. */
  offset(n) {
    return this.#with({ offset: n });
  }

  /** Keeps only these fields (dot paths) of each document, and its id. */
  select(...fields) {
    return this.#with({ select: fields.flat() });
  }

  /** The query as plain data. */
  toJSON() {
    return structuredClone(this.#spec);
  }

  /** Resolves to the matching documents. */
  get() {
    return this.#db._call('query', this.#spec);
  }

  /**
   * Calls `listener` with the result now and again after every committed
   * transaction (this tab, another tab, or sync) that changes it; returns a
   * function that stops the calls.
   */
  subscribe(listener, onError) {
    return subscribe(this.#db, 'subscribe', [this.#spec], listener, onError);
  }

  #with(change) {
    return new Query(this.#db, { ...this.#spec, ...change });
  }
}

function andList(where) {
  return where !== null && typeof where === 'object' && Array.isArray(where.and) ? where.and : [where];
}
