// Collaborative text for user interfaces. bindText() ties a text field of a
// Hearth document (one created with text('...')) to a <textarea>, an
// <input> or a contenteditable element: typing becomes insertText/deleteText,
// and changes from elsewhere update the element without moving the user's
// caret off the text it was next to. textSplices() turns two successive
// values of a text into the splice between them, for editors (CodeMirror,
// ProseMirror...) that want to apply subscription updates themselves.
//
// Indexes are UTF-16 code units, as JavaScript strings count them and as
// insertText/deleteText take them.

/**
 * The minimal single splice that turns `before` into `after`: the common
 * prefix and suffix stay, the middle is replaced. Returns [] when the two are
 * equal, else [{ index, delete, insert }]. A splice never splits a surrogate
 * pair. It is derived from the two values only: several separate edits
 * between them come out as one wider splice.
 * @param {string} before
 * @param {string} after
 * @returns {{index: number, delete: number, insert: string}[]}
 */
export function textSplices(before, after) {
  const s = spliceBetween(String(before), String(after));
  return s ? [s] : [];
}

/**
 * Binds the collaborative text at `path` of document `id` in `collection` to
 * `element` (a <textarea>, an <input>, or an element with contenteditable,
 * "plaintext-only" preferred). Returns a function that unbinds it.
 * @param {HTMLTextAreaElement | HTMLInputElement | HTMLElement} element
 * @param {import('./index.js').Database} db
 * @param {string} collection
 * @param {string} id
 * @param {string | string[]} path a dot path or an array of keys
 * @param {{onError?: (err: Error) => void}} [options]
 * @returns {() => void}
 */
export function bindText(element, db, collection, id, path, options = {}) {
  const keys = Array.isArray(path) ? [...path] : String(path).split('.');
  const onError = options.onError ?? ((err) => console.error('hearthdb: bindText:', err));
  const view = adapter(element);

  // The model. `shadow` is the text the engine holds once the batch in
  // flight (if any) is applied; `buffer` holds the local edits not sent yet,
  // as operations over `shadow`; `local` is what the element shows, always
  // apply(buffer, shadow). Only one batch is in flight at a time, and the
  // notifications that arrive meanwhile wait in `notes` until its answer:
  // among them is the batch's own echo, and the one before the echo is the
  // state the engine applied the batch to (see settle).
  let shadow = '';
  let local = '';
  let buffer = [];
  let inflight = null;
  let notes = [];
  let loaded = false;
  let available = false;
  let stopped = false;
  let failures = 0;
  let corrections = 0;
  let waiting = false; // a correction waits a moment before it goes
  const wasReadOnly = view.readOnly;
  view.readOnly = true;

  const onInput = () => {
    if (stopped) return;
    const now = view.value;
    if (now === local) return;
    if (!available) { // nothing to edit: put the text back
      view.write(local, view.selection());
      return;
    }
    const caret = view.selection()?.end;
    buffer.push(...toOps(spliceBetween(local, now, caret)));
    local = now;
    if (!inflight && !waiting) send();
  };
  element.addEventListener('input', onInput);

  const stop = db.doc(collection, id).subscribe((doc) => {
    if (stopped) return;
    const value = field(doc, keys);
    available = typeof value === 'string';
    view.readOnly = wasReadOnly || !available;
    const t = available ? value : '';
    if (!loaded) {
      loaded = true;
      shadow = local = t;
      view.write(t, null);
      return;
    }
    if (inflight) notes.push(t);
    else remote(t);
  }, (err) => { if (!stopped) onError(err); });

  /** Applies a new engine value that holds nothing of ours in flight. */
  function remote(t) {
    if (t === shadow) return;
    rebase(diffOps(shadow, t));
    shadow = t;
    check();
  }

  /**
   * Moves the local view over `r`, a change of the engine's text expressed
   * over `shadow`: the unsent edits are transformed to follow it, and the
   * element shows it with the caret and selection shifted along.
   */
  function rebase(r) {
    if (r.length === 0) return;
    const [ours, theirs] = transform(buffer, r);
    buffer = ours;
    const sel = view.selection();
    local = apply(theirs, local);
    view.write(local, sel && {
      start: mapPos(sel.start, theirs),
      end: mapPos(sel.end, theirs),
      direction: sel.direction,
    });
  }

  function send() {
    const ops = buffer;
    buffer = [];
    inflight = { base: shadow, ops };
    notes = [];
    shadow = apply(ops, shadow);
    db.transact((tx) => {
      const c = tx.collection(collection);
      // Each op names the text it was made against, so the engine shifts it
      // over edits that reached it first (another tab's, a relay's).
      let base = inflight.base;
      for (const op of ops) {
        if (op.insert !== undefined) c.insertText(id, keys, op.index, op.insert, { base });
        else c.deleteText(id, keys, op.index, op.delete, { base });
        base = apply([op], base);
      }
    }).then(answered, failed);
  }

  function answered() {
    settle(true);
  }

  function failed(err) {
    // A batch fails when edits that reached the engine first made its
    // indexes point outside the text: redo it over them, a few times.
    // Anything else (the document deleted, say) drops the local edits.
    failures++;
    if (err?.name === 'InvalidArgumentError' && failures <= 3 && !stopped) {
      settle(false);
      return;
    }
    const last = notes.at(-1) ?? inflight.base;
    inflight = null;
    notes = [];
    failures = 0;
    if (stopped) return;
    buffer = [];
    const sel = view.selection();
    const back = toOps(spliceBetween(local, last));
    shadow = local = last;
    view.write(last, sel && { start: mapPos(sel.start, back), end: mapPos(sel.end, back), direction: sel.direction });
    onError(err);
  }

  /**
   * Takes stock once the batch in flight is answered. The notifications
   * that came meanwhile are the engine's successive states: other edits,
   * then (if `applied`) the batch's own echo, found as the state that is
   * the batch applied to the one before, then maybe more edits. The
   * engine applied the batch, at the indexes we sent, to the state before
   * the echo; if other edits reached it first, those indexes may point
   * elsewhere than we meant. Work out what we meant (our edits transformed over theirs) and,
   * if the engine holds something else, send what undoes the batch and
   * redoes it where it belongs.
   */
  function settle(applied) {
    const { base, ops } = inflight;
    const chain = [base, ...notes];
    inflight = null;
    notes = [];
    if (stopped) return;
    if (applied) failures = 0;
    // Where the batch happened: chain[pre] is the state the engine applied
    // it to, chain[post] the result (its echo); states after it are later
    // edits from elsewhere. A batch that changed nothing has no echo.
    let lost = false;
    let pre = chain.length - 1;
    let post = pre;
    if (applied) {
      pre = -1;
      for (let i = chain.length - 1; i >= 1 && pre < 0; i--) {
        if (apply(ops, chain[i - 1]) === chain[i]) [pre, post] = [i - 1, i];
      }
      for (let i = chain.length - 1; i >= 0 && pre < 0; i--) {
        if (apply(ops, chain[i]) === chain[i]) [pre, post] = [i, i];
      }
    }
    if (pre < 0) {
      // Something we cannot place (another tab's write, say): the
      // engine's value is the truth; follow it.
      rebase(diffOps(shadow, chain.at(-1)));
      shadow = chain.at(-1);
      lost = true;
    } else {
      const theirs = [];
      for (let i = 1; i <= pre; i++) theirs.push(...diffOps(chain[i - 1], chain[i]));
      const [meant, moved] = transform(ops, theirs);
      const intended = apply(meant, chain[pre]);
      rebase(moved); // the buffer now applies to `intended`
      if (!applied) {
        shadow = chain[pre];
        buffer = [...meant, ...buffer];
      } else if (intended === chain[post]) {
        shadow = intended;
        corrections = 0;
      } else if (++corrections <= 5) {
        shadow = chain[post];
        buffer = [...normalize([...inverse(ops, chain[pre]), ...meant], chain[post]), ...buffer];
      } else {
        // A correction can race too; after a few in a row, let it be.
        shadow = intended;
        rebase(diffOps(intended, chain[post]));
        shadow = chain[post];
      }
      for (const t of chain.slice(post + 1)) {
        rebase(diffOps(shadow, t));
        shadow = t;
      }
    }
    check();
    if (buffer.length === 0) return;
    if (corrections === 0 && !lost) {
      send();
      return;
    }
    // The batch raced edits from elsewhere that were on their way here (or
    // could not be placed at all).
    // Let them arrive before sending the correction, so that it does not
    // race them too; typing meanwhile joins the same batch.
    waiting = true;
    setTimeout(() => {
      waiting = false;
      if (!stopped && !inflight && buffer.length > 0) send();
    }, 8 * Math.max(1, corrections));
  }

  /** Keeps local === apply(buffer, shadow), repairing the buffer if not. */
  function check() {
    if (apply(buffer, shadow) !== local) buffer = toOps(spliceBetween(shadow, local));
  }

  return function unbind() {
    if (stopped) return;
    stopped = true;
    stop();
    element.removeEventListener('input', onInput);
    view.readOnly = wasReadOnly;
  };
}

// --- splices and operations ---------------------------------------------

const isHigh = (c) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c) => c >= 0xdc00 && c <= 0xdfff;

/**
 * The minimal splice from `before` to `after`, or null if they are equal.
 * When the change is ambiguous (typing "a" into "aa"), `caret` (where the
 * caret is after the edit) picks the splice whose insertion ends there.
 */
function spliceBetween(before, after, caret) {
  if (before === after) return null;
  const min = Math.min(before.length, after.length);
  let p = 0;
  while (p < min && before.charCodeAt(p) === after.charCodeAt(p)) p++;
  if (p > 0 && isHigh(before.charCodeAt(p - 1))) p--;
  let s = 0;
  while (s < min - p && before.charCodeAt(before.length - 1 - s) === after.charCodeAt(after.length - 1 - s)) s++;
  if (s > 0 && isLow(before.charCodeAt(before.length - s))) s--;
  const del = before.length - p - s;
  const ins = after.length - p - s;
  if (typeof caret === 'number' && ins > 0) {
    const i = caret - ins;
    if (i >= 0 && i < p
      && before.slice(i + del, p + del) === after.slice(i + ins, p + ins)
      && !isHigh(before.charCodeAt(i - 1)) && !isLow(before.charCodeAt(i + del)) && !isLow(after.charCodeAt(i + ins))) {
      p = i;
    }
  }
  return { index: p, delete: del, insert: after.slice(p, p + ins) };
}

/**
 * The operations from `before` to `after`, as precise as a cheap diff gets:
 * the common prefix and suffix are trimmed, and the middle is diffed code
 * point by code point (Myers) when the two differ by a few hundred code
 * points at most, so that two separate edits come out as two operations.
 * Otherwise, one splice.
 */
function diffOps(before, after) {
  const s = spliceBetween(before, after);
  if (!s) return [];
  if (s.delete === 0 || s.insert === '') return toOps(s);
  const a = Array.from(before.slice(s.index, s.index + s.delete));
  const b = Array.from(s.insert);
  const edits = myers(a, b, 256);
  if (!edits) return toOps(s);
  const offset = [s.index];
  for (const c of a) offset.push(offset.at(-1) + c.length);
  const ops = [];
  for (const e of edits) { // from the end backwards: each index is into `before`
    const last = ops.at(-1);
    if (e.insert !== undefined) {
      const index = offset[e.at];
      if (last?.insert !== undefined && last.index === index) last.insert = e.insert + last.insert;
      else ops.push({ index, insert: e.insert });
    } else {
      const index = offset[e.at];
      const n = a[e.at].length;
      if (last?.delete !== undefined && last.index === index + n) { last.index = index; last.delete += n; }
      else ops.push({ index, delete: n });
    }
  }
  return ops;
}

/**
 * Myers' diff of arrays a and b: the edits ({at, insert} or {at} for a
 * deletion, `at` an index into a) from the last to the first, or null if
 * they need more than maxD edits.
 */
function myers(a, b, maxD) {
  const n = a.length;
  const m = b.length;
  const trace = [];
  let prev = new Map([[1, 0]]);
  for (let d = 0; d <= maxD; d++) {
    const cur = new Map();
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && prev.get(k - 1) < prev.get(k + 1)) ? prev.get(k + 1) : prev.get(k - 1) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) { x++; y++; }
      cur.set(k, x);
      if (x >= n && y >= m) {
        trace.push(cur);
        return backtrack(trace, a, b);
      }
    }
    trace.push(cur);
    prev = cur;
  }
  return null;
}

function backtrack(trace, a, b) {
  let x = a.length;
  let y = b.length;
  const edits = [];
  for (let d = trace.length - 1; d > 0; d--) {
    const v = trace[d - 1];
    const k = x - y;
    const pk = k === -d || (k !== d && v.get(k - 1) < v.get(k + 1)) ? k + 1 : k - 1;
    const px = v.get(pk);
    const py = px - pk;
    while (x > px && y > py) { x--; y--; }
    if (x === px) edits.push({ at: px, insert: b[py] });
    else edits.push({ at: px });
    x = px;
    y = py;
  }
  return edits;
}

/** A splice as primitive operations: {index, delete} then {index, insert}. */
function toOps(s) {
  const ops = [];
  if (!s) return ops;
  if (s.delete > 0) ops.push({ index: s.index, delete: s.delete });
  if (s.insert.length > 0) ops.push({ index: s.index, insert: s.insert });
  return ops;
}

function apply(ops, text) {
  for (const op of ops) {
    text = op.insert !== undefined
      ? text.slice(0, op.index) + op.insert + text.slice(op.index)
      : text.slice(0, op.index) + text.slice(op.index + op.delete);
  }
  return text;
}

/**
 * The operations that undo `ops` once applied to `text`: back from
 * apply(ops, text) to `text`.
 */
function inverse(ops, text) {
  const undo = [];
  for (const op of ops) {
    if (op.insert !== undefined) undo.unshift({ index: op.index, delete: op.insert.length });
    else undo.unshift({ index: op.index, insert: text.slice(op.index, op.index + op.delete) });
    text = apply([op], text);
  }
  return undo;
}

/**
 * The shortest list of operations with the same effect as `ops` on `text`,
 * left to right: what a batch amounts to, undone parts cancelled out.
 */
function normalize(ops, text) {
  const tokens = Array.from({ length: text.length }, (_, i) => i);
  for (const op of ops) {
    if (op.insert !== undefined) tokens.splice(op.index, 0, ...op.insert.split(''));
    else tokens.splice(op.index, op.delete);
  }
  const out = [];
  let pos = 0;
  let b = 0;
  for (const t of tokens) {
    if (typeof t === 'number') {
      if (t > b) out.push({ index: pos, delete: t - b });
      b = t + 1;
      pos++;
    } else {
      const last = out.at(-1);
      if (last?.insert !== undefined && last.index + last.insert.length === pos) last.insert += t;
      else out.push({ index: pos, insert: t });
      pos++;
    }
  }
  if (b < text.length) out.push({ index: pos, delete: text.length - b });
  return out;
}

/**
 * Where position `p` goes through `ops`. An insertion exactly at `p` stays
 * after it: only edits before the caret move it.
 */
function mapPos(p, ops) {
  for (const op of ops) {
    if (op.insert !== undefined) {
      if (op.index < p) p += op.insert.length;
    } else if (op.index < p) {
      p = Math.max(op.index, p - op.delete);
    }
  }
  return p;
}

/**
 * Transforms two operation lists made over the same text: returns [a', b']
 * where a' applies after b and b' after a, to the same result. At equal
 * insertion points a's text goes first.
 */
function transform(a, b) {
  if (a.length === 0 || b.length === 0) return [a, b];
  const [a1, bAfter] = transformOne(a[0], b);
  const [rest, bFinal] = transform(a.slice(1), bAfter);
  return [[...a1, ...rest], bFinal];
}

function transformOne(op, b) {
  if (b.length === 0) return [[op], []];
  const [ops, b1] = pair(op, b[0]);
  const [ops2, rest] = transform(ops, b.slice(1));
  return [ops2, [...b1, ...rest]];
}

const ins = (index, insert) => ({ index, insert });
const del = (index, n) => (n > 0 ? [{ index, delete: n }] : []);

/** Transforms two primitive operations; a wins ties. Returns lists. */
function pair(a, b) {
  const aIns = a.insert !== undefined;
  const bIns = b.insert !== undefined;
  if (aIns && bIns) {
    if (a.index <= b.index) return [[a], [ins(b.index + a.insert.length, b.insert)]];
    return [[ins(a.index + b.insert.length, a.insert)], [b]];
  }
  if (aIns) return insDel(a, b);
  if (bIns) {
    const [bs, as] = insDel(b, a);
    return [as, bs];
  }
  // Both delete: each removes what the other did not.
  const aEnd = a.index + a.delete;
  const bEnd = b.index + b.delete;
  const overlap = Math.max(0, Math.min(aEnd, bEnd) - Math.max(a.index, b.index));
  const start = (x, y, yEnd) => (x < y ? x : x >= yEnd ? x - (yEnd - y) : y);
  return [
    del(start(a.index, b.index, bEnd), a.delete - overlap),
    del(start(b.index, a.index, aEnd), b.delete - overlap),
  ];
}

/**
 * An insertion i against a deletion d: returns [i', d']. An insertion at the
 * deletion's start stays before it; one inside the deleted range survives,
 * between the two halves of the deletion.
 */
function insDel(i, d) {
  if (i.index <= d.index) return [[i], [{ index: d.index + i.insert.length, delete: d.delete }]];
  if (i.index >= d.index + d.delete) return [[ins(i.index - d.delete, i.insert)], [d]];
  const before = i.index - d.index;
  return [[ins(d.index, i.insert)], [...del(d.index, before), ...del(d.index + i.insert.length, d.delete - before)]];
}

// --- elements ------------------------------------------------------------

function field(doc, keys) {
  let v = doc;
  for (const k of keys) {
    if (v === null || typeof v !== 'object') return undefined;
    v = v[k];
  }
  return v;
}

/** A uniform view of a form control or a contenteditable element. */
function adapter(el) {
  if ('value' in el && 'selectionStart' in el) {
    return {
      get value() { return el.value; },
      get readOnly() { return el.readOnly; },
      set readOnly(v) { el.readOnly = v; },
      selection() {
        if (el.selectionStart === null) return null;
        return { start: el.selectionStart, end: el.selectionEnd, direction: el.selectionDirection };
      },
      write(value, sel) {
        const { scrollTop, scrollLeft } = el;
        if (el.value !== value) el.value = value;
        if (sel) el.setSelectionRange(sel.start, sel.end, sel.direction ?? 'none');
        el.scrollTop = scrollTop;
        el.scrollLeft = scrollLeft;
      },
    };
  }
  // contenteditable: the text lives in text nodes (with <br> as "\n" where a
  // browser puts them); offsets count UTF-16 code units of that text.
  const initialEditable = el.getAttribute('contenteditable');
  return {
    get value() { return textOf(el); },
    get readOnly() { return el.getAttribute('contenteditable') === 'false'; },
    set readOnly(v) {
      if (v) el.setAttribute('contenteditable', 'false');
      else el.setAttribute('contenteditable', initialEditable && initialEditable !== 'false' ? initialEditable : 'plaintext-only');
    },
    selection() {
      const s = el.ownerDocument.getSelection();
      if (!s || s.rangeCount === 0 || !el.contains(s.anchorNode) || !el.contains(s.focusNode)) return null;
      const a = offsetOf(el, s.anchorNode, s.anchorOffset);
      const f = offsetOf(el, s.focusNode, s.focusOffset);
      return { start: Math.min(a, f), end: Math.max(a, f), direction: f < a ? 'backward' : 'forward' };
    },
    write(value, sel) {
      if (textOf(el) !== value) el.textContent = value;
      if (!sel) return;
      const s = el.ownerDocument.getSelection();
      const [an, ao] = pointAt(el, sel.direction === 'backward' ? sel.end : sel.start);
      const [fn, fo] = pointAt(el, sel.direction === 'backward' ? sel.start : sel.end);
      s.setBaseAndExtent(an, ao, fn, fo);
    },
  };
}

function textOf(el) {
  let out = '';
  const walk = (n) => {
    for (let c = n.firstChild; c; c = c.nextSibling) {
      if (c.nodeType === 3) out += c.data;
      else if (c.nodeName === 'BR') { if (c.nextSibling || c.parentNode !== el) out += '\n'; }
      else {
        if ((c.nodeName === 'DIV' || c.nodeName === 'P') && out !== '' && !out.endsWith('\n')) out += '\n';
        walk(c);
      }
    }
  };
  walk(el);
  return out;
}

function offsetOf(el, node, offset) {
  const r = el.ownerDocument.createRange();
  r.selectNodeContents(el);
  r.setEnd(node, offset);
  const frag = r.cloneContents();
  const box = el.ownerDocument.createElement('div');
  box.append(frag);
  return textOf(box).length;
}

function pointAt(el, offset) {
  let left = offset;
  const walker = el.ownerDocument.createTreeWalker(el, 4 /* NodeFilter.SHOW_TEXT */);
  let last = null;
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (left <= n.data.length) return [n, left];
    left -= n.data.length;
    last = n;
  }
  return last ? [last, last.data.length] : [el, 0];
}
