// The operations of a commit cross to Go as one JSON text (internal/jsonops
// decodes it) instead of one syscall/js call per key and value. It is written
// here: by engine.js when the engine runs on this thread, and by the page
// (proxy.js) when it runs in a Worker, so that the message carries a string
// instead of objects to clone, and a bad value is named in the same words
// either way. encodeOps checks every
// value as jsbridge's converter did, with the same paths and messages, and
// writes numbers as String() does, the shortest text that Go parses back to
// the same float64. NaN and Infinity cross as bare tokens, for the engine to
// refuse as before; -0 is written 0, as syscall/js also turned it into 0.
const MAX_DEPTH = 64; // jsbridge's maxDepth
const JSON_LIKE = 'only JSON-like values (objects, arrays, strings, numbers, booleans, null) can be stored';

/** The operations `ops` as JSON text; throws an InvalidArgumentError naming the path of a bad value. */
export function encodeOps(ops) {
  if (!Array.isArray(ops)) throw invalid(`operations must be an array, got ${typeof ops}`);
  let out = '[';
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    if (op === null || typeof op !== 'object') throw invalid(`an operation must be an object, got ${op === null ? 'null' : typeof op}`);
    let fields = '';
    for (const key of Object.keys(op)) {
      // Each field is checked on its own, so paths start inside it.
      fields += `${fields ? ',' : ''}${JSON.stringify(key)}:${encodeValue(op[key], [], [])}`;
    }
    out += `${i ? ',' : ''}{${fields}}`;
  }
  return `${out}]`;
}

// path holds the keys and indexes from the field's root to v; ancestors the
// objects on that path, for cycle detection.
function encodeValue(v, path, ancestors) {
  switch (typeof v) {
    case 'string': return JSON.stringify(v);
    case 'number': return String(v);
    case 'boolean': return v ? 'true' : 'false';
    case 'undefined': return 'null';
    case 'bigint': throw invalid(`value at ${where(path)}: unsupported JavaScript type (a BigInt?)`);
    case 'object': return v === null ? 'null' : encodeObject(v, path, ancestors);
    default: throw invalid(`value at ${where(path)} is a ${typeof v}; ${JSON_LIKE}`);
  }
}

function encodeObject(v, path, ancestors) {
  if (ancestors.includes(v)) throw invalid(`value at ${where(path)} refers back to an enclosing object (a cycle); documents must be trees`);
  if (ancestors.length >= MAX_DEPTH) throw invalid(`value at ${where(path)} is nested deeper than ${MAX_DEPTH} levels`);
  const isArray = Array.isArray(v);
  if (!isArray) {
    const proto = Object.getPrototypeOf(v);
    if (proto !== null && proto !== Object.prototype) throw invalid(`value at ${where(path)} is a ${constructorName(v)}; only plain objects and arrays can be stored`);
  }
  ancestors.push(v);
  let out = '';
  if (isArray) {
    for (let i = 0; i < v.length; i++) {
      path.push(i);
      out += `${i ? ',' : ''}${encodeValue(v[i], path, ancestors)}`;
      path.pop();
    }
    out = `[${out}]`;
  } else {
    for (const key of Object.keys(v)) {
      const e = v[key];
      if (e === undefined) continue; // as JSON.stringify does: an undefined field is absent
      path.push(key);
      out += `${out ? ',' : ''}${JSON.stringify(key)}:${encodeValue(e, path, ancestors)}`;
      path.pop();
    }
    out = `{${out}}`;
  }
  ancestors.pop();
  return out;
}

function constructorName(v) {
  try {
    const name = v.constructor.name;
    if (typeof name === 'string' && name !== '') return name;
  } catch {
    // a throwing getter: fall through
  }
  return 'non-plain object';
}

function invalid(message) {
  const err = new Error(`${message}: invalid argument`);
  err.name = 'InvalidArgumentError';
  return err;
}

// where names a path as jsbridge did: Go's %q of "a.b[0].c".
function where(path) {
  if (path.length === 0) return 'the top level';
  let s = '';
  for (const k of path) s += typeof k === 'number' ? `[${k}]` : s ? `.${k}` : k;
  return goQuote(s);
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const ESCAPES = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };
const hex = (c, n) => c.toString(16).padStart(n, '0');

// goQuote is Go's strconv.Quote of s as Go received it (a lone surrogate
// became U+FFFD on the way).
function goQuote(s) {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0);
    if (c >= 0xd800 && c <= 0xdfff) out += '\ufffd';
    else if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (PRINTABLE.test(ch)) out += ch;
    else if (ESCAPES[ch]) out += ESCAPES[ch];
    else if (c < 0x20 || c === 0x7f) out += `\\x${hex(c, 2)}`;
    else out += c < 0x10000 ? `\\u${hex(c, 4)}` : `\\U${hex(c, 8)}`;
  }
  return `${out}"`;
}
