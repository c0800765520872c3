// The vanilla core of the UI bindings (live.js) and the Svelte stores, in
// Node over real Query/DocRef/Sync objects whose database is a stand-in
// that records the engine calls and lets the test deliver results.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Database } from '../src/index.js';
import { live, share, sourceKey } from '../src/live.js';
import { docStore, queryStore, syncStore } from '../src/svelte.js';

/** A Database on a fake engine: `subs` holds the live engine subscriptions' callbacks. */
function fakeDB() {
  const subs = new Map();
  let next = 0;
  const engine = {
    subscribe: (h, spec, cb) => { subs.set(++next, cb); return Promise.resolve(next); },
    subscribeDoc: (h, c, id, cb) => { subs.set(++next, cb); return Promise.resolve(next); },
    syncSubscribe: () => Promise.resolve(0),
    unsubscribe: (h, id) => { subs.delete(id); return Promise.resolve(); },
  };
  const db = new Database(engine, 1, 'fake', false);
  const emit = (value) => { for (const cb of subs.values()) cb(value); };
  return { db, subs, emit };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

test('live() subscribes once while anyone listens, and stops when the last listener leaves', async () => {
  const { db, subs } = fakeDB();
  const store = live(db.query('todos'));
  assert.equal(subs.size, 0, 'lazy');
  const stop1 = store.subscribe(() => {});
  const stop2 = store.subscribe(() => {});
  await tick();
  assert.equal(subs.size, 1);
  stop1();
  await tick();
  assert.equal(subs.size, 1);
  stop2();
  await tick();
  assert.equal(subs.size, 0);
  store.subscribe(() => {})();
  await tick();
  assert.equal(subs.size, 0, 'a store can be followed again and dropped again');
});

test('live(): the snapshot is undefined until the first result and changes identity only with the data', async () => {
  const { db, emit } = fakeDB();
  const store = live(db.query('todos'));
  let calls = 0;
  store.subscribe(() => { calls++; });
  await tick();
  assert.equal(store.getSnapshot(), undefined);
  emit([{ id: 'a', title: 'A' }, { id: 'b', title: 'B', tags: ['x'] }]);
  const first = store.getSnapshot();
  assert.equal(calls, 1);
  emit([{ id: 'a', title: 'A' }, { id: 'b', title: 'B', tags: ['x'] }]); // equal data, new objects
  assert.equal(store.getSnapshot(), first);
  assert.equal(calls, 1, 'no call when nothing changed');
  emit([{ id: '0', title: 'new' }, { id: 'a', title: 'A' }, { id: 'b', title: 'B!', tags: ['x'] }]);
  const second = store.getSnapshot();
  assert.equal(calls, 2);
  assert.notEqual(second, first);
  assert.equal(second[1], first[0], 'an unchanged document keeps its identity though it moved');
  assert.notEqual(second[2], first[1]);
  assert.equal(second[2].tags, first[1].tags, 'unchanged parts of a changed document keep theirs');
});

test('live(db.sync) starts at the current status', () => {
  const { db } = fakeDB();
  const store = live(db.sync);
  assert.equal(store.getSnapshot(), db.sync.status);
  const stop = store.subscribe(() => assert.fail('no change yet'));
  assert.equal(store.getSnapshot(), db.sync.status);
  stop();
});

test('share() keeps what is equal', () => {
  const prev = { a: [1, { b: 2 }], c: 'x' };
  assert.equal(share(prev, { a: [1, { b: 2 }], c: 'x' }), prev);
  const next = share(prev, { a: [1, { b: 2 }], c: 'y' });
  assert.deepEqual(next, { a: [1, { b: 2 }], c: 'y' });
  assert.equal(next.a, prev.a);
  assert.deepEqual(share(prev, { a: [1, { b: 2 }] }), { a: [1, { b: 2 }] }, 'a removed field is a change');
  assert.deepEqual(share([{ id: 'a' }], []), []);
  assert.equal(share(undefined, null), null);
});

test('sourceKey() is the query\'s plain form, the document\'s address, or the source', () => {
  const { db } = fakeDB();
  assert.equal(sourceKey(db.query('t').where('done', '==', false)), sourceKey(db.query('t').where('done', '==', false)));
  assert.notEqual(sourceKey(db.query('t').limit(1)), sourceKey(db.query('t').limit(2)));
  assert.equal(sourceKey(db.doc('t', 'a')), sourceKey(db.doc('t', 'a')));
  assert.notEqual(sourceKey(db.doc('t', 'a')), sourceKey(db.doc('t', 'b')));
  assert.equal(sourceKey(db.sync), db.sync);
  assert.equal(sourceKey(undefined), undefined);
});

test('the Svelte stores keep the store contract: run at once with the current value, then on change', async () => {
  const { db, subs, emit } = fakeDB();
  for (const store of [queryStore(db.query('todos')), docStore(db.doc('todos', 'a'))]) {
    const runs = [];
    const stop = store.subscribe((v) => runs.push(v));
    assert.deepEqual(runs, [undefined]);
    await tick();
    emit([{ id: 'a' }]);
    assert.deepEqual(runs, [undefined, [{ id: 'a' }]]);
    stop();
    await tick();
    assert.equal(subs.size, 0);
  }
  const runs = [];
  syncStore(db).subscribe((s) => runs.push(s))();
  assert.deepEqual(runs, [{ state: 'offline', pending: 0, lastError: null }]);
});

test('the main entry (as built in web/dist) never imports a UI framework or a binding', async () => {
  const seen = new Set();
  const visit = async (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const src = await readFile(new URL(`../dist/${file}`, import.meta.url), 'utf8');
    for (const [, spec] of src.matchAll(/['"]\.\/([^'"]+\.js)['"]/g)) await visit(spec);
    for (const m of src.matchAll(/(?:from|import)\s*\(?\s*['"]([^'".][^'"]*)['"]/g)) assert.fail(`${file} imports the package ${m[1]}`);
  };
  await visit('index.js');
  for (const binding of ['react.js', 'vue.js', 'svelte.js', 'live.js']) assert.ok(!seen.has(binding), `index.js reaches ${binding}`);
  assert.ok(seen.has('worker.js') && seen.has('engine.js'), [...seen].join(' '));
});
