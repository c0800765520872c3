// hearthdb/text: collaborative text for user interfaces.
import type { Database } from './index.js';

/**
 * One edit of a text: at `index`, remove `delete` code units, then insert
 * `insert`. Indexes and counts are UTF-16 code units, as JavaScript strings
 * count them and as insertText/deleteText take them.
 */
export interface TextSplice {
  index: number;
  delete: number;
  insert: string;
}

/**
 * The minimal single splice that turns `before` into `after` (their common
 * prefix and suffix stay, the middle is replaced), as a one-element array,
 * or [] when they are equal. It never splits a surrogate pair.
 *
 * Splices are derived from two successive values, not recorded edit by
 * edit: when several separate edits happened between `before` and `after`
 * (a batch that arrived from the relay, say), they come out as one wider
 * splice that replaces everything from the first edit to the last. Applied
 * to an editor, that is still exact for the text, but positions inside the
 * wider range (a caret, a mark) move to its edge.
 *
 * @example
 * // A read-only CodeMirror 6 view that follows a note's text. (To write back
 * // as well, keep a model of what you sent, as bindText does: the
 * // subscription also reports your own writes.)
 * let last = '';
 * db.doc('notes', id).subscribe((note) => {
 *   const next = note?.body ?? '';
 *   for (const s of textSplices(last, next)) {
 *     view.dispatch({ changes: { from: s.index, to: s.index + s.delete, insert: s.insert } });
 *   }
 *   last = next;
 * });
 */
export function textSplices(before: string, after: string): TextSplice[];

/** Options of bindText(). */
export interface BindTextOptions {
  /** Called when a write fails for good (the document was deleted, say); by default console.error. */
  onError?: (err: Error) => void;
}

/**
 * Binds the collaborative text at `path` (a dot path or an array of keys) of
 * document `id` in `collection` (a field created with text('...')) to a
 * `<textarea>`, an `<input>`, or a contenteditable element (plain text:
 * "plaintext-only" is best). Returns a function that unbinds it.
 *
 * - Typing becomes insertText/deleteText calls, one transaction per batch
 *   of keystrokes, with at most one batch in flight.
 * - Changes from elsewhere (another window, another tab, the relay) update
 *   the element, and the caret and selection shift with the text around
 *   them: an insertion or deletion before the caret moves it, one after it
 *   does not; an insertion exactly at the caret lands after it.
 * - The binding's own writes come back through the subscription; it keeps a
 *   model of what it sent, so its echo neither moves the caret twice nor
 *   overwrites what was typed meanwhile.
 * - The element is read-only until the document has loaded, and whenever
 *   the document or its text field is missing.
 *
 * Each edit it sends carries `base`, the text its index refers to, so the
 * engine shifts it over edits from other tabs or the relay that reached it
 * first; should a batch still land elsewhere, the binding sends a
 * correction (after a few in a row it follows the engine's text).
 * Setting the
 * element's value resets the browser's own undo history. Updates from
 * elsewhere are applied during IME composition too.
 */
export function bindText(
  element: HTMLTextAreaElement | HTMLInputElement | HTMLElement,
  db: Database,
  collection: string,
  id: string,
  path: string | string[],
  options?: BindTextOptions,
): () => void;
