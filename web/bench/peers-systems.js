// The three peer CRDT libraries of the peers benchmark behind one small
// adapter each, so that peers-page.js replays a trace the same way on all
// of them. Every adapter keeps the text in one root text container (Yjs
// Y.Text, Loro LoroText, Automerge's string field `text`), edited with
// UTF-16 positions, which is what all three take from JS.
//
// An adapter: init() loads its WebAssembly (Loro, Automerge) once per
// page; create(start, track) a document holding `start`; edit(h, patches,
// from, to) applies patches[from..to) as ONE transaction / commit / change;
// text(h); save(h) → bytes; load(bytes) → handle; and, for the concurrent
// replay (track = true, and `actor`, a small positive integer that sets
// the replica's id, so that agents' ids have a chosen order: Yjs's merged
// text depends on it), fork(h, actor) → a copy with that id (the agents'
// documents start as forks of one, so that they share its text container:
// Automerge's field would otherwise be two conflicting objects),
// lastUpdate(h) → the bytes of the latest local transaction, apply(h,
// list) of such bytes in one call where the library has one (one import
// per update costs Loro ~0.35 ms each), and merge(h, other).
import * as Y from 'yjs';
import initLoro, { LoroDoc } from 'loro-crdt/web';
import * as Automerge from '@automerge/automerge/slim';

// The benchmark's server serves the repository root, node_modules included.
const LORO_WASM = '/node_modules/loro-crdt/web/loro_wasm_bg.wasm';
const AUTOMERGE_WASM = '/node_modules/@automerge/automerge/dist/automerge.wasm';
const REMOTE = 'remote'; // Yjs transaction origin of merged updates

/** Yjs: one doc.transact per edit() call. */
const yjs = {
  name: 'Yjs',
  async init() {},
  create(start, track = false, actor = 0) {
    const doc = new Y.Doc();
    if (actor) doc.clientID = actor;
    const h = { doc, text: doc.getText('text'), last: null };
    // Yjs only encodes updates when someone listens, so listen only when needed.
    if (track) doc.on('update', (update, origin) => { if (origin !== REMOTE) h.last = update; });
    if (start) h.text.insert(0, start);
    return h;
  },
  edit(h, patches, from, to) {
    h.doc.transact(() => {
      for (let i = from; i < to; i++) {
        const [pos, del, ins] = patches[i];
        if (del) h.text.delete(pos, del);
        if (ins) h.text.insert(pos, ins);
      }
    });
  },
  text: (h) => h.text.toString(),
  save: (h) => Y.encodeStateAsUpdate(h.doc),
  load(bytes) {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, bytes);
    return { doc, text: doc.getText('text') };
  },
  fork(h, actor) {
    const copy = yjs.create('', true, actor);
    Y.applyUpdate(copy.doc, Y.encodeStateAsUpdate(h.doc), REMOTE);
    return copy;
  },
  lastUpdate: (h) => h.last,
  apply: (h, list) => h.doc.transact(() => { for (const u of list) Y.applyUpdate(h.doc, u, REMOTE); }, REMOTE),
  merge: (h, other) => Y.applyUpdate(h.doc, Y.encodeStateAsUpdate(other.doc, Y.encodeStateVector(h.doc)), REMOTE),
};

/** Loro: one doc.commit() per edit() call. */
const loro = {
  name: 'Loro',
  init: () => initLoro({ module_or_path: LORO_WASM }),
  create(start, track = false, actor = 0) {
    const doc = new LoroDoc();
    if (actor) doc.setPeerId(BigInt(actor));
    const h = { doc, text: doc.getText('text'), last: null };
    if (track) doc.subscribeLocalUpdates((bytes) => { h.last = bytes; });
    if (start) { h.text.insert(0, start); doc.commit(); }
    return h;
  },
  edit(h, patches, from, to) {
    for (let i = from; i < to; i++) {
      const [pos, del, ins] = patches[i];
      if (del) h.text.delete(pos, del);
      if (ins) h.text.insert(pos, ins);
    }
    h.doc.commit();
  },
  text: (h) => h.text.toString(),
  save: (h) => h.doc.export({ mode: 'snapshot' }),
  load(bytes) {
    const doc = LoroDoc.fromSnapshot(bytes);
    return { doc, text: doc.getText('text') };
  },
  fork(h, actor) {
    const doc = h.doc.fork();
    doc.setPeerId(BigInt(actor));
    const copy = { doc, text: doc.getText('text'), last: null };
    doc.subscribeLocalUpdates((bytes) => { copy.last = bytes; });
    return copy;
  },
  lastUpdate: (h) => h.last,
  apply: (h, list) => { h.doc.importBatch(list); },
  merge: (h, other) => { h.doc.import(other.doc.export({ mode: 'update', from: h.doc.oplogVersion() })); },
};

/** Automerge's actor id (hex) for a small integer: 1 → "0101…01" (16 bytes). */
const automergeActor = (n) => n.toString(16).padStart(2, '0').repeat(16);

/** Automerge: one Automerge.change per edit() call. */
const automerge = {
  name: 'Automerge',
  init: () => Automerge.initializeWasm(AUTOMERGE_WASM),
  create(start, _track, actor = 0) {
    return { doc: Automerge.from({ text: start }, actor ? automergeActor(actor) : undefined) };
  },
  edit(h, patches, from, to) {
    h.doc = Automerge.change(h.doc, (d) => {
      for (let i = from; i < to; i++) {
        const [pos, del, ins] = patches[i];
        Automerge.splice(d, ['text'], pos, del, ins);
      }
    });
  },
  text: (h) => h.doc.text,
  save: (h) => Automerge.save(h.doc),
  load: (bytes) => ({ doc: Automerge.load(bytes) }),
  fork: (h, actor) => ({ doc: Automerge.clone(h.doc, automergeActor(actor)) }),
  lastUpdate: (h) => Automerge.getLastLocalChange(h.doc),
  apply: (h, list) => { [h.doc] = Automerge.applyChanges(h.doc, list); },
  merge: (h, other) => { h.doc = Automerge.merge(h.doc, other.doc); },
};

/** The adapters by the name the driver uses in ?system=. */
export const peers = { yjs, loro, automerge };
