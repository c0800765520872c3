// A bare protocol client for the browser tests: encodes and decodes the
// msgpack frames of docs/PROTOCOL.md (only the families the protocol uses)
// and talks to a relay's HTTP binding, so a test can store what no correct
// client would send (a forged change) and read what the relay holds.

const te = new TextEncoder();
const td = new TextDecoder();

function encodeValue(v, out) {
  if (typeof v === 'boolean') out.push(v ? 0xc3 : 0xc2);
  else if (typeof v === 'number') {
    if (v < 0x80) out.push(v);
    else if (v < 0x100) out.push(0xcc, v);
    else if (v < 0x10000) out.push(0xcd, v >> 8, v & 0xff);
    else out.push(0xce, v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  } else if (typeof v === 'string') {
    const b = te.encode(v);
    if (b.length < 32) out.push(0xa0 | b.length);
    else out.push(0xd9, b.length); // the tests' strings stay under 256 bytes
    out.push(...b);
  } else if (v instanceof Uint8Array) {
    out.push(0xc4, v.length, ...v); // payloads under 256 bytes
  } else if (Array.isArray(v)) {
    out.push(0x90 | v.length); // arrays under 16 elements
    for (const x of v) encodeValue(x, out);
  } else {
    const keys = Object.keys(v).sort();
    out.push(0x80 | keys.length);
    for (const k of keys) { encodeValue(k, out); encodeValue(v[k], out); }
  }
  return out;
}

/** Encodes one frame: [1, type, ...fields]. */
export const frame = (type, ...fields) => Uint8Array.from(encodeValue([1, type, ...fields], []));

export const hello = (space, token = '', version = {}) => frame(1, space, token, version);

/** A version 3 HELLO (docs/PROTOCOL.md §1b): its WELCOME tells the space's snapshot. */
export const helloV3 = (space, token = '', version = {}) => {
  const f = frame(1, space, token, version, 0);
  f[1] = 3;
  return f;
};

/** A PUSH of [actor, seq, payload (string or bytes)] envelopes. */
export const push = (id, envs) => frame(3, id, envs.map(([a, s, p]) => [a, s, typeof p === 'string' ? te.encode(p) : p]));

function decodeValue(b, pos) {
  const t = b[pos.i++];
  const uint = (n) => { let v = 0; for (let k = 0; k < n; k++) v = v * 256 + b[pos.i++]; return v; };
  const bytes = (n) => b.subarray(pos.i, (pos.i += n));
  const array = (n) => Array.from({ length: n }, () => decodeValue(b, pos));
  const map = (n) => Object.fromEntries(Array.from({ length: n }, () => [decodeValue(b, pos), decodeValue(b, pos)]));
  if (t < 0x80) return t;
  if (t < 0x90) return map(t & 0x0f);
  if (t < 0xa0) return array(t & 0x0f);
  if (t < 0xc0) return td.decode(bytes(t & 0x1f));
  switch (t) {
    case 0xc0: return null;
    case 0xc2: return false;
    case 0xc3: return true;
    case 0xc4: case 0xc5: case 0xc6: return bytes(uint(1 << (t - 0xc4))).slice();
    case 0xcc: case 0xcd: case 0xce: case 0xcf: return uint(1 << (t - 0xcc));
    case 0xd9: case 0xda: case 0xdb: return td.decode(bytes(uint(1 << (t - 0xd9))));
    case 0xdc: case 0xdd: return array(uint(2 << (t - 0xdc)));
    case 0xde: case 0xdf: return map(uint(2 << (t - 0xde)));
  }
  throw new Error(`msgpack type 0x${t.toString(16)} not used by the protocol`);
}

const names = { 2: 'welcome', 4: 'ack', 5: 'changes', 6: 'live', 7: 'error' };
const fields = {
  welcome: ['version', 'maxFrame', 'maxBatch', 'maxChange', 'epoch', 'snapshot', 'snapshotAfter', 'maxSnapshot'], ack: ['id', 'version'], changes: ['changes', 'done'],
  live: ['changes'], error: ['code', 'message', 'id'],
};

/** Decodes frames written back to back into { type, ...fields } objects. */
export function decodeFrames(buf) {
  const b = new Uint8Array(buf);
  const pos = { i: 0 };
  const out = [];
  while (pos.i < b.length) {
    const [, type, ...rest] = decodeValue(b, pos);
    const name = names[type] ?? `type-${type}`;
    out.push(Object.fromEntries([['type', name], ...(fields[name] ?? []).map((f, k) => [f, rest[k]])]));
  }
  return out;
}

/** POSTs frames to relay's /v1/sync; resolves to { status, messages }. */
export async function postSync(relay, ...frames) {
  const body = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  frames.reduce((at, f) => (body.set(f, at), at + f.length), 0);
  const resp = await fetch(`${relay.url}/v1/sync`, { method: 'POST', headers: { 'Content-Type': 'application/vnd.hearth.sync+msgpack' }, body });
  return { status: resp.status, messages: decodeFrames(await resp.arrayBuffer()) };
}
