// Commits issued in one turn of the event loop cross to the engine as one
// call: one message to the worker, one call into Go, one group of IndexedDB
// writes however many there are (typing, an import), and each keeps its own
// Promise, resolved once its own write is durable or rejected with its own
// error. Any other call sends the waiting commits first, so calls reach the
// engine in the order they were made.
import { encodeOps } from './ops.js';

/** Gathers commits until the current task ends, then sends them together. */
export class CommitBatcher {
  #send;
  #handle;
  #texts = [];
  #settlers = [];
  #scheduled = false;

  /**
   * `send(handle, texts)` runs each JSON text of operations (ops.js's,
   * which holds no newline) as its own transaction and resolves to an
   * array with, for each, null or the { name, message } of its error.
   */
  constructor(send) {
    this.#send = send;
  }

  /**
   * Queues one transaction's operations of database `handle`, written as
   * JSON text here (ops.js); bad ones reject at once, naming the value.
   */
  add(handle, ops) {
    let text;
    try {
      text = encodeOps(ops);
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.#texts.length > 0 && handle !== this.#handle) this.flush();
    this.#handle = handle;
    return new Promise((resolve, reject) => {
      this.#texts.push(text);
      this.#settlers.push({ resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        queueMicrotask(() => this.flush());
      }
    });
  }

  /** Sends the queued commits now, if any. */
  flush() {
    this.#scheduled = false;
    if (this.#texts.length === 0) return;
    const settlers = this.#settlers;
    const sent = this.#send(this.#handle, this.#texts);
    this.#texts = [];
    this.#settlers = [];
    sent.then((results) => {
      results.forEach((r, i) => (r ? settlers[i].reject(errorOf(r)) : settlers[i].resolve(undefined)));
    }, (err) => {
      for (const s of settlers) s.reject(err);
    });
  }
}

function errorOf({ name, message }) {
  const err = new Error(message);
  err.name = name;
  return err;
}
